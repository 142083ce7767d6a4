import type { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { checkConnectOptions } from './connect-options.ts'
import { checkUrl, optionSettings, splitUrlOptions, urlError } from './connect-url.ts'
import { connectionFailedError, describeServer } from './errors/connection-failed-error.ts'
import { FluentOrmError } from './errors/fluent-orm-error.ts'
import type { Driver } from './executor/driver.ts'
import type { PgSettings } from './executor/pg-connection.ts'
import { PgPipelineDriver } from './executor/pg-pipeline-driver.ts'
import { PgPoolDriver } from './executor/pg-pool-driver.ts'
import { PgliteDriver } from './executor/pglite-driver.ts'
import { behindPooler, type PoolerMode } from './executor/pooler.ts'
import { logQueries, type QueryLogEntry } from './executor/query-log.ts'
import {
  ReplicaDriver,
  type ReplicaSettings,
  type ReplicaStatus,
  type ReplicaTarget,
} from './executor/replica-driver.ts'
import { settingMs } from './executor/session-timeout.ts'
import { defaultStatementCacheSize } from './executor/statement-cache.ts'
import {
  loadOpenTelemetry,
  openTelemetryRegistered,
  type TraceTarget,
  traceSpans,
} from './executor/trace-spans.ts'

export interface ConnectOptions {
  /**
   * PostgreSQL URL, `postgresql://user:password@host:5432/database`; or embedded PGlite
   * named as one: `pglite:./data` (kept in that directory), `pglite:memory`.
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
  /**
   * pg only: PostgreSQL cancels a statement that runs longer (ms, 0 = never). Wins over the
   * URL's own `?options=-c statement_timeout=…`.
   * @default the URL's `-c statement_timeout`, else 30_000
   */
  readonly statementTimeout?: number
  /**
   * pg only: a statement waiting longer for a lock fails (ms, 0 = never). Wins over the URL's
   * own `-c lock_timeout=…`.
   * @default the URL's `-c lock_timeout`, else 0
   */
  readonly lockTimeout?: number
  /**
   * pg only: the client-side deadline of every statement, from the call to its answer (ms,
   * 0 = none), on a pipelined connection without the wait behind the statements ahead of it.
   * Past it the statement fails with CONNECTION_TIMEOUT and its connection is destroyed and
   * replaced: what catches a network that went silent (no FIN, no RST), which
   * `statementTimeout` cannot, as the server never sees the statement.
   * @default statementTimeout + pool.connectionTimeoutMillis + 1_000 (41_000); 0 when statementTimeout is 0
   */
  readonly queryTimeout?: number
  /** pg only: TCP keepalive on every connection, so the OS notices a dead peer of an idle one. @default true */
  readonly keepAlive?: boolean
  /** pg only: idle time before the first keepalive probe (ms). @default 10_000 */
  readonly keepAliveInitialDelayMillis?: number
  /**
   * pg only: send single statements over a few connections in pipeline mode, many in flight
   * on each, instead of one at a time per pool connection. Transactions, `session()` and
   * `exec()` always use the pool. Behind a transaction-mode pooler pass `pooler`, not
   * `false`: see docs/PERFORMANCE.md.
   * @default { connections: 2 }
   */
  readonly pipeline?: boolean | { readonly connections?: number }
  /**
   * pg only: how many named prepared statements each connection keeps. The least recently
   * used beyond this many are closed on the server (each holds a parse tree and a plan in
   * the backend's memory); one used again is prepared again. `0`: every statement unnamed.
   * @default 256; 0 with pooler: 'transaction'
   */
  readonly statementCacheSize?: number
  /**
   * pg only: the connection pooler between you and PostgreSQL (docs/CONNECT.md).
   * `'transaction'` (PgBouncer `pool_mode = transaction`, Supavisor, pgcat): statements go
   * unnamed, the timeouts are set with `SET LOCAL` in each transaction, `migrate()` locks per
   * transaction, and what needs a session (`session()`, LISTEN, session advisory locks,
   * temporary tables, `SET`) is refused. `'session'`: everything works; the timeouts are set
   * with `SET` on each new connection, since poolers refuse startup options.
   * @default none, a direct connection; a server that refuses startup options (PgBouncer)
   * is then taken for `'transaction'`, with a warning
   */
  readonly pooler?: PoolerMode
  /**
   * pg only: URLs of read replicas (hot standbys streaming from `url`). Single reads outside
   * transactions (model reads, query terminals, `sql` fetches) go to the replica with the
   * fewest reads in flight; writes, transactions, `session()`, DDL, migrations and `db.query`
   * without `readOnly: true` go to the primary, as does every read while no replica is up.
   * A replica whose connection fails is taken out and tried again later. `db.primary` reads
   * from the primary (read-your-writes). See docs/CONNECT.md.
   * @default none
   */
  readonly replicas?: readonly string[]
  /**
   * With `replicas`: a replica more than this many ms behind the primary gets no reads until
   * it catches up, measured every `replicaCheckInterval` (docs/CONNECT.md says how).
   * @default none, no lag check
   */
  readonly maxLag?: number
  /**
   * With `replicas`: how often (ms) the lag is measured and a replica taken out is tried
   * again (after 1, 2, 4, … intervals, at most 30).
   * @default 1_000
   */
  readonly replicaCheckInterval?: number
  /**
   * Called after every statement the Database runs (queries, `exec`, `copyFrom`, inside
   * transactions and sessions too, on pg and PGlite) with its text, how many values were bound
   * (never the values: they may be secrets), its duration, its row count, its error and its
   * prepared statement's name. An exception it throws never breaks the statement (one warning).
   * See docs/CONNECT.md.
   * @default none: statements are not timed at all
   */
  readonly onQuery?: (entry: QueryLogEntry) => void
  /**
   * OpenTelemetry: every statement a CLIENT span (`SELECT app`, with `db.query.text`, never a
   * value) in the caller's context. `true`: whenever `@opentelemetry/api` is installed;
   * `false`: none. See docs/CONNECT.md.
   * @default when an OpenTelemetry SDK was registered before connect() (`sdk.start()`, `trace.setGlobalTracerProvider`)
   */
  readonly tracing?: boolean
}

export interface PgDatabase extends Driver {
  readonly kind: 'pg'
  /** The pool that transactions and sessions (and every query, with `pipeline: false`) use. */
  readonly pool: pg.Pool
  /**
   * Runs everything on the primary, reads too: `User.findById(db.primary, id)` sees the
   * write just made. Without `replicas`, the Database itself.
   */
  readonly primary: Driver
  /** Each replica's state (up, down, lagging), load and lag; empty without `replicas`. */
  readonly replicas: readonly ReplicaStatus[]
  /** Ends every connection: the pool's and the pipelined ones (the replicas' too). */
  close(): Promise<void>
}

export interface PgliteDatabase extends Driver {
  readonly kind: 'pglite'
  readonly pglite: PGlite
  /** The Database itself (PGlite has no replicas): code written for `db.primary` runs here too. */
  readonly primary: Driver
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
 * const db = await connect({ url, pooler: 'transaction' })  // behind PgBouncer in transaction mode
 * const db = await connect({ url, replicas: [replicaUrl], maxLag: 5_000 })
 * await User.findById(db, id)           // on a replica when one is up
 * await User.findById(db.primary, id)   // on the primary
 * await db.close()
 */
export async function connect(options: ConnectOptions = {}): Promise<Database> {
  checkConnectOptions(options)
  const onQuery = Object.hasOwn(options, 'onQuery') ? options.onQuery : undefined
  if (onQuery !== undefined && typeof onQuery !== 'function') {
    throw optionError(
      `onQuery must be a function, called with { text, values, durationMs, rows, error, name } after each statement, got ${describeValue(onQuery)}`,
    )
  }
  // The tracing API loads while the first connection is made: the first query waits for neither twice.
  const [db, api] = await Promise.all([
    openDatabase(options),
    tracingAsked(options.tracing) ? loadOpenTelemetry() : null,
  ])
  const spans = api === null ? undefined : traceSpans(api, traceTarget(db, options))
  const logger =
    spans === undefined || onQuery === undefined
      ? (spans ?? onQuery)
      : (entry: QueryLogEntry) => {
          spans(entry)
          return onQuery(entry)
        }
  return logger === undefined ? db : logQueries(db, logger)
}

/**
 * `tracing: true` traces whenever `@opentelemetry/api` is installed; by default only when an
 * SDK registered with it before connect(), as OpenTelemetry's setup asks (its instrumentation
 * starts first). Without one the API's spans record nothing, so an application that merely has
 * the package installed neither loads it at start-up nor times its statements.
 */
function tracingAsked(tracing: boolean | undefined): boolean {
  return tracing ?? openTelemetryRegistered()
}

/** The server and database the spans name: the URL's, or none for embedded PGlite. */
function traceTarget(db: Database, options: ConnectOptions): TraceTarget {
  const url = options.url ?? process.env.DATABASE_URL
  if (db.kind === 'pglite' || url === undefined) return { system: 'postgresql' }
  const parsed = URL.canParse(url) ? new URL(url) : null
  if (parsed === null) return { system: 'postgresql' }
  return {
    system: 'postgresql',
    address: decodeURIComponent(parsed.hostname) || 'localhost',
    port: Number(parsed.port || 5432),
    ...(parsed.pathname.length > 1 && { database: decodeURIComponent(parsed.pathname.slice(1)) }),
  }
}

async function openDatabase(options: ConnectOptions): Promise<Database> {
  const url = options.url ?? process.env.DATABASE_URL
  const replicas = replicaUrls(options, url)
  const settings = replicaSettings(options)
  if (!url) return connectPglite(options)
  const dataDir = pgliteDataDir(url)
  if (dataDir !== null) {
    if (replicas.length > 0) throw optionError('replicas need a PostgreSQL url, not pglite:')
    return connectPglite(dataDir === '' ? {} : { dataDir })
  }
  checkUrl(url, options.url === undefined ? 'DATABASE_URL' : 'the url passed to connect()')
  const primary = await connectPrimary(url, options)
  if (replicas.length === 0) return primary
  return connectReplicas(primary, replicas, options, settings)
}

/** The primary's Database: with the pooler named, or detected on its first connection. */
async function connectPrimary(url: string, options: ConnectOptions): Promise<PgDatabase> {
  if (options.pooler !== undefined) {
    return (await connectPg(url, options, checkedPooler(options.pooler)))!
  }
  let sign: string
  try {
    const db = await connectPg(url, options, undefined)
    if (db) return db
    sign = "gave a process id that is not its backend's (a pooler's own cancel key)"
  } catch (error) {
    if (!refusedStartupOptions(error)) throw error
    sign = 'refused startup options (unsupported startup parameter)'
  }
  process.emitWarning(
    `the server at ${describeServer(url)} ${sign}: it is a pooler such as PgBouncer. fluentorm connected as with pooler: 'transaction' (statements unnamed, timeouts set with SET LOCAL in transactions, session features refused). Pass pooler: 'transaction', or 'session' for a session-mode pooler, to connect() to say so and skip this check.`,
    { code: 'FLUENTORM_POOLER' },
  )
  return (await connectPg(url, options, 'transaction'))!
}

class PgPoolDatabase extends PgPoolDriver implements PgDatabase {
  readonly kind = 'pg'
  readonly replicas: readonly ReplicaStatus[] = []
  get primary(): Driver {
    return this
  }
  close(): Promise<void> {
    return this.pool.end()
  }
}

class PgPipelineDatabase extends PgPipelineDriver implements PgDatabase {
  readonly kind = 'pg'
  readonly replicas: readonly ReplicaStatus[] = []
  get primary(): Driver {
    return this
  }
}

/** The primary's Database with its replicas: reads marked readOnly go to a replica. */
class ReplicatedDatabase extends ReplicaDriver implements PgDatabase {
  readonly kind = 'pg'
  readonly #primary: PgDatabase

  constructor(primary: PgDatabase, replicas: readonly ReplicaTarget[], settings: ReplicaSettings) {
    super(primary, replicas, settings)
    this.#primary = primary
  }

  get pool(): pg.Pool {
    return this.#primary.pool
  }

  override async close(): Promise<void> {
    await super.close()
    await this.#primary.close()
  }
}

class EmbeddedDatabase extends PgliteDriver implements PgliteDatabase {
  readonly kind = 'pglite'
  declare readonly pglite: PGlite
  get primary(): Driver {
    return this
  }
  close(): Promise<void> {
    return this.pglite.close()
  }
}

/**
 * The primary with its replicas, each checked once before this returns: a replica that
 * cannot be reached now starts out of rotation (reads go to the others, or the primary) and
 * is tried again in the background, so a replica down does not stop the application.
 */
async function connectReplicas(
  primary: PgDatabase,
  urls: readonly string[],
  options: ConnectOptions,
  settings: ReplicaSettings,
): Promise<PgDatabase> {
  const targets: ReplicaTarget[] = []
  try {
    for (const url of urls) {
      const replica = pgDatabase(url, options, primary.pooler)
      targets.push({ server: describeServer(url), driver: replica, close: () => replica.close() })
    }
  } catch (error) {
    await Promise.all([primary, ...targets].map((db) => db.close()))
    throw error
  }
  const db = new ReplicatedDatabase(primary, targets, settings)
  await db.start()
  return db
}

function replicaUrls(options: ConnectOptions, url: string | undefined): readonly string[] {
  const replicas = Object.hasOwn(options, 'replicas') ? options.replicas : undefined
  if (replicas === undefined) return []
  if (!Array.isArray(replicas) || replicas.some((r) => typeof r !== 'string')) {
    throw configError(
      `the connect() option replicas must be an array of PostgreSQL URLs (postgresql://user:password@replica:5432/database), got ${describeValue(replicas)}`,
    )
  }
  if (replicas.length > 0 && !url) {
    throw configError(
      'the connect() option replicas needs a primary: pass url (or set DATABASE_URL) too; embedded PGlite has no replicas',
    )
  }
  replicas.forEach((replica, i) => {
    checkUrl(replica, `replicas[${i}]`)
  })
  return replicas
}

function replicaSettings(options: ConnectOptions): ReplicaSettings {
  const maxLag = Object.hasOwn(options, 'maxLag') ? options.maxLag : undefined
  if (maxLag !== undefined && !(typeof maxLag === 'number' && maxLag > 0 && maxLag < Infinity)) {
    throw configError(
      `the connect() option maxLag must be a number of milliseconds above 0 (how far behind the primary a replica may be and still take reads), got ${describeValue(maxLag)}; leave it out for no lag check`,
    )
  }
  const interval = Object.hasOwn(options, 'replicaCheckInterval')
    ? options.replicaCheckInterval
    : undefined
  if (interval !== undefined && !(Number.isSafeInteger(interval) && interval >= 10)) {
    throw configError(
      `the connect() option replicaCheckInterval must be a whole number of milliseconds ≥ 10, got ${describeValue(interval)}; leave it out for the default (1000)`,
    )
  }
  return { maxLag, checkInterval: interval ?? 1_000 }
}

function configError(reason: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_CONFIG',
    kind: 'invalid_usage',
    reason,
    operation: 'connect',
  })
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

/**
 * The Database on a pg pool, its first connection made. Undefined when no pooler was named
 * but the server turns out to be one: the caller connects again in pooler mode.
 */
async function connectPg(
  url: string,
  options: ConnectOptions,
  pooler: PoolerMode | undefined,
): Promise<PgDatabase | undefined> {
  const db = pgDatabase(url, options, pooler)
  let pooled: boolean
  try {
    pooled = await firstConnection(db, url, pooler === undefined)
  } catch (error) {
    await db.close()
    throw error
  }
  if (!pooled) return db
  await db.close()
  return undefined
}

/**
 * Opens the Database's one connection at start-up, so a wrong URL fails now, and says whether
 * it goes through a pooler (asked only when `detect`: no pooler was named). Pipelined, it is
 * the first pipelined connection, the one the first statements use; the pool opens its own
 * when a transaction needs one, as a plain pg.Pool's first query does. No statement of the
 * application has been sent yet, so each runs in the mode this finds.
 */
async function firstConnection(
  db: PgPoolDatabase | PgPipelineDatabase,
  url: string,
  detect: boolean,
): Promise<boolean> {
  try {
    if (db instanceof PgPipelineDatabase) {
      const client = await db.open()
      return detect && (await behindPooler(client))
    }
    const client = await db.pool.connect()
    try {
      return detect && (await behindPooler(client))
    } finally {
      client.release()
    }
  } catch (error) {
    throw error instanceof FluentOrmError ? error : connectionFailedError(url, error)
  }
}

/** The Database on a pg pool, pipelined or not, before any connection is made. */
function pgDatabase(
  url: string,
  options: ConnectOptions,
  pooler: PoolerMode | undefined,
): PgPoolDatabase | PgPipelineDatabase {
  const fromUrl = splitUrlOptions(url)
  if (pooler && fromUrl.options !== undefined) {
    throw urlError(
      `the URL has ?options=, which a pooler refuses (PgBouncer: unsupported startup parameter: options)`,
      'the URL',
    )
  }
  const urlSettings = optionSettings(fromUrl.options ?? '')
  const timeouts = timeoutSettings(options, urlSettings)
  const connections = pipelineConnections(options.pipeline)
  const client = {
    connectionString: fromUrl.connectionString,
    connectionTimeoutMillis: options.pool?.connectionTimeoutMillis ?? 10_000,
    options: pooler ? undefined : startupOptions(fromUrl.options, timeouts),
    keepAlive: options.keepAlive ?? true,
    keepAliveInitialDelayMillis: options.keepAliveInitialDelayMillis ?? 10_000,
  }
  const settings: PgSettings = {
    statementCacheSize: statementCacheSize(options.statementCacheSize, pooler),
    pooler,
    ...deadlineSettings(options, urlSettings),
    transactionSettings:
      pooler === 'transaction' ? timeouts.map((t) => `SET LOCAL ${t}`).join('; ') : undefined,
  }
  const sessionSettings =
    pooler === 'session' ? timeouts.map((t) => `SET ${t}`).join('; ') : undefined
  const pool = new pg.Pool({
    ...client,
    max: options.pool?.max ?? 10,
    idleTimeoutMillis: options.pool?.idleTimeoutMillis ?? 10_000,
    // pg-pool waits for it before it hands the new client out.
    onConnect: sessionSettings
      ? async (c) => {
          await c.query(sessionSettings)
        }
      : undefined,
  })
  // An idle client whose server went away emits 'error' on the pool; unhandled, Node would
  // exit. pg already drops that client, and the next query opens a fresh connection.
  pool.on('error', () => undefined)
  if (connections === 0) return new PgPoolDatabase(pool, settings)
  return new PgPipelineDatabase(pool, { client, connections, url, settings, sessionSettings })
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
    throw optionError(
      `pipeline.connections must be a whole number of at least 1, got ${String(connections)}; or pass pipeline: false to send every query through the pool`,
    )
  }
  return connections
}

function optionError(reason: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_OPTION',
    kind: 'invalid_usage',
    reason,
    operation: 'connect',
  })
}

/**
 * The client-side deadline: by default long enough for a statement to wait for a pool
 * connection and then run up to the statement_timeout the server was given, so only a silent
 * network reaches it.
 */
function deadlineSettings(
  options: ConnectOptions,
  urlSettings: ReadonlyMap<string, string>,
): {
  queryTimeout: number
  statementTimeout: number
} {
  const statementTimeout = serverStatementTimeout(options, urlSettings)
  const connectWait = options.pool?.connectionTimeoutMillis ?? 10_000
  const derived = statementTimeout > 0 ? statementTimeout + connectWait + 1_000 : 0
  return { queryTimeout: options.queryTimeout ?? derived, statementTimeout }
}

/**
 * The statement_timeout the server runs with (ms, 0: none): the connect() option, else the
 * URL's own (`?options=-c statement_timeout=5s`), else 30 s. A URL's value in a form not read
 * here (octal, hex) leaves the deadline on the default.
 */
function serverStatementTimeout(
  options: ConnectOptions,
  urlSettings: ReadonlyMap<string, string>,
): number {
  if (options.statementTimeout !== undefined) return options.statementTimeout
  const fromUrl = urlSettings.get('statement_timeout')
  return (fromUrl === undefined ? undefined : settingMs(fromUrl)) ?? 30_000
}

/**
 * `statement_timeout = 30000`, `lock_timeout = 2000`: the settings the options ask for, sent
 * after the URL's own options, so a connect() option wins over the URL's setting and the URL's
 * over the default (statementTimeout's 30 s, none sent then). 0 (none) is sent only over a
 * URL's value: without one, the server's own setting (a role's `ALTER ROLE … SET`) stays.
 */
function timeoutSettings(
  options: ConnectOptions,
  urlSettings: ReadonlyMap<string, string>,
): string[] {
  const asked = {
    statement_timeout:
      options.statementTimeout ?? (urlSettings.has('statement_timeout') ? undefined : 30_000),
    lock_timeout: options.lockTimeout,
  }
  const settings: string[] = []
  for (const [name, ms] of Object.entries(asked)) {
    if (ms !== undefined && (ms > 0 || urlSettings.has(name))) {
      settings.push(`${name} = ${Math.floor(ms)}`)
    }
  }
  return settings
}

/**
 * Timeouts go in the connection's startup options, not `SET`: a `RESET ALL` in a migration
 * would otherwise silently drop them for the rest of that connection's life. They follow the
 * URL's own options, which pg would otherwise send instead of them: the server applies the
 * flags in order, the last of a name winning. Poolers refuse startup options, so behind one
 * they are set with SET (session) or SET LOCAL (transaction).
 */
function startupOptions(
  urlOptions: string | undefined,
  timeouts: readonly string[],
): string | undefined {
  const flags = [urlOptions, ...timeouts.map((t) => `-c ${t.replace(' = ', '=')}`)]
  const joined = flags.filter(Boolean).join(' ')
  return joined || undefined
}

function statementCacheSize(size: number | undefined, pooler: PoolerMode | undefined): number {
  if (size === undefined) return pooler === 'transaction' ? 0 : defaultStatementCacheSize
  if (!Number.isInteger(size) || size < 0) {
    throw optionError(
      `statementCacheSize must be a whole number of at least 0 (0: no named prepared statements), got ${String(size)}`,
    )
  }
  return size
}

function checkedPooler(pooler: unknown): PoolerMode {
  if (pooler === 'transaction' || pooler === 'session') return pooler
  throw optionError(
    `pooler must be 'transaction' (PgBouncer pool_mode = transaction, Supavisor, pgcat) or 'session', got ${JSON.stringify(pooler)}; leave it out for a direct connection to PostgreSQL`,
  )
}

/** PgBouncer's answer to startup options it does not know: `unsupported startup parameter: options`. */
function refusedStartupOptions(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (e.message.includes('unsupported startup parameter')) return true
  }
  return false
}

/**
 * `pglite:./data` (a directory, made when missing), `pglite:` or `pglite:memory` (in memory):
 * embedded PGlite named by a URL, so DATABASE_URL and the CLI's `--url` can say it too.
 */
function pgliteDataDir(url: string): string | null {
  if (!url.startsWith('pglite:')) return null
  const rest = url.slice('pglite:'.length)
  return rest === 'memory' ? '' : rest
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
