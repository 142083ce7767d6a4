import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import {
  type CopyTarget,
  configProblem,
  type Driver,
  driverBrand,
  type QueryConfig,
  type QueryResult,
  type TransactionOptions,
} from './driver.ts'
import type { PoolerMode } from './pooler.ts'
import { replicaLag, type WalSample } from './replica-lag.ts'
import type { Transaction } from './transaction-driver.ts'

/** One read replica: its Driver (a Database of its own) and how to name it in a status. */
export interface ReplicaTarget {
  /** `host:port/database as user`, never the password. */
  readonly server: string
  readonly driver: Driver
  close(): Promise<void>
}

export interface ReplicaSettings {
  /** A replica further behind the primary than this (ms) gets no reads; undefined: no lag check. */
  readonly maxLag: number | undefined
  /** How often (ms) the lag is measured and a replica taken out is tried again (first retry; doubling). */
  readonly checkInterval: number
}

/**
 * `'up'`: it takes reads. `'down'`: a query or check on it failed (connection refused or
 * lost); it is tried again after a backoff. `'lagging'`: further behind than `maxLag`.
 */
export type ReplicaState = 'up' | 'down' | 'lagging'

/** What `db.replicas` reports of each replica, as of now. */
export interface ReplicaStatus {
  /** `host:port/database as user` (never the password). */
  readonly server: string
  readonly state: ReplicaState
  /** Reads sent to it and not yet answered: the load that picks the replica. */
  readonly inFlight: number
  /** Reads it has answered since connect(). */
  readonly reads: number
  /** ms behind the primary at its last check; undefined without `maxLag`. */
  readonly lag: number | undefined
  /** Why it is down or lagging. */
  readonly reason: string | undefined
}

interface Replica {
  readonly target: ReplicaTarget
  state: ReplicaState
  inFlight: number
  reads: number
  lag: number | undefined
  reason: string | undefined
  /** Failed checks in a row: the backoff doubles with each. */
  failures: number
  /** When a replica that is down is checked next (Date.now() ms). */
  retryAt: number
}

/** Asked of a replica at each check: whether it is one, where its replay is, and its age. */
const replayQuery = {
  text: `SELECT pg_is_in_recovery() AS recovery, (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::text AS replayed, (extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS since_replay`,
}
const walQuery = { text: `SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::text AS lsn` }

/**
 * A Driver over a primary and its read replicas. A statement whose caller marked it
 * `readOnly` (model reads, query terminals, `sql` fetches) goes to the replica with the
 * fewest reads in flight, outside transactions; everything else (writes, `exec`, COPY,
 * transactions, `session()`, and any statement not marked) goes to the primary. A read
 * whose replica fails with a lost or refused connection takes that replica out and runs
 * again on the next replica, or on the primary: a read never fails because a replica is
 * down. A replica taken out is checked again after 1, 2, 4, … check intervals (at most 30)
 * and comes back once it answers (and, with `maxLag`, is close enough behind).
 *
 * @example
 * const db = new ReplicaDriver(primary, [replica], { maxLag: 5_000, checkInterval: 1_000 })
 * await db.start()
 * await User.findById(db, id)         // on the replica
 * await User.update(db, id, { name }) // on the primary
 */
export class ReplicaDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect = 'pg'
  readonly #replicas: Replica[]
  readonly #samples: WalSample[] = []
  #timer: NodeJS.Timeout | undefined
  #checking: Promise<void> | undefined
  #closed = false

  constructor(
    /** The primary, for read-your-writes: `User.findById(db.primary, id)`. */
    readonly primary: Driver,
    replicas: readonly ReplicaTarget[],
    readonly replicaSettings: ReplicaSettings,
  ) {
    this.#replicas = replicas.map((target) => ({
      target,
      state: 'down',
      inFlight: 0,
      reads: 0,
      lag: undefined,
      reason: 'not checked yet',
      failures: 0,
      retryAt: 0,
    }))
  }

  get pooler(): PoolerMode | undefined {
    return this.primary.pooler
  }

  get replicas(): readonly ReplicaStatus[] {
    return this.#replicas.map((r) => ({
      server: r.target.server,
      state: r.state,
      inFlight: r.inFlight,
      reads: r.reads,
      lag: r.lag,
      reason: r.reason,
    }))
  }

  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    const problem = configProblem(config)
    if (problem) return Promise.reject(problem)
    return config.readOnly === true ? this.#read<R>(config) : this.primary.query<R>(config)
  }

  exec(sql: string): Promise<void> {
    return this.primary.exec(sql)
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    if (!this.primary.copyFrom) return Promise.reject(noCopyError())
    return this.primary.copyFrom(target, rows)
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.primary.transaction(fn, options)
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    return this.primary.session(fn)
  }

  /** Checks every replica once (connect() waits for it), then keeps checking in the background. */
  async start(): Promise<void> {
    await this.#check()
    this.#schedule()
  }

  /** Stops the checks and closes the replicas (the primary is the caller's). */
  async close(): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#checking
    await Promise.all(this.#replicas.map((r) => r.target.close()))
  }

  async #read<R>(config: QueryConfig): Promise<QueryResult<R>> {
    for (;;) {
      const replica = this.#leastLoaded()
      if (replica === undefined) return this.primary.query<R>(config)
      replica.inFlight++
      try {
        const result = await replica.target.driver.query<R>(config)
        replica.reads++
        return result
      } catch (error) {
        const next = afterFailedRead(error)
        if (next === 'fail') throw error
        if (next === 'primary') return this.primary.query<R>(config)
        // The reads in flight on a replica fail together: one failure, not one per read.
        if (replica.state !== 'down') {
          this.#takeOut(replica, 'down', error instanceof Error ? error.message : String(error))
        }
      } finally {
        replica.inFlight--
      }
    }
  }

  /** Ties go to the first replica: sequential reads stay on one warm connection. */
  #leastLoaded(): Replica | undefined {
    let best: Replica | undefined
    for (const replica of this.#replicas) {
      if (replica.state !== 'up') continue
      if (best === undefined || replica.inFlight < best.inFlight) best = replica
      if (best.inFlight === 0) break
    }
    return best
  }

  #takeOut(replica: Replica, state: 'down' | 'lagging', reason: string): void {
    replica.state = state
    replica.reason = reason
    if (state === 'lagging') return
    replica.failures++
    const interval = this.replicaSettings.checkInterval
    replica.retryAt = Date.now() + interval * Math.min(2 ** (replica.failures - 1), 30)
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => {
      this.#checking = this.#check().finally(() => {
        this.#checking = undefined
        this.#schedule()
      })
    }, this.replicaSettings.checkInterval)
    // The checks alone must not keep the process alive.
    this.#timer.unref()
  }

  /** Measures the lag of every replica in rotation (with maxLag) and retries those due. */
  async #check(): Promise<void> {
    const now = Date.now()
    const measured = this.replicaSettings.maxLag !== undefined
    const due = this.#replicas.filter((r) => (r.state === 'down' ? r.retryAt <= now : measured))
    if (due.length === 0) return
    if (measured) await this.#samplePrimary()
    await Promise.all(due.map((replica) => this.#checkReplica(replica)))
  }

  /** The primary's WAL position now; kept for as long as a lag past maxLag needs to be seen. */
  async #samplePrimary(): Promise<void> {
    try {
      const { rows } = await this.primary.query<{ lsn: string }>(walQuery)
      const at = Date.now()
      this.#samples.push({ at, lsn: BigInt(rows[0]!.lsn) })
      const keep = this.replicaSettings.maxLag! + 3 * this.replicaSettings.checkInterval
      while (this.#samples.length > 2 && this.#samples[0]!.at < at - keep) this.#samples.shift()
    } catch {
      // The primary's own failure reaches its callers; the replicas are measured by age alone.
    }
  }

  async #checkReplica(replica: Replica): Promise<void> {
    const maxLag = this.replicaSettings.maxLag
    let row: { recovery: boolean; replayed: string | null; since_replay: number | null }
    try {
      const { rows } = await withDeadline(
        replica.target.driver.query<typeof row>(replayQuery),
        Math.max(2 * this.replicaSettings.checkInterval, 3_000),
      )
      row = rows[0]!
    } catch (error) {
      if (!this.#closed) {
        this.#takeOut(replica, 'down', error instanceof Error ? error.message : String(error))
      }
      return
    }
    replica.failures = 0
    // A server not in recovery (a promoted replica) has no replay to be behind in.
    if (maxLag !== undefined && row.recovery && row.replayed !== null) {
      const position = { replayed: BigInt(row.replayed), sinceReplay: row.since_replay }
      replica.lag = Math.round(replicaLag(this.#samples, position, Date.now()))
      if (replica.lag > maxLag) {
        const reason = `${replica.lag} ms behind the primary, more than maxLag (${maxLag} ms)`
        this.#takeOut(replica, 'lagging', reason)
        return
      }
    } else if (maxLag !== undefined) {
      replica.lag = 0
    }
    replica.state = 'up'
    replica.reason = undefined
  }
}

/** Failures of a read on a replica that the primary would not give: the read runs there. */
const primaryCanAnswer = new Set([
  // A write the caller marked readOnly: a replica refuses it before doing anything.
  'READ_ONLY',
  '25006',
  // Cancelled by replay (conflict with recovery).
  '40001',
  // A table or column the replica has not replayed yet.
  '42P01',
  '42703',
  'POOL_TIMEOUT',
])

/**
 * What a failed read on a replica means. Lost or refused connections, or a database the
 * replica lacks: the replica is taken out and the read runs on the next one. Anything not in
 * `primaryCanAnswer` is the statement's own error, which the primary would give too.
 */
function afterFailedRead(error: unknown): 'fail' | 'primary' | 'elsewhere' {
  if (!(error instanceof FluentOrmError) || error.code === 'DATABASE_CLOSED') return 'fail'
  if (error.kind === 'connection' || error.kind === 'authentication') return 'elsewhere'
  if (error.kind === 'undefined_database') return 'elsewhere'
  return primaryCanAnswer.has(error.code) ? 'primary' : 'fail'
}

/** A check that gets no answer in time (a network that drops packets) fails the check. */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)
  })
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer))
}

function noCopyError(): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_EXECUTOR',
    kind: 'invalid_executor',
    reason: 'the primary Driver has no copyFrom; pass a Driver fluentorm built (connect())',
    operation: 'copyFrom',
  })
}
