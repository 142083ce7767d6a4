import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { CopyColumnType } from './copy-binary.ts'

/**
 * The one interface every model method runs on. `toDriver()` turns whatever the user
 * passed (pg.Pool, pg.Client, PoolClient, PGlite, a Transaction, a Database) into a Driver.
 */

/**
 * Marks the Drivers fluentorm builds, so `toDriver()` recognises them exactly instead of
 * guessing from their shape. `Symbol.for`: two copies of the runtime (a Vite SSR graph and
 * Node's) still recognise each other's Drivers.
 */
export const driverBrand: unique symbol = Symbol.for('fluentorm.driver')

export interface QueryConfig {
  readonly text: string
  readonly values?: readonly unknown[]
  /** Named prepared statement (pg); ignored where not supported. */
  readonly name?: string
  /**
   * The caller knows the statement only reads (model reads, query terminals, `sql` fetches
   * set it): a Database with `replicas` may run it on one. Unset: the primary runs it.
   */
  readonly readOnly?: boolean
}

export interface QueryResult<R> {
  readonly rows: R[]
  readonly rowCount: number
}

export type IsolationLevel =
  | 'read uncommitted'
  | 'read committed'
  | 'repeatable read'
  | 'serializable'

export interface TransactionOptions {
  readonly isolationLevel?: IsolationLevel
  readonly readOnly?: boolean
}

/**
 * Where `copyFrom` loads rows: a table and the columns each row gives, in order. With the
 * columns' types the rows go in COPY's binary format when every value has a binary form.
 */
export interface CopyTarget {
  readonly table: string
  readonly columns: readonly string[]
  readonly types?: readonly CopyColumnType[]
}

export interface Driver {
  readonly dialect: 'pg' | 'pglite'
  /**
   * The pooler in front of PostgreSQL, when `connect({ pooler })` named or detected one:
   * `'transaction'` means no session features (fluentorm's migrations then lock per
   * transaction). Undefined for a direct connection and for a Driver written by hand.
   */
  readonly pooler?: import('./pooler.ts').PoolerMode
  /**
   * One parameterised statement. Rows come back decoded the same way on every backend:
   * bigint → bigint, numeric → string, timestamp/timestamptz → Date, date → 'YYYY-MM-DD',
   * json/jsonb → parsed, bytea → Uint8Array, arrays → arrays.
   */
  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>>
  /** Several statements without parameters (simple protocol), e.g. a migration file. */
  exec(sql: string): Promise<void>
  /**
   * Bulk-loads rows with `COPY … FROM STDIN` (binary or text format), several times faster than
   * multi-row INSERT for large batches; returns the number of rows loaded, not the rows.
   * Every Driver fluentorm builds has it; a Driver written by hand may leave it out.
   */
  copyFrom?(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number>
  /** Runs `fn` in a transaction on one connection; nested calls use savepoints. */
  transaction<T>(fn: (tx: Driver) => Promise<T>, options?: TransactionOptions): Promise<T>
  /** Runs `fn` on one dedicated connection without a transaction (advisory locks, session settings). */
  session<T>(fn: (session: Driver) => Promise<T>): Promise<T>
}

/**
 * What model methods accept as their first argument: a pg.Pool, a pg.Client or PoolClient,
 * a PGlite instance, or any Driver (the Database from `connect()`, a transaction).
 */
export type Executor =
  | import('pg').Pool
  | import('pg').ClientBase
  | import('@electric-sql/pglite').PGliteInterface
  | Driver

/**
 * A query's config as a Driver reads it, or the refusal: `db.query('SELECT 1')` as pg takes it
 * would read no text (pg failed on its socket, PGlite answered no rows).
 */
export function configProblem(config: unknown): FluentOrmError | null {
  if (typeof config === 'object' && config !== null) {
    const text = (config as { text?: unknown }).text
    if (typeof text === 'string') return null
  }
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: `query takes a config object with its text, got ${typeof config === 'string' ? 'a string' : config === null ? 'null' : `${typeof config} without a string text`}; call db.query({ text: 'SELECT …', values: [...] })`,
    operation: 'query',
  })
}
