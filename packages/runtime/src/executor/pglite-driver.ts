import type { PGliteInterface, Transaction as PGliteTransaction } from '@electric-sql/pglite'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Connection } from './connection.ts'
import { copyPayload } from './copy-payload.ts'
import {
  type CopyTarget,
  configProblem,
  type Driver,
  driverBrand,
  type QueryConfig,
  type QueryResult,
  type TransactionOptions,
} from './driver.ts'
import { encodeParams } from './encode-params.ts'
import { severalStatements } from './sql-skeleton.ts'
import {
  SavepointCounter,
  setTransactionStatement,
  settle,
  type Transaction,
} from './transaction-driver.ts'
import { holdingConnection, outsideOwnTransaction } from './transaction-scope.ts'
import { valueParsers } from './value-parsers.ts'

type PGliteTarget = PGliteInterface | PGliteTransaction

const queryOptions = new WeakMap<PGliteInterface, object>()

/**
 * The query options for one PGlite: fluentorm's parsers, and PGlite's own serializers each
 * made to throw when it would give neither text nor bytes (and json's to take a number as pg
 * does, jsonText). PGlite serializes a parameter by
 * its type after sending Parse and Describe; a result it cannot write (an array type's
 * serializer given a scalar, json's given a value JSON.stringify drops) throws half-way
 * through the Bind message, and the next statements on the instance fail with "invalid
 * message format". Thrown from the serializer, the error leaves the protocol clean.
 */
function optionsFor(pglite: PGliteInterface): object {
  let options = queryOptions.get(pglite)
  if (!options) {
    const serializers = new Proxy(
      {},
      {
        get: (_, oid) => {
          const serialize = pglite.serializers[oid as string]
          if (!serialize) return undefined
          const json = jsonTypes.has(oid)
          return (value: unknown) => {
            const text = asPgSends(value, json)
            return text ?? checkedText(json ? jsonText(value, serialize) : serialize(value), oid)
          }
        },
      },
    )
    options = { parsers: valueParsers, serializers }
    queryOptions.set(pglite, options)
  }
  return options
}

/**
 * A parameter as pg sends it, whatever its type, where PGlite's serializer for the type would
 * send another value, or null to leave it to that serializer: a string as it is (PostgreSQL
 * reads it with the type's input, as from pg: bytea's `\x0102`, where PGlite's bytea
 * serializer refused a string), a number as its digits (PGlite's timestamp serializer took
 * one for milliseconds, where PostgreSQL refuses it), a plain object as its JSON text (PGlite
 * wrote `[object Object]` into a text column, and a bigint inside JSON as a string); JSON
 * asks a toJSON, as pg's does.
 */
function asPgSends(value: unknown, json: boolean): string | null {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'bigint') return json ? null : String(value)
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array ||
    value instanceof Date
  ) {
    return null
  }
  // pg's own conversion (a toPostgres) is not PGlite's to know: its serializer decides.
  if (typeof (value as { toPostgres?: unknown }).toPostgres === 'function') return null
  try {
    return JSON.stringify(value) ?? null
  } catch {
    throw new FluentOrmError({
      code: 'INVALID_USAGE',
      kind: 'invalid_usage',
      reason:
        'a parameter is not JSON (a bigint, a cycle, or a toJSON that throws); pass JSON values',
      operation: 'query',
    })
  }
}

/** json and jsonb, by OID as the Proxy is asked for it. */
const jsonTypes: ReadonlySet<string | symbol> = new Set(['114', '3802'])

/**
 * A number or bigint as pg sends it to a json column, its digits: PGlite's serializer would
 * write a bigint as a JSON string and NaN or Infinity as JSON null, storing another value.
 */
function jsonText(value: unknown, serialize: (value: unknown) => unknown): unknown {
  return typeof value === 'number' || typeof value === 'bigint' ? String(value) : serialize(value)
}

function checkedText(text: unknown, oid: string | symbol): unknown {
  if (typeof text === 'string' || text instanceof Uint8Array) return text
  throw new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: `a parameter does not fit its type (OID ${String(oid)}): an array type takes an array, json a JSON value`,
    operation: 'query',
  })
}

/** One statement on PGlite; prepared-statement names are ignored (PGlite plans each query). */
async function pgliteQuery<R>(
  pglite: PGliteInterface,
  target: PGliteTarget,
  config: QueryConfig,
): Promise<QueryResult<R>> {
  try {
    if (
      (config.values === undefined || config.values.length === 0) &&
      severalStatements(config.text)
    ) {
      // A prepared statement holds one statement: several go as a simple query, which
      // answers with the last one's rows, as pg does.
      const results = await target.exec(config.text, optionsFor(pglite))
      const last = results[results.length - 1]
      return {
        rows: (last?.rows ?? []) as R[],
        rowCount: last?.affectedRows ?? last?.rows.length ?? 0,
      }
    }
    const result = await target.query<R>(
      config.text,
      encodeParams(config.values) as unknown[] | undefined,
      optionsFor(pglite),
    )
    return { rows: result.rows, rowCount: result.rowCount ?? result.affectedRows ?? 0 }
  } catch (error) {
    throw toFluentError(error, { operation: 'query', sql: config.text })
  }
}

async function pgliteExec(target: PGliteTarget, sql: string): Promise<void> {
  try {
    await target.exec(sql)
  } catch (error) {
    throw toFluentError(error, { operation: 'exec', sql })
  }
}

/** PGlite reads COPY data from a Blob it exposes as the file `/dev/blob`. */
async function pgliteCopy(
  target: PGliteTarget,
  copy: CopyTarget,
  rows: readonly (readonly unknown[])[],
): Promise<number> {
  const payload = copyPayload(copy, rows, "'/dev/blob'")
  try {
    const blob = new Blob([Buffer.concat([...payload.chunks])])
    const result = await target.query(payload.sql, [], { blob })
    return result.affectedRows ?? 0
  } catch (error) {
    throw toFluentError(error, { operation: 'copyFrom', sql: payload.sql })
  }
}

/**
 * A PGlite instance as a Driver. PGlite is one connection: its own `transaction()` holds
 * every other query back until the transaction ends, so transactions are serialised and
 * nested ones become savepoints.
 */
export class PgliteDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect = 'pglite'

  constructor(readonly pglite: PGliteInterface) {}

  // Each statement first checks whether the calling code runs inside a transaction that holds
  // this PGlite (transaction-scope.ts): such a statement waits for the end of that transaction
  // itself, and fails if it does not come, rather than deadlocking inside PGlite.
  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    const problem = configProblem(config)
    if (problem) return Promise.reject(problem)
    return outsideOwnTransaction(this.pglite, 'query', config.text, () =>
      pgliteQuery<R>(this.pglite, this.pglite, config),
    )
  }

  exec(sql: string): Promise<void> {
    return outsideOwnTransaction(this.pglite, 'exec', sql, () => pgliteExec(this.pglite, sql))
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return outsideOwnTransaction(this.pglite, 'copyFrom', undefined, () =>
      pgliteCopy(this.pglite, target, rows),
    )
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return outsideOwnTransaction(this.pglite, 'transaction', undefined, () =>
      this.#transaction(fn, options),
    )
  }

  async #transaction<T>(
    fn: (tx: Transaction) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    const modes = setTransactionStatement(options)
    let failure: { error: unknown } | undefined
    try {
      return await holdingConnection(this.pglite, () =>
        this.pglite.transaction(async (inner) => {
          const connection = pgliteConnection(this.pglite, inner)
          if (modes) await connection.query({ text: modes })
          // PGlite itself sends COMMIT, or ROLLBACK when this callback throws.
          return settle(connection, new SavepointCounter(), fn, undefined, undefined).catch(
            (error) => {
              failure = { error }
              throw error
            },
          )
        }),
      )
    } catch (error) {
      if (failure && failure.error === error) throw error
      throw toFluentError(error, { operation: 'transaction' })
    }
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    return fn(this)
  }
}

function pgliteConnection(pglite: PGliteInterface, target: PGliteTransaction): Connection {
  return {
    dialect: 'pglite',
    query: (config) => pgliteQuery(pglite, target, config),
    exec: (sql) => pgliteExec(target, sql),
    copyFrom: (copy, rows) => pgliteCopy(target, copy, rows),
  }
}
