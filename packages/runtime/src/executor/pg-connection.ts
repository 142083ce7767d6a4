import pg from 'pg'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Connection } from './connection.ts'
import { copyPayload } from './copy-payload.ts'
import type { CopyTarget, QueryConfig, QueryResult } from './driver.ts'
import { encodeParams } from './encode-params.ts'
import { pgCopyFrom } from './pg-copy-query.ts'
import { type RunFirst, runFirst } from './pg-run-first.ts'
import { pgStatement, type StatementConfig } from './pg-statement.ts'
import { type PoolerMode, sessionFeatureError } from './pooler.ts'
import {
  type Deadline,
  type DeadlineSettings,
  onClientWithin,
  startDeadline,
  submitWithin,
} from './query-deadline.ts'
import { defaultStatementCacheSize, isStalePlan, PreparedQuery } from './statement-cache.ts'
import { type ValueParser, valueParsers } from './value-parsers.ts'

/**
 * How fluentorm uses its pg connections: what `connect()` was told, or the defaults for a
 * pg.Pool or pg.Client passed to a model method.
 */
export interface PgSettings extends DeadlineSettings {
  /** Named prepared statements kept per connection, least recently used closed first; 0: none, every statement unnamed. */
  readonly statementCacheSize: number
  /** The pooler in front of PostgreSQL; `'transaction'` refuses session features (pooler.ts). */
  readonly pooler?: PoolerMode
  /** Sent with every BEGIN, e.g. `SET LOCAL statement_timeout = 30000` (no startup options through a pooler). */
  readonly transactionSettings?: string
}

/** A pg.Pool or pg.Client passed directly: its statement_timeout is unknown here, so no deadline. */
export const directSettings: PgSettings = Object.freeze({
  statementCacheSize: defaultStatementCacheSize,
  queryTimeout: 0,
  statementTimeout: 0,
})

const keepText: ValueParser = (text) => text

/** fluentorm's decoding, handed to pg per query (pg's global type registry stays untouched). */
const pgTypes = {
  getTypeParser: (oid: number) => valueParsers[oid] ?? keepText,
} as unknown as pg.CustomTypesConfig

/**
 * One parameterised statement on a pool or a client, rows decoded by `valueParsers`, answered
 * within the deadline (`settings.queryTimeout` from now unless given: query-deadline.ts). A
 * named statement stays prepared on its connection while it is among the `statementCacheSize`
 * most recently used there (statement-cache.ts); with a size of 0 it is sent unnamed.
 * `first`: statements sent ahead of it in the same round trip (pg-run-first.ts).
 */
export async function pgQuery<R>(
  target: pg.Pool | pg.ClientBase,
  config: QueryConfig,
  settings: PgSettings,
  deadline: Deadline | undefined = startDeadline(settings.queryTimeout),
  first?: RunFirst,
): Promise<QueryResult<R>> {
  const query: StatementConfig = {
    text: config.text,
    values: encodeParams(config.values),
    types: pgTypes,
    // Never the simple protocol behind statements sent ahead (pg-run-first.ts says why).
    queryMode: first === undefined ? undefined : 'extended',
  }
  const named = config.name !== undefined && settings.statementCacheSize > 0
  try {
    for (let attempt = 1; ; attempt++) {
      const statement = named
        ? new PreparedQuery({ ...query, name: config.name! }, settings.statementCacheSize)
        : pgStatement(query)
      if (first !== undefined && attempt === 1) runFirst(statement, first)
      try {
        const answer = await submitWithin(target, statement, deadline, settings, 'query')
        // A text of several statements (no parameters: the simple protocol) answers with a
        // result each; the last one's rows are the answer, as on the pipelined connections.
        const result = Array.isArray(answer) ? (answer.at(-1) as pg.QueryResult) : answer
        return { rows: (result?.rows ?? []) as R[], rowCount: result?.rowCount ?? 0 }
      } catch (error) {
        // Statements sent ahead (BEGIN) began a transaction that the failure aborted.
        if (!named || !isStalePlan(error) || first?.sent || !mayRunAgain(target, attempt)) {
          throw error
        }
      }
    }
  } catch (error) {
    throw toFluentError(error, { operation: 'query', sql: config.text })
  }
}

/**
 * Whether a statement that failed on a stale plan (its statement forgotten, so the next run
 * prepares it again: statement-cache.ts) may simply run again: it did nothing, but inside a
 * transaction its error aborted the transaction. A pool's connections each hold their own
 * stale copy: one more run per connection of the pool.
 */
function mayRunAgain(target: pg.Pool | pg.ClientBase, attempt: number): boolean {
  if (!('connection' in target)) return attempt <= (target as pg.Pool).options.max
  const status = (target as { getTransactionStatus?(): string | null }).getTransactionStatus?.()
  return attempt === 1 && status === 'I'
}

/** Several statements without parameters: pg sends a text-only query over the simple protocol. */
export async function pgExec(
  target: pg.Pool | pg.ClientBase,
  sql: string,
  settings: PgSettings,
): Promise<void> {
  try {
    const deadline = startDeadline(settings.queryTimeout)
    await submitWithin(target, new pg.Query(sql), deadline, settings, 'exec')
  } catch (error) {
    throw toFluentError(error, { operation: 'exec', sql })
  }
}

/** COPY FROM STDIN on one client (a pool cannot: the rows must follow on the same connection). */
export async function pgCopy(
  client: pg.ClientBase,
  target: CopyTarget,
  rows: readonly (readonly unknown[])[],
  settings: PgSettings,
): Promise<number> {
  const payload = copyPayload(target, rows, 'STDIN')
  try {
    return await onClientWithin(
      client,
      () => pgCopyFrom(client, payload),
      settings,
      'copyFrom',
      payload.sql,
    )
  } catch (error) {
    throw toFluentError(error, { operation: 'copyFrom', sql: payload.sql })
  }
}

/**
 * A pg client as a Connection (a transaction's, or a copy's) that remembers whether it died,
 * so it is destroyed, not reused.
 */
export class PgConnection implements Connection {
  readonly dialect = 'pg'
  lost = false

  constructor(
    readonly client: pg.ClientBase,
    readonly settings: PgSettings,
  ) {}

  get pooler(): PoolerMode | undefined {
    return this.settings.pooler
  }

  get transactionSettings(): string | undefined {
    return this.settings.transactionSettings
  }

  query<R>(config: QueryConfig, first?: RunFirst): Promise<QueryResult<R>> {
    const refused = this.#refused(config.text, 'query')
    if (refused) return Promise.reject(refused)
    return pgQuery<R>(this.client, config, this.settings, undefined, first).catch((error) =>
      this.#note(error),
    )
  }

  exec(sql: string): Promise<void> {
    const refused = this.#refused(sql, 'exec')
    if (refused) return Promise.reject(refused)
    return pgExec(this.client, sql, this.settings).catch((error) => this.#note(error))
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return pgCopy(this.client, target, rows, this.settings).catch((error) => this.#note(error))
  }

  #refused(sql: string, operation: string): Error | undefined {
    return this.settings.pooler === 'transaction'
      ? sessionFeatureError(sql, true, operation)
      : undefined
  }

  #note(error: { kind?: string }): never {
    if (error.kind === 'connection') this.lost = true
    throw error
  }
}
