import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Connection } from './connection.ts'
import {
  type CopyTarget,
  configProblem,
  type Driver,
  driverBrand,
  type IsolationLevel,
  type QueryConfig,
  type QueryResult,
  type TransactionOptions,
} from './driver.ts'
import type { RunFirst } from './pg-run-first.ts'
import type { PoolerMode } from './pooler.ts'

/** What `transaction(db, async (tx) => …)` hands the callback: a Driver on one connection. */
export type Transaction = Driver

const isolationSql: Readonly<Record<IsolationLevel, string>> = {
  'read uncommitted': 'READ UNCOMMITTED',
  'read committed': 'READ COMMITTED',
  'repeatable read': 'REPEATABLE READ',
  serializable: 'SERIALIZABLE',
}

/** `BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY`, from validated options only. */
export function beginStatement(options: TransactionOptions | undefined): string {
  return `BEGIN${transactionModes(options)}`
}

/** PGlite opens its transactions with a bare BEGIN; the modes follow as SET TRANSACTION. */
export function setTransactionStatement(
  options: TransactionOptions | undefined,
): string | undefined {
  const modes = transactionModes(options)
  return modes ? `SET TRANSACTION${modes}` : undefined
}

/** The options' own keys only, checked: one of the four levels, and a boolean readOnly. */
function transactionModes(options: TransactionOptions | undefined): string {
  if (!options) return ''
  let modes = ''
  const isolation = Object.hasOwn(options, 'isolationLevel') ? options.isolationLevel : undefined
  if (isolation !== undefined) {
    // Own keys only: 'constructor' or 'toString' would otherwise find Object.prototype's.
    if (typeof isolation !== 'string' || !Object.hasOwn(isolationSql, isolation)) {
      throw usageError(
        `unknown isolationLevel ${JSON.stringify(String(isolation))}; use one of ${Object.keys(isolationSql).join(', ')}`,
      )
    }
    modes += ` ISOLATION LEVEL ${isolationSql[isolation]}`
  }
  const readOnly = Object.hasOwn(options, 'readOnly') ? options.readOnly : undefined
  if (readOnly !== undefined && typeof readOnly !== 'boolean') {
    throw usageError(
      `the option readOnly must be true or false, got ${JSON.stringify(String(readOnly))}; pass { readOnly: true } (a boolean, not a string)`,
    )
  }
  if (readOnly !== undefined) modes += readOnly ? ' READ ONLY' : ' READ WRITE'
  return modes
}

/**
 * Runs `fn` inside BEGIN … COMMIT on `connection`; on failure ROLLBACK and rethrow fn's error.
 * BEGIN and the connection's transaction settings (`SET LOCAL statement_timeout …`) are not
 * sent on their own: they go out with the transaction's first statement (Opening), so
 * BEGIN, INSERT, COMMIT costs two round trips, not three.
 */
export async function runTransaction<T>(
  connection: Connection,
  fn: (tx: Transaction) => Promise<T>,
  options: TransactionOptions | undefined,
): Promise<T> {
  const settings = connection.transactionSettings
  const begin = beginStatement(options)
  // connect() joins the settings with '; ', each a whole SET LOCAL statement of its own making.
  const statements = settings ? [begin, ...settings.split('; ')] : [begin]
  return settle(
    new Opening(connection, statements),
    new SavepointCounter(),
    fn,
    'COMMIT',
    'ROLLBACK',
  )
}

/**
 * Runs `fn` with a TransactionDriver, then ends it with `commit` or `rollback`. The error
 * rethrown is always fn's own: a failing ROLLBACK (the connection died) must not hide why
 * the transaction failed.
 */
export async function settle<T>(
  connection: Connection,
  savepoints: SavepointCounter,
  fn: (tx: Transaction) => Promise<T>,
  commit: string | undefined,
  rollback: string | undefined,
): Promise<T> {
  const tx = new TransactionDriver(connection, savepoints)
  let result: T
  try {
    result = await fn(tx)
  } catch (error) {
    tx.finish()
    if (rollback) await end(connection, rollback).catch(() => undefined)
    throw error
  }
  tx.finish()
  if (commit) await end(connection, commit)
  return result
}

function end(connection: Connection, text: string): Promise<unknown> {
  return connection instanceof Opening ? connection.end(text) : connection.query({ text })
}

/**
 * A transaction's connection whose opening statements (BEGIN and its settings) have not
 * been sent yet. The first statement carries them in its own round trip (pg-run-first.ts);
 * statements asked for meanwhile wait for it, and run once they ran. When they did not run
 * (BEGIN failed, the connection died), every later statement fails with the same error:
 * nothing may run outside the transaction it was meant for. A statement that failed before
 * anything was sent (a refused one, a value that cannot be bound) leaves them to the next.
 * A transaction that sends nothing sends no BEGIN, and no COMMIT or ROLLBACK either.
 */
class Opening implements Connection {
  readonly dialect: 'pg' | 'pglite'
  #first: RunFirst | undefined
  /** Settles when the statement carrying the opening statements settled. */
  #opening: Promise<void> | undefined
  #failure: { error: unknown } | undefined

  constructor(
    private readonly connection: Connection,
    statements: readonly string[],
  ) {
    this.dialect = connection.dialect
    this.#first = { statements, sent: false, ran: 0 }
  }

  get pooler(): PoolerMode | undefined {
    return this.connection.pooler
  }

  query<R>(config: QueryConfig): Promise<QueryResult<R>> {
    if (this.#failure) return Promise.reject(this.#failure.error)
    if (this.#opening) return this.#opening.then(() => this.query<R>(config))
    const first = this.#first
    if (first === undefined) return this.connection.query<R>(config)
    this.#first = undefined
    const running = this.connection.query<R>(config, first)
    this.#opening = running.then(
      () => this.#opened(first, undefined),
      (error: unknown) => this.#opened(first, error),
    )
    return running
  }

  exec(sql: string): Promise<void> {
    return this.#open().then(() => this.connection.exec(sql))
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return this.#open().then(() => this.connection.copyFrom(target, rows))
  }

  /**
   * COMMIT or ROLLBACK: nothing to end when nothing was begun. When the opening statements
   * failed, BEGIN may still have run (a SET LOCAL after it failed): ROLLBACK, and a COMMIT
   * fails with why the transaction could not begin.
   */
  end(text: string): Promise<unknown> {
    if (this.#opening) return this.#opening.then(() => this.end(text))
    if (this.#first !== undefined) return Promise.resolve()
    const failure = this.#failure
    if (failure === undefined) return this.connection.query({ text })
    const rollback = this.connection.query({ text: 'ROLLBACK' })
    return text === 'ROLLBACK' ? rollback : rollback.then(() => Promise.reject(failure.error))
  }

  /** The opening statements on their own, before a statement that cannot carry them. */
  #open(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure.error)
    if (this.#opening) return this.#opening.then(() => this.#open())
    const first = this.#first
    if (first === undefined) return Promise.resolve()
    this.#first = undefined
    this.#opening = this.connection.query({ text: first.statements.join('; ') }).then(
      () => this.#opened({ ...first, sent: true, ran: first.statements.length }, undefined),
      (error: unknown) => this.#opened({ ...first, sent: true }, error),
    )
    return this.#opening.then(() => this.#open())
  }

  #opened(first: RunFirst, error: unknown): void {
    this.#opening = undefined
    if (!first.sent) this.#first = { statements: first.statements, sent: false, ran: 0 }
    else if (first.ran < first.statements.length) this.#failure = { error }
  }
}

/** Numbers the savepoints of one outermost transaction: sp_1, sp_2, … */
export class SavepointCounter {
  #last = 0
  next(): string {
    this.#last += 1
    return `sp_${this.#last}`
  }
}

/**
 * A transaction (or a savepoint inside one) as a Driver. Once its callback has returned it
 * refuses every statement: a query that slipped out of the callback (a missing `await`)
 * would otherwise run outside the transaction, or on a connection someone else now uses.
 *
 * While a nested transaction of it runs, it refuses statements and a second nested
 * transaction: they would run inside that savepoint (savepoints are a stack on the one
 * connection), so its rollback would undo work whose promise had already resolved — two
 * nested transactions started side by side lost the second one's rows when the first failed.
 */
export class TransactionDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect: 'pg' | 'pglite'
  #finished = false
  #nested = false

  constructor(
    private readonly connection: Connection,
    private readonly savepoints: SavepointCounter,
  ) {
    this.dialect = connection.dialect
  }

  get pooler(): PoolerMode | undefined {
    return this.connection.pooler
  }

  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    const problem = configProblem(config)
    if (problem) return Promise.reject(problem)
    if (this.#finished) return Promise.reject(finishedError('query', config.text))
    if (this.#nested) return Promise.reject(nestedRunningError('query', config.text))
    return this.connection.query<R>(config)
  }

  exec(sql: string): Promise<void> {
    if (this.#finished) return Promise.reject(finishedError('exec', sql))
    if (this.#nested) return Promise.reject(nestedRunningError('exec', sql))
    return this.connection.exec(sql)
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    if (this.#finished) return Promise.reject(finishedError('copyFrom'))
    if (this.#nested) return Promise.reject(nestedRunningError('copyFrom'))
    return this.connection.copyFrom(target, rows)
  }

  /** A nested transaction: `SAVEPOINT sp_n`, then `RELEASE` or `ROLLBACK TO SAVEPOINT sp_n`. */
  async transaction<T>(fn: (tx: Driver) => Promise<T>, options?: TransactionOptions): Promise<T> {
    if (this.#finished) throw finishedError('transaction')
    if (options?.isolationLevel !== undefined || options?.readOnly !== undefined) {
      throw usageError(
        'isolationLevel and readOnly apply to the outermost transaction only; a nested transaction is a savepoint inside it',
      )
    }
    if (this.#nested) throw nestedRunningError('transaction')
    this.#nested = true
    try {
      const savepoint = this.savepoints.next()
      await this.connection.query({ text: `SAVEPOINT ${savepoint}` })
      return await settle(
        this.connection,
        this.savepoints,
        fn,
        `RELEASE SAVEPOINT ${savepoint}`,
        `ROLLBACK TO SAVEPOINT ${savepoint}`,
      )
    } finally {
      this.#nested = false
    }
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    if (this.#finished) return Promise.reject(finishedError('session'))
    return fn(this)
  }

  finish(): void {
    this.#finished = true
  }
}

function finishedError(operation: string, sql?: string): FluentOrmError {
  return new FluentOrmError({
    code: 'TRANSACTION_FINISHED',
    kind: 'transaction_finished',
    reason:
      'the transaction has already committed or rolled back. Use tx only inside the transaction(db, async (tx) => …) callback, and await every query before the callback returns',
    operation,
    sql,
  })
}

function nestedRunningError(operation: string, sql?: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason:
      'a nested transaction of this transaction is still running, and everything sent on this tx meanwhile would run inside its savepoint (its rollback would undo it). Nested transactions of one transaction run one after another: await each transaction(tx, …) before the next statement on tx, and inside it use the handle its callback receives',
    operation,
    sql,
  })
}

function usageError(reason: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason,
    operation: 'transaction',
  })
}
