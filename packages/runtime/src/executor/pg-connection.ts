import type pg from 'pg'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Connection } from './connection.ts'
import { copyPayload } from './copy-payload.ts'
import type { CopyTarget, QueryConfig, QueryResult } from './driver.ts'
import { encodeParams } from './encode-params.ts'
import { pgCopyFrom } from './pg-copy-query.ts'
import { type ValueParser, valueParsers } from './value-parsers.ts'

const keepText: ValueParser = (text) => text

/** fluentorm's decoding, handed to pg per query (pg's global type registry stays untouched). */
const pgTypes = {
  getTypeParser: (oid: number) => valueParsers[oid] ?? keepText,
} as unknown as pg.CustomTypesConfig

/** One parameterised statement on a pool or a client, rows decoded by `valueParsers`. */
export async function pgQuery<R>(
  target: pg.Pool | pg.ClientBase,
  config: QueryConfig,
): Promise<QueryResult<R>> {
  try {
    const result = await target.query({
      text: config.text,
      values: encodeParams(config.values),
      name: config.name,
      types: pgTypes,
    })
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 }
  } catch (error) {
    throw toFluentError(error, { operation: 'query', sql: config.text })
  }
}

/** Several statements without parameters: pg sends a text-only query over the simple protocol. */
export async function pgExec(target: pg.Pool | pg.ClientBase, sql: string): Promise<void> {
  try {
    await target.query(sql)
  } catch (error) {
    throw toFluentError(error, { operation: 'exec', sql })
  }
}

/** COPY FROM STDIN on one client (a pool cannot: the rows must follow on the same connection). */
export async function pgCopy(
  client: pg.ClientBase,
  target: CopyTarget,
  rows: readonly (readonly unknown[])[],
): Promise<number> {
  const payload = copyPayload(target, rows, 'STDIN')
  try {
    return await pgCopyFrom(client, payload)
  } catch (error) {
    throw toFluentError(error, { operation: 'copyFrom', sql: payload.sql })
  }
}

/** A pg client as a Connection that remembers whether it died, so it is destroyed, not reused. */
export class PgConnection implements Connection {
  readonly dialect = 'pg'
  lost = false

  constructor(readonly client: pg.ClientBase) {}

  query<R>(config: QueryConfig): Promise<QueryResult<R>> {
    return pgQuery<R>(this.client, config).catch((error) => this.#note(error))
  }

  exec(sql: string): Promise<void> {
    return pgExec(this.client, sql).catch((error) => this.#note(error))
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return pgCopy(this.client, target, rows).catch((error) => this.#note(error))
  }

  #note(error: { kind?: string }): never {
    if (error.kind === 'connection') this.lost = true
    throw error
  }
}
