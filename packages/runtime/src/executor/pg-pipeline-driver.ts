import pg from 'pg'
import { connectionFailedError } from '../errors/connection-failed-error.ts'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import {
  type CopyTarget,
  configProblem,
  type Driver,
  driverBrand,
  type QueryConfig,
  type QueryResult,
  type TransactionOptions,
} from './driver.ts'
import type { PgSettings } from './pg-connection.ts'
import { PgPoolDriver } from './pg-pool-driver.ts'
import { type PoolerMode, sessionFeatureError } from './pooler.ts'
import { type Deadline, startDeadline, within } from './query-deadline.ts'
import { sqlSkeleton } from './sql-skeleton.ts'
import type { Transaction } from './transaction-driver.ts'
import { WireConnection } from './wire-connection.ts'

/**
 * Statements that change the state of the session they run on, at the start of a statement.
 * On a pipelined connection they would change it for every query that shares the connection,
 * so they run on a pool connection instead, as a plain pg.Pool would run them.
 */
const sessionStatement =
  /(?:^|;)\s*(?:begin|start|commit|end|rollback|abort|savepoint|release|set|reset|discard|listen|unlisten|declare|lock|prepare|deallocate)\b/i

/**
 * Whether `text` must run on a connection of its own (the pool) rather than a pipelined one:
 * a session statement, comments ignored (sql-skeleton.ts); any text with COPY in it (in copy
 * mode the server reads the statements pipelined behind it as copy data); and a text of
 * several statements, which is sent without parameters (the simple protocol). A false
 * positive costs only the pipelining; one that got past is caught by the wire path where it
 * can be (wire-connection.ts: a run that leaves a transaction open, or starts a COPY, breaks
 * its connection rather than run the others in it).
 */
export function needsOwnSession(text: string, values: readonly unknown[] | undefined): boolean {
  const code = sqlSkeleton(text)
  if (sessionStatement.test(code)) return true
  if (/\bcopy\b/i.test(code)) return true
  return (values === undefined || values.length === 0) && /;\s*[^\s;]/.test(code)
}

/** One pipelined connection; replaced by a fresh one after it dies. */
interface PipelineSlot {
  /** pg's client: it opened the connection (startup, auth, TLS) and ends it. */
  client: pg.Client | undefined
  /** The connection's read and write path once the first query runs (wire-connection.ts). */
  wire: WireConnection | undefined
  opening: Promise<pg.Client> | undefined
  /** Queries sent on this slot and not yet answered: the load that picks the slot. */
  inFlight: number
}

export interface PipelineConfig {
  /** How pipelined clients connect (URL, startup options); `pipeline: true` is added. */
  readonly client: pg.ClientConfig
  /** How many pipelined connections the queries are spread over. */
  readonly connections: number
  /** For error messages that name the server. */
  readonly url: string
  /** How statements are prepared and what is refused (the pool's too). */
  readonly settings: PgSettings
  /** Run on each pipelined connection once it opens (`SET statement_timeout …` behind a session pooler). */
  readonly sessionSettings?: string
}

/**
 * Single statements are multiplexed over a few pg clients in pipeline mode: each query is
 * written at once, without waiting for the answers to the ones before it, on the connection
 * with the fewest queries in flight. Each query carries its own Sync, so one that fails
 * fails alone. Transactions, `session()`, `exec()` and `copyFrom()` need a connection of
 * their own and use `pool`.
 *
 * @example
 * const db = new PgPipelineDriver(pool, { client: { connectionString }, connections: 2, url })
 * await Promise.all(ids.map((id) => User.findById(db, id)))  // 64 queries, 2 sockets, no waiting
 */
export class PgPipelineDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect = 'pg'
  readonly #slots: PipelineSlot[]
  readonly #pooled: PgPoolDriver
  #closed = false
  #closing: Promise<void> | undefined
  /** Queries asked for and not yet answered, over every slot; close() waits for them. */
  #sending = 0
  readonly #sent: (() => void)[] = []

  constructor(
    readonly pool: pg.Pool,
    readonly pipeline: PipelineConfig,
  ) {
    this.#pooled = new PgPoolDriver(pool, pipeline.settings)
    this.#slots = Array.from({ length: Math.max(1, pipeline.connections) }, () => ({
      client: undefined,
      wire: undefined,
      opening: undefined,
      inFlight: 0,
    }))
  }

  get pooler(): PoolerMode | undefined {
    return this.pipeline.settings.pooler
  }

  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    const problem = configProblem(config)
    if (problem) return Promise.reject(problem)
    if (needsOwnSession(config.text, config.values)) return this.#pooled.query<R>(config)
    if (this.pipeline.settings.pooler === 'transaction') {
      const refused = sessionFeatureError(config.text, false, 'query')
      if (refused) return Promise.reject(refused)
    }
    return this.#send<R>(this.#leastLoaded(), config)
  }

  exec(sql: string): Promise<void> {
    return this.#pooled.exec(sql)
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return this.#pooled.copyFrom(target, rows)
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#pooled.transaction(fn, options)
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    return this.#pooled.session(fn)
  }

  /** Opens the first pipelined connection, so a wrong URL fails at start-up; resolves to it. */
  async open(): Promise<pg.Client> {
    try {
      return await this.#open(this.#slots[0]!)
    } catch (error) {
      throw error instanceof FluentOrmError
        ? error
        : connectionFailedError(this.pipeline.url, error)
    }
  }

  /** Lets the queries already sent finish, then ends the pipelined connections and the pool. */
  close(): Promise<void> {
    this.#closing ??= this.#close()
    return this.#closing
  }

  async #close(): Promise<void> {
    this.#closed = true
    // Every query asked for before close() is answered first: one still waiting for its slot
    // to open, and one run again after a stale plan, included.
    while (this.#sending > 0) await new Promise<void>((resolve) => this.#sent.push(resolve))
    await Promise.all(
      this.#slots.map(async (slot) => {
        const client = slot.client ?? (await slot.opening?.catch(() => undefined))
        await client?.end()
      }),
    )
    await this.pool.end()
  }

  async #send<R>(slot: PipelineSlot, config: QueryConfig): Promise<QueryResult<R>> {
    // One deadline from the call: opening the slot's connection counts against it.
    const deadline = startDeadline(this.pipeline.settings.queryTimeout)
    // Asked for after close(): refused, so that close() waits only for what came before it.
    if (this.#closed) throw closedError()
    slot.inFlight++
    this.#sending++
    try {
      // A connection that timed out or broke takes no more runs, before pg has told 'end'.
      if (slot.wire?.ended) {
        slot.client = undefined
        slot.wire = undefined
      }
      const client = slot.client ?? (await this.#reopen(slot, deadline, config.text))
      // Taken over at its first query: until then pg's own queries may run on it (open()).
      slot.wire ??= new WireConnection(client, this.pipeline.settings.statementCacheSize)
      return await slot.wire.query<R>(config, deadline)
    } catch (error) {
      throw toFluentError(error, { operation: 'query', sql: config.text })
    } finally {
      slot.inFlight--
      if (--this.#sending === 0) for (const resolve of this.#sent.splice(0)) resolve()
    }
  }

  /** A slot's connection opened again after its last one died; the deadline bounds the wait. */
  async #reopen(
    slot: PipelineSlot,
    deadline: Deadline | undefined,
    sql: string,
  ): Promise<pg.Client> {
    try {
      return await within(this.#open(slot), deadline, 'query', sql, () => undefined)
    } catch (error) {
      throw toFluentError(error, { operation: 'query', sql })
    }
  }

  /** Ties go to the first slot: sequential callers stay on one warm connection. */
  #leastLoaded(): PipelineSlot {
    let best = this.#slots[0]!
    for (let i = 1; i < this.#slots.length && best.inFlight > 0; i++) {
      const slot = this.#slots[i]!
      if (slot.inFlight < best.inFlight) best = slot
    }
    return best
  }

  #open(slot: PipelineSlot): Promise<pg.Client> {
    if (this.#closed) return Promise.reject(closedError())
    slot.opening ??= this.#connect(slot).finally(() => {
      slot.opening = undefined
    })
    return slot.opening
  }

  async #connect(slot: PipelineSlot): Promise<pg.Client> {
    const client = new pg.Client({ ...this.pipeline.client, pipeline: true })
    // A dead connection emits 'error' (unheard, Node would exit) and 'end'; its queries fail
    // with kind 'connection' and the next query opens a fresh connection in its slot.
    const forget = () => {
      if (slot.client !== client) return
      slot.client = undefined
      slot.wire = undefined
    }
    client.on('error', forget)
    client.on('end', forget)
    await client.connect()
    const settings = this.pipeline.sessionSettings
    if (settings) {
      try {
        await client.query(settings)
      } catch (error) {
        await client.end().catch(() => undefined)
        throw toFluentError(error, { operation: 'connect', sql: settings })
      }
    }
    // Closed meanwhile: the queries waiting for this connection still run on it, and close()
    // ends it after them.
    slot.client = client
    slot.wire = undefined
    return client
  }
}

function closedError(): FluentOrmError {
  return new FluentOrmError({
    code: 'DATABASE_CLOSED',
    kind: 'connection',
    reason:
      'the database was closed (db.close()) before this query; close the Database only after its last query',
    operation: 'query',
  })
}
