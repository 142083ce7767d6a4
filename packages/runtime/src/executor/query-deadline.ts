import type pg from 'pg'
import { queryTimeoutError } from '../errors/connection-fault.ts'
import { causeOfDeath, watchForDeath } from './connection-death.ts'
import { noteStatementTimeout, sessionDeadline } from './session-timeout.ts'

/**
 * When a statement must have its answer: `connect({ queryTimeout })` after the call. A peer
 * that goes silent (no FIN, no RST: a dead network, a frozen VM) sends no error, and the
 * server, which never saw the statement, cannot time it out: past this, the statement fails
 * and its connection is destroyed. On a pipelined connection the time a statement waits
 * behind the others on it is not counted (wire-connection.ts, startClock).
 */
export interface Deadline {
  readonly ms: number
  /** `performance.now()` when the statement was asked for. */
  readonly start: number
}

/** How a connection's deadline is chosen (pg-connection.ts's PgSettings carry these). */
export interface DeadlineSettings {
  /** ms, 0: no deadline. */
  readonly queryTimeout: number
  /** The startup statement_timeout (ms, 0: none), against which a session's own is measured. */
  readonly statementTimeout: number
}

export function startDeadline(ms: number): Deadline | undefined {
  return ms > 0 ? { ms, start: performance.now() } : undefined
}

/** Something waiting for an answer until `at` (`performance.now()` time), then `expire`d. */
export interface Watched {
  at: number
  readonly expire: () => void
}

/**
 * Every deadline of the process is watched by one timer, armed for the earliest of them. A
 * statement adds itself to `pending` and removes itself when answered: a Set operation each,
 * where a timer of its own cost a setTimeout and a clearTimeout per statement (Node's timer
 * list for the duration made and dropped each time, and libuv's timer started again), about
 * 3% of a findById. With one timeout for a whole Database, each new deadline is later than
 * the one the timer waits for, so the timer is armed again only when it fires: then it
 * expires what is past and waits for the earliest of the rest.
 *
 * The timer is unref'd: a statement waits on an open socket, which keeps the process alive.
 */
const pending = new Set<Watched>()
let timer: ReturnType<typeof setTimeout> | undefined
let armedFor = Number.POSITIVE_INFINITY

/** Expires `entry` at `at` unless `unwatch`ed first (wire-connection.ts watches its runs so). */
export function watch(entry: Watched, at: number): void {
  entry.at = at
  pending.add(entry)
  if (at < armedFor) arm(at)
}

export function unwatch(entry: Watched): void {
  pending.delete(entry)
}

function arm(at: number): void {
  clearTimeout(timer)
  armedFor = at
  timer = setTimeout(sweep, Math.max(0, at - performance.now()))
  timer.unref()
}

function sweep(): void {
  timer = undefined
  armedFor = Number.POSITIVE_INFINITY
  const now = performance.now()
  let next = Number.POSITIVE_INFINITY
  for (const entry of pending) {
    if (entry.at <= now) {
      pending.delete(entry)
      entry.expire()
    } else if (entry.at < next) {
      next = entry.at
    }
  }
  // A later deadline, or one the timer fired a little ahead of (libuv counts from the start
  // of its loop iteration, before the statement asked).
  if (next !== Number.POSITIVE_INFINITY && next < armedFor) arm(next)
}

/** What destroys a silent connection; every statement still on it fails with it. */
class SilentConnection extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`)
  }
}

interface PgWire {
  readonly stream: { destroy(error: Error): void }
  sync(): void
}

/**
 * Sends `query` on `target` and resolves with its result. Past the deadline it rejects with
 * CONNECTION_TIMEOUT and, when the statement was written, destroys the connection: pg then
 * fails every other statement pipelined or queued on it with the same error, and the pool
 * or pipeline slot replaces it. A statement not yet written by then (a pool still waiting
 * for a connection) is never written: only a Sync goes, so the connection stays usable.
 */
export function submitWithin(
  target: pg.Pool | pg.ClientBase,
  query: pg.Query,
  deadline: Deadline | undefined,
  settings: DeadlineSettings,
  operation: string,
): Promise<pg.QueryResult> {
  const client = 'connection' in target ? (target as pg.ClientBase) : undefined
  if (client) watchForDeath(client)
  const sql = (query as { text?: string }).text
  return new Promise((resolve, reject) => {
    let wire: PgWire | undefined
    let expired = false
    let ms = deadline?.ms ?? 0
    const watched: Watched = {
      at: 0,
      expire: () => {
        expired = true
        reject(queryTimeoutError(ms, wire !== undefined, operation, sql))
        if (wire) destroy(client, wire, ms)
      },
    }
    if (deadline) watch(watched, deadline.start + deadline.ms)
    const submit = query.submit
    query.submit = (connection) => {
      if (expired) {
        ;(connection as unknown as PgWire).sync()
        return undefined
      }
      wire = connection as unknown as PgWire
      const own = sessionDeadline(wire, settings.queryTimeout, settings.statementTimeout)
      if (deadline && own !== ms) {
        ms = own
        if (ms > 0) watch(watched, deadline.start + own)
        else unwatch(watched)
      }
      return submit.call(query, connection)
    }
    const done = (error: Error | undefined, result: pg.QueryResult) => {
      if (deadline) unwatch(watched)
      if (expired) return
      if (error) {
        reject(
          error instanceof SilentConnection
            ? queryTimeoutError(error.ms, wire !== undefined, operation, sql)
            : client
              ? causeOfDeath(client, error)
              : error,
        )
        return
      }
      if (wire && sql) noteStatementTimeout(wire, sql)
      resolve(result)
    }
    ;(target.query as unknown as (query: pg.Query, callback: typeof done) => void).call(
      target,
      query,
      done,
    )
  })
}

/**
 * `work` on `client` that pg runs through a submittable of its own (COPY FROM STDIN) within
 * the deadline: past it, the connection is destroyed and `work` fails with CONNECTION_TIMEOUT.
 */
export function onClientWithin<T>(
  client: pg.ClientBase,
  work: () => Promise<T>,
  settings: DeadlineSettings,
  operation: string,
  sql: string,
): Promise<T> {
  const wire = (client as unknown as { connection: PgWire }).connection
  const ms = sessionDeadline(wire, settings.queryTimeout, settings.statementTimeout)
  if (ms === 0) return work()
  return new Promise((resolve, reject) => {
    let expired = false
    const watched: Watched = {
      at: 0,
      expire: () => {
        expired = true
        reject(queryTimeoutError(ms, true, operation, sql))
        destroy(client, wire, ms)
      },
    }
    watch(watched, performance.now() + ms)
    work().then(
      (value) => {
        unwatch(watched)
        if (!expired) resolve(value)
      },
      (error: unknown) => {
        unwatch(watched)
        if (!expired) reject(error)
      },
    )
  })
}

/** Ends a silent connection: pg fails every statement on it with SilentConnection. */
function destroy(client: pg.ClientBase | undefined, wire: PgWire, ms: number): void {
  // Unheard, a user's own pg.Client would crash the process with the 'error' it emits.
  if (client && client.listenerCount('error') === 0) client.once('error', () => undefined)
  wire.stream.destroy(new SilentConnection(ms))
}

/**
 * `acquiring` (a pool checkout, a connection being opened) within the deadline: past it,
 * CONNECTION_TIMEOUT, the statement not sent; what arrives later is handed to `late`.
 */
export function within<T>(
  acquiring: Promise<T>,
  deadline: Deadline | undefined,
  operation: string,
  sql: string | undefined,
  late: (value: T) => void,
): Promise<T> {
  if (!deadline) return acquiring
  return new Promise((resolve, reject) => {
    let expired = false
    const watched: Watched = {
      at: 0,
      expire: () => {
        expired = true
        reject(queryTimeoutError(deadline.ms, false, operation, sql))
      },
    }
    watch(watched, deadline.start + deadline.ms)
    acquiring.then(
      (value) => {
        unwatch(watched)
        if (expired) late(value)
        else resolve(value)
      },
      (error: unknown) => {
        unwatch(watched)
        reject(error)
      },
    )
  })
}
