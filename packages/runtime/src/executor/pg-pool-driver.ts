import type pg from 'pg'
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
import { PgClientDriver } from './pg-client-driver.ts'
import { directSettings, PgConnection, type PgSettings, pgExec, pgQuery } from './pg-connection.ts'
import { type PoolerMode, sessionFeatureError, sessionRefused } from './pooler.ts'
import { startDeadline, within } from './query-deadline.ts'
import { sqlSkeleton } from './sql-skeleton.ts'
import { runTransaction, type Transaction } from './transaction-driver.ts'

/** A transaction's control statement at the start of a statement (after sql-skeleton.ts). */
const transactionControl = /(?:^|;)\s*(?:begin|start\s+transaction|commit|end|rollback|abort)\b/i

/**
 * Rolls back the transaction a statement left open on `connection` (status 'T' or 'E'), or
 * marks the connection lost when that fails; true when there was one.
 */
async function rollBackOpen(connection: PgConnection): Promise<boolean> {
  const client = connection.client as { getTransactionStatus?(): string | null }
  const status = client.getTransactionStatus?.() ?? 'I'
  if (status === 'I') return false
  await connection.exec('ROLLBACK').catch(() => {
    connection.lost = true
  })
  return true
}

/**
 * A pg.Pool as a Driver. Single statements go through `pool.query` (pg checks a client out
 * and back in, and destroys it when its connection failed); transactions and sessions hold
 * one client for their whole duration. Behind a transaction-mode pooler (`settings.pooler`)
 * statements that need a session are refused and `session()` is.
 */
export class PgPoolDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect = 'pg'

  constructor(
    readonly pool: pg.Pool,
    readonly settings: PgSettings = directSettings,
  ) {}

  get pooler(): PoolerMode | undefined {
    return this.settings.pooler
  }

  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    const problem = configProblem(config)
    if (problem) return Promise.reject(problem)
    const refused = this.#refused(config.text, 'query')
    if (refused) return Promise.reject(refused)
    if (transactionControl.test(sqlSkeleton(config.text))) return this.#closedOff<R>(config)
    return pgQuery<R>(this.pool, config, this.settings)
  }

  /**
   * A text with BEGIN, COMMIT or ROLLBACK, run on a client of its own and checked: one that
   * leaves a transaction open (`BEGIN` alone, as pg.Pool would take it) would send the
   * connection back into the pool inside it, where later statements that land there run in
   * it and are lost when it closes. Its work is rolled back and it fails instead; a complete
   * `BEGIN; …; COMMIT` runs as written.
   */
  #closedOff<R>(
    config: QueryConfig,
    run: (connection: PgConnection) => Promise<unknown> = (connection) =>
      connection.query<R>(config),
  ): Promise<QueryResult<R>> {
    return this.#withConnection(async (connection) => {
      let result: QueryResult<R>
      try {
        result = (await run(connection)) as QueryResult<R>
      } catch (error) {
        // It may have failed inside its BEGIN: rolled back before the client goes back (pg
        // reports the error before the ReadyForQuery that tells the status, so always; a
        // ROLLBACK outside a transaction only warns).
        await connection.exec('ROLLBACK').catch(() => {
          connection.lost = true
        })
        throw error
      }
      if (!(await rollBackOpen(connection))) return result
      throw new FluentOrmError({
        code: 'INVALID_USAGE',
        kind: 'invalid_usage',
        reason:
          'the statement left a transaction open on a pool connection, where the next statements would run on other connections, or inside it and be lost; it was rolled back. Run the statements in transaction(db, async (tx) => …), or send BEGIN … COMMIT as one text',
        operation: 'query',
        sql: config.text,
      })
    })
  }

  exec(sql: string): Promise<void> {
    const refused = this.#refused(sql, 'exec')
    if (refused) return Promise.reject(refused)
    if (transactionControl.test(sqlSkeleton(sql))) {
      return this.#closedOff({ text: sql }, (connection) => connection.exec(sql)).then(
        () => undefined,
      )
    }
    return pgExec(this.pool, sql, this.settings)
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return this.#withConnection((connection) => connection.copyFrom(target, rows))
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#withConnection((connection) => runTransaction(connection, fn, options))
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    if (this.settings.pooler === 'transaction') return Promise.reject(sessionRefused())
    return this.#withConnection((connection) =>
      fn(new PgClientDriver(connection.client, this.settings)),
    )
  }

  #refused(sql: string, operation: string): Error | undefined {
    return this.settings.pooler === 'transaction'
      ? sessionFeatureError(sql, false, operation)
      : undefined
  }

  async #withConnection<T>(fn: (connection: PgConnection) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      // Bounded by the deadline too: a new connection into a silent network is never answered.
      const deadline = startDeadline(this.settings.queryTimeout)
      client = await within(this.pool.connect(), deadline, 'connect', undefined, (late) =>
        late.release(),
      )
    } catch (error) {
      throw toFluentError(error, { operation: 'connect' })
    }
    const connection = new PgConnection(client, this.settings)
    // A checked-out client whose server goes away emits 'error'; unheard, Node would exit.
    const onError = () => {
      connection.lost = true
    }
    client.on('error', onError)
    try {
      return await fn(connection)
    } finally {
      client.off('error', onError)
      // A dead connection goes back as destroyed; the pool opens a fresh one when needed.
      client.release(connection.lost)
    }
  }
}
