import type { Socket } from 'node:net'
import type pg from 'pg'
import { queryTimeoutError } from '../errors/connection-fault.ts'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { QueryConfig, QueryResult } from './driver.ts'
import { encodeParams } from './encode-params.ts'
import { type Deadline, unwatch, type Watched, watch } from './query-deadline.ts'
import { isStalePlan } from './statement-cache.ts'
import {
  noRows,
  type RowShape,
  readError,
  readRow,
  readRowCount,
  readRowShape,
  runMessages,
  simpleQuery,
  wireValues,
} from './wire-messages.ts'

/**
 * A named statement on this connection: its Parse in flight, or prepared (its rows' shape
 * once described). A stale one (its plan failed with 0A000) is still prepared on the server,
 * so it counts against the cache size until its next run closes and prepares it again.
 */
interface Statement {
  readonly name: string
  readonly text: string
  parsing: boolean
  stale: boolean
  shape: RowShape | undefined
}

/** One run sent and not yet answered by its ReadyForQuery. */
interface Run {
  readonly sql: string
  /**
   * The named statement this run binds, if any: its ParseComplete (while `parsing`) makes it
   * prepared, its RowDescription tells its shape.
   */
  readonly statement: Statement | undefined
  shape: RowShape | undefined
  /** The rows of the statement being answered; `done` holds them once it completes. */
  rows: Record<string, unknown>[]
  done: Record<string, unknown>[] | undefined
  rowCount: number
  error: unknown
  /** Its deadline, watched from when the server starts the run (startClock). */
  readonly watched: Watched | undefined
  /**
   * How long (ms) the run may take once the server starts it: what opening the connection left
   * of the deadline.
   */
  readonly allowed: number
  readonly resolve: (result: QueryResult<never>) => void
  readonly reject: (error: unknown) => void
}

/** The message types read here (backend messages, protocol 3.0). */
enum Message {
  ParseComplete = 0x31,
  BindComplete = 0x32,
  CloseComplete = 0x33,
  CommandComplete = 0x43,
  DataRow = 0x44,
  ErrorResponse = 0x45,
  EmptyQuery = 0x49,
  NoData = 0x6e,
  RowDescription = 0x54,
  ReadyForQuery = 0x5a,
  CopyInResponse = 0x47,
  CopyOutResponse = 0x48,
}

/** Why the connection ended with runs still on it, for the error each of them gets. */
type Ending = { readonly timeoutMs: number } | { readonly error: Error }

/**
 * The read and write path of one pipelined connection that pg opened (startup, auth, TLS
 * and session settings stay pg's): after `new WireConnection(client)`, this reads the socket
 * and pg's client is used only to end it. A statement's RowDescription is kept per
 * connection with the parsers built from it, so each later run writes Bind, Execute and
 * Sync as one pre-sized buffer and decodes its DataRows straight from the socket's chunks
 * into row objects, where pg writes a Describe each time and builds message objects for
 * every message. docs/PERFORMANCE.md has the figures and why this replaced pg's Query here.
 *
 * Runs are answered in the order they were written, each ending with its own Sync's
 * ReadyForQuery, so one that fails fails alone. Writes of one tick leave in one socket write.
 *
 * Named statements: at most `cacheSize` stay prepared, least recently used closed first (the
 * Close goes in the same write as the next Parse); a name whose Parse is still in flight is
 * run unnamed meanwhile, so a failing Parse fails only its own run; a plan gone stale
 * (0A000, a table altered under it) or lost (26000, a DEALLOCATE by hand) is closed, prepared
 * again and the run retried once — a pipelined connection is never inside a transaction, so
 * the failed run did nothing.
 *
 * That it is never inside a transaction is checked at every ReadyForQuery: a run that leaves
 * one open, or starts a COPY, breaks the connection (pg-pipeline-driver.ts routes such texts
 * to the pool; this catches what gets past), so nothing runs in a transaction nobody commits.
 */
export class WireConnection {
  readonly #socket: Socket
  readonly #statements = new Map<string, Statement>()
  readonly #runs: Run[] = []
  #head = 0
  #writes: Buffer[] = []
  #parts: Buffer[] = []
  #partsLength = 0
  #ended: Ending | undefined
  /** A FATAL ErrorResponse: the server is closing the connection, this is why. */
  #fatal: Error | undefined

  constructor(
    client: pg.ClientBase,
    readonly cacheSize: number,
  ) {
    const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream
    this.#socket = socket
    // pg-protocol reads through one 'data' listener; pg's 'error' and 'close' listeners stay,
    // so the client still emits 'error' and 'end' when the connection dies.
    socket.removeAllListeners('data')
    socket.on('data', (chunk: Buffer) => this.#read(chunk))
    // The socket's own error (read ECONNRESET) says more than that it closed.
    let broken: Error | undefined
    socket.on('error', (error: Error) => {
      broken ??= error
    })
    socket.on('close', () => this.#end({ error: broken ?? lostError() }))
  }

  /** Whether it can take no more runs (dead, timed out or broken): its slot opens a new one. */
  get ended(): boolean {
    return this.#ended !== undefined
  }

  async query<R>(config: QueryConfig, deadline: Deadline | undefined): Promise<QueryResult<R>> {
    const named = config.name !== undefined && this.cacheSize > 0
    // Waiting for the connection to open counted against the deadline; the rest is each
    // run's, a run again after a stale plan included.
    const allowed = deadline === undefined ? 0 : deadline.start + deadline.ms - performance.now()
    try {
      return await this.#run<R>(config, deadline, allowed, named)
    } catch (error) {
      if (!named || !isStalePlan(error)) throw error
      return this.#run<R>(config, deadline, allowed, named)
    }
  }

  #run<R>(
    config: QueryConfig,
    deadline: Deadline | undefined,
    allowed: number,
    named: boolean,
  ): Promise<QueryResult<R>> {
    if (this.#ended) return Promise.reject(this.#endError(this.#ended, config.text))
    const values = encodeParams(config.values)
    if (!named && config.name === undefined && (values === undefined || values.length === 0)) {
      return this.#send<R>(simpleQuery(config.text), config.text, undefined, deadline, allowed)
    }
    // Before any decision: a value that cannot be sent fails the run with nothing changed.
    const wire = wireValues(values)
    const close: string[] = []
    const statement = named ? this.#statementFor(config.name!, config.text, close) : undefined
    const name = statement?.name ?? ''
    const buffer = runMessages(
      {
        close,
        // Parsed under its name when new, unnamed when not named, not at all when prepared.
        parse: statement === undefined ? '' : statement.parsing ? name : undefined,
        text: config.text,
        statement: name,
        describe: statement?.shape === undefined,
      },
      wire,
    )
    return this.#send<R>(buffer, config.text, statement, deadline, allowed)
  }

  /**
   * The statement a named run binds: the prepared one (now the most recently used), or a new
   * one to parse (`parsing`), with the Closes of what it replaces or evicts added to `close`;
   * undefined while its Parse is in flight, so the run goes unnamed meanwhile.
   */
  #statementFor(name: string, text: string, close: string[]): Statement | undefined {
    let statement = this.#statements.get(name)
    if (statement !== undefined && (statement.stale || statement.text !== text)) {
      // Prepared again: after a stale plan, or for the same name given to another text
      // (pg would refuse the name; here the newer text replaces it).
      this.#statements.delete(name)
      close.push(name)
      statement = undefined
    }
    if (statement === undefined) {
      statement = { name, text, parsing: true, stale: false, shape: undefined }
      this.#evict(close)
      this.#statements.set(name, statement)
      return statement
    }
    if (statement.parsing) return undefined
    // Most recently used last: the Map's order is the eviction order.
    this.#statements.delete(name)
    this.#statements.set(name, statement)
    return statement
  }

  #send<R>(
    buffer: Buffer,
    sql: string,
    statement: Statement | undefined,
    deadline: Deadline | undefined,
    allowed: number,
  ): Promise<QueryResult<R>> {
    return new Promise((resolve, reject) => {
      const run: Run = {
        sql,
        statement,
        shape: statement?.shape,
        rows: [],
        done: undefined,
        rowCount: 0,
        error: undefined,
        watched: deadline && { at: 0, expire: () => this.#expire(deadline.ms) },
        allowed,
        resolve: resolve as (result: QueryResult<never>) => void,
        reject,
      }
      // Written to an idle connection, the server starts it now.
      if (this.#runs.push(run) - this.#head === 1) startClock(run)
      if (this.#writes.push(buffer) === 1) process.nextTick(this.#flush)
    })
  }

  readonly #flush = (): void => {
    const writes = this.#writes
    this.#writes = []
    if (this.#ended) return
    this.#socket.write(writes.length === 1 ? writes[0]! : Buffer.concat(writes))
  }

  /** Closes the least recently used statements beyond the cache size, in this write. */
  #evict(close: string[]): void {
    for (const [victim] of this.#statements) {
      if (this.#statements.size < this.cacheSize) return
      this.#statements.delete(victim)
      close.push(victim)
    }
  }

  /** A chunk from the socket: every complete message in it is handled, the rest kept for the next. */
  #read(chunk: Buffer): void {
    let buffer = chunk
    if (this.#partsLength > 0) {
      this.#parts.push(chunk)
      this.#partsLength += chunk.length
      // Wait for the whole of a long message rather than joining the parts for every chunk.
      const first = this.#parts[0]!
      const needed = first.length >= 5 ? first.readInt32BE(1) + 1 : 5
      if (this.#partsLength < needed) return
      buffer = Buffer.concat(this.#parts, this.#partsLength)
      this.#parts = []
      this.#partsLength = 0
    }
    let offset = 0
    const end = buffer.length
    while (end - offset >= 5) {
      const next = offset + 1 + buffer.readInt32BE(offset + 1)
      if (next > end) break
      this.#message(buffer[offset]!, buffer, offset + 5, next)
      offset = next
    }
    if (offset < end) {
      this.#parts.push(buffer.subarray(offset))
      this.#partsLength = end - offset
    }
  }

  #message(type: number, buffer: Buffer, start: number, end: number): void {
    const run = this.#runs[this.#head]
    switch (type) {
      case Message.DataRow:
        if (run === undefined || run.error !== undefined) return
        try {
          run.rows.push(readRow(buffer, start, run.shape ?? noRows))
        } catch (error) {
          // A value its parser refuses fails this run alone, as pg fails the query.
          run.error = error
        }
        return
      case Message.CommandComplete:
        if (run) {
          // Each statement of a simple Query completes in turn: the last one's rows answer.
          run.done = run.rows
          run.rows = []
          run.rowCount = readRowCount(buffer, start, end)
        }
        return
      case Message.ReadyForQuery:
        // 'I': idle, outside a transaction, as every pipelined run must leave its connection.
        if (buffer[start] !== 0x49) this.#leftInTransaction()
        else this.#settle()
        return
      case Message.RowDescription:
        if (run) {
          run.shape = readRowShape(buffer, start)
          if (run.statement) run.statement.shape = run.shape
        }
        return
      case Message.NoData:
        if (run) {
          run.shape = noRows
          if (run.statement) run.statement.shape = noRows
        }
        return
      case Message.ParseComplete:
        if (run?.statement) run.statement.parsing = false
        return
      case Message.ErrorResponse: {
        const { error, fatal } = readError(buffer, start, end)
        if (fatal) this.#fatal = error
        if (run) run.error ??= error
        return
      }
      case Message.CopyInResponse:
      case Message.CopyOutResponse:
        // COPY got past the driver's routing (pg-pipeline-driver.ts sends COPY to the pool):
        // in copy mode the server reads the statements written behind it as copy data.
        this.#broken(
          run,
          'COPY ran on a pipelined connection, which cannot carry copy data; use db.copyFrom(target, rows), or db.session() for COPY written by hand',
        )
        return
      default:
        // BindComplete, CloseComplete, EmptyQuery; and what pg would only emit as events
        // (ParameterStatus, NoticeResponse, NotificationResponse): nothing waits for them.
        return
    }
  }

  #settle(): void {
    const run = this.#runs[this.#head]
    if (run === undefined) return
    this.#runs[this.#head++] = undefined as unknown as Run
    if (this.#head === this.#runs.length) {
      this.#runs.length = 0
      this.#head = 0
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#runs.length) {
      // Never idle under steady load: drop the answered half rather than grow for ever.
      this.#runs.splice(0, this.#head)
      this.#head = 0
    }
    if (run.watched) unwatch(run.watched)
    // The server starts the next run once it has answered this one.
    const next = this.#runs[this.#head]
    if (next) startClock(next)
    if (run.error !== undefined) {
      this.#forget(run, run.error)
      run.reject(run.error)
    } else {
      run.resolve({ rows: (run.done ?? run.rows) as never[], rowCount: run.rowCount })
    }
  }

  /** A failed run's statement: not prepared if its Parse failed; stale plans closed before the next. */
  #forget(run: Run, error: unknown): void {
    const statement = run.statement
    if (statement === undefined || this.#statements.get(statement.name) !== statement) return
    if (statement.parsing) this.#statements.delete(statement.name)
    else if (isStalePlan(error)) statement.stale = true
  }

  /**
   * A run left the connection inside a transaction (its text began one past the driver's
   * routing): the runs pipelined behind it would run inside it. The connection is destroyed,
   * so the server rolls all of them back and each fails, none reported done; that run fails
   * with the reason.
   */
  #leftInTransaction(): void {
    this.#broken(
      this.#runs[this.#head],
      'the statement left its pipelined connection inside a transaction, which every query sharing the connection would run in; use transaction(db, fn) or db.session() for BEGIN, COMMIT and SET',
    )
  }

  /** Fails `run` with `reason` and every other run on the connection with it lost, then destroys it. */
  #broken(run: Run | undefined, reason: string): void {
    if (run) {
      run.error = new FluentOrmError({
        code: 'INVALID_USAGE',
        kind: 'invalid_usage',
        reason,
        operation: 'query',
        sql: run.sql,
      })
      this.#settle()
    }
    this.#end({ error: lostError() })
    this.#socket.destroy()
  }

  /** A deadline passed: the connection is destroyed, and every run on it fails with the timeout. */
  #expire(ms: number): void {
    this.#end({ timeoutMs: ms })
    this.#socket.destroy()
  }

  #end(ending: Ending): void {
    if (this.#ended) return
    this.#ended = this.#fatal ? { error: this.#fatal } : ending
    const runs = this.#runs.slice(this.#head)
    this.#runs.length = 0
    this.#head = 0
    for (const run of runs) {
      if (run.watched) unwatch(run.watched)
      run.reject(this.#endError(this.#ended, run.sql))
    }
  }

  #endError(ending: Ending, sql: string): Error {
    return 'timeoutMs' in ending
      ? queryTimeoutError(ending.timeoutMs, true, 'query', sql)
      : ending.error
  }
}

/**
 * Watches a run's deadline from when the server starts it, not from when it was queued: the
 * server runs a connection's runs one after another, so one written behind slow runs waits
 * for them, on a healthy network, and that wait is no silence. The run at the head is the
 * only one the server can be late with: when the network goes silent, its deadline passes
 * and destroys the connection, failing the runs behind it too.
 */
function startClock(run: Run): void {
  if (run.watched) watch(run.watched, performance.now() + run.allowed)
}

/** What pg reports for a connection that closed under its queries; classified as CONNECTION_LOST. */
function lostError(): Error {
  return new Error('Connection terminated unexpectedly')
}
