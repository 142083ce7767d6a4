import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { connectionFailedError } from './errors/connection-failed-error.ts'
import { FluentOrmError } from './errors/fluent-orm-error.ts'
import type { Driver } from './executor/driver.ts'
import { PgPipelineDriver } from './executor/pg-pipeline-driver.ts'
import { PgPoolDriver } from './executor/pg-pool-driver.ts'
import { PgliteDriver } from './executor/pglite-driver.ts'

export interface ConnectOptions {
  /**
   * PostgreSQL URL, `postgresql://user:password@host:5432/database`.
   * @default process.env.DATABASE_URL; when neither is set, embedded PGlite
   */
  readonly url?: string
  /** PGlite only: keep the database in this directory. @default in memory */
  readonly dataDir?: string
  /** pg only: the connection pool. */
  readonly pool?: {
    /** @default 10 */
    readonly max?: number
    /** How long a query waits for a free connection before it fails. @default 10_000 */
    readonly connectionTimeoutMillis?: number
    /** @default 10_000 */
    readonly idleTimeoutMillis?: number
  }
  /** pg only: PostgreSQL cancels a statement that runs longer (ms, 0 = never). @default 30_000 */
  readonly statementTimeout?: number
  /** pg only: a statement waiting longer for a lock fails (ms, 0 = never). @default 0 */
  readonly lockTimeout?: number
  /**
   * pg only: send single statements over a few connections in pipeline mode, many in flight
   * on each, instead of one at a time per pool connection. Transactions, `session()` and
   * `exec()` always use the pool. `false` behind a transaction-mode pooler (PgBouncer before
   * 1.21, or without `max_prepared_statements`): see docs/PERFORMANCE.md.
   * @default { connections: 2 }
   */
  readonly pipeline?: boolean | { readonly connections?: number }
}

export interface PgDatabase extends Driver {
  readonly kind: 'pg'
  /** The pool that transactions and sessions (and every query, with `pipeline: false`) use. */
  readonly pool: pg.Pool
  /** Ends every connection: the pool's and the pipelined ones. */
  close(): Promise<void>
}

export interface PgliteDatabase extends Driver {
  readonly kind: 'pglite'
  readonly pglite: PGlite
  close(): Promise<void>
}

/** What `connect()` returns: a Driver (models accept it) that owns its pool or PGlite. */
export type Database = PgDatabase | PgliteDatabase

/**
 * Opens the database: pg when `url` or DATABASE_URL is set, otherwise embedded PGlite.
 * On pg, single statements are pipelined over 2 connections and transactions use a pool
 * (`pipeline: false`: everything through the pool). The first connection is made here, so
 * a wrong URL fails now, clearly.
 *
 * @example
 * const db = await connect()                              // DATABASE_URL, else PGlite in memory
 * const db = await connect({ url, statementTimeout: 5_000 })
 * const db = await connect({ url, pipeline: false })        // behind PgBouncer < 1.21
 * await User.findById(db, id)
 * await db.close()
 */
export async function connect(options: ConnectOptions = {}): Promise<Database> {
  const url = options.url ?? process.env.DATABASE_URL
  return url ? connectPg(url, options) : connectPglite(options)
}

class PgPoolDatabase extends PgPoolDriver implements PgDatabase {
  readonly kind = 'pg'
  close(): Promise<void> {
    return this.pool.end()
  }
}

class PgPipelineDatabase extends PgPipelineDriver implements PgDatabase {
  readonly kind = 'pg'
}

class EmbeddedDatabase extends PgliteDriver implements PgliteDatabase {
  readonly kind = 'pglite'
  declare readonly pglite: PGlite
  close(): Promise<void> {
    return this.pglite.close()
  }
}

async function connectPg(url: string, options: ConnectOptions): Promise<PgDatabase> {
  const client = {
    connectionString: url,
    connectionTimeoutMillis: options.pool?.connectionTimeoutMillis ?? 10_000,
    options: startupOptions(url, options),
  }
  const pool = new pg.Pool({
    ...client,
    max: options.pool?.max ?? 10,
    idleTimeoutMillis: options.pool?.idleTimeoutMillis ?? 10_000,
  })
  // An idle client whose server went away emits 'error' on the pool; unhandled, Node would
  // exit. pg already drops that client, and the next query opens a fresh connection.
  pool.on('error', () => undefined)
  const connections = pipelineConnections(options.pipeline)
  if (connections === 0) {
    try {
      const probe = await pool.connect()
      probe.release()
    } catch (error) {
      await pool.end()
      throw connectionFailedError(url, error)
    }
    return new PgPoolDatabase(pool)
  }
  const db = new PgPipelineDatabase(pool, { client, connections, url })
  try {
    await db.open()
  } catch (error) {
    await pool.end()
    throw error
  }
  return db
}

/**
 * Two pipelined connections by default: two backends work in parallel on a database server
 * with cores of its own, and a slow query holds up only the queries behind it on its own
 * connection. Where the database shares a 2-core machine with Node, one measured faster
 * (docs/PERFORMANCE.md has the numbers and when to pass `connections: 1`).
 */
function pipelineConnections(pipeline: ConnectOptions['pipeline']): number {
  if (pipeline === false) return 0
  const connections = pipeline === true || pipeline === undefined ? 2 : (pipeline.connections ?? 2)
  if (!Number.isInteger(connections) || connections < 1) {
    throw new FluentOrmError({
      code: 'INVALID_OPTION',
      kind: 'invalid_usage',
      reason: `pipeline.connections must be a whole number of at least 1, got ${String(connections)}; or pass pipeline: false to send every query through the pool`,
      operation: 'connect',
    })
  }
  return connections
}

/**
 * Timeouts go in the connection's startup options, not `SET`: a `RESET ALL` in a migration
 * would otherwise silently drop them for the rest of that connection's life.
 */
function startupOptions(url: string, options: ConnectOptions): string | undefined {
  const flags = [parseUrlOptions(url)]
  const statementTimeout = options.statementTimeout ?? 30_000
  if (statementTimeout > 0) flags.push(`-c statement_timeout=${Math.floor(statementTimeout)}`)
  if (options.lockTimeout) flags.push(`-c lock_timeout=${Math.floor(options.lockTimeout)}`)
  const joined = flags.filter(Boolean).join(' ')
  return joined || undefined
}

/** The `?options=` of the URL, kept: pg would let ours replace it. */
function parseUrlOptions(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('options') ?? undefined
  } catch {
    return undefined
  }
}

async function connectPglite(options: ConnectOptions): Promise<PgliteDatabase> {
  let PGliteClass: typeof PGlite
  try {
    PGliteClass = (await import('@electric-sql/pglite')).PGlite
  } catch (error) {
    throw new FluentOrmError({
      code: 'PGLITE_MISSING',
      kind: 'connection',
      reason:
        'DATABASE_URL is not set, so fluentorm uses embedded PGlite, but @electric-sql/pglite is not installed. Run npm install @electric-sql/pglite, or set DATABASE_URL to a PostgreSQL server',
      operation: 'connect',
      cause: error,
    })
  }
  try {
    const pglite = await PGliteClass.create(options.dataDir)
    return new EmbeddedDatabase(pglite)
  } catch (error) {
    throw new FluentOrmError({
      code: 'CONNECTION_FAILED',
      kind: 'connection',
      reason: `could not open embedded PGlite${options.dataDir ? ` in ${options.dataDir}` : ' in memory'} (${error instanceof Error ? error.message : String(error)}). Check that the directory is writable and not used by another process`,
      operation: 'connect',
      cause: error,
    })
  }
}
