import type pg from 'pg'
import { toFluentError } from '../errors/to-fluent-error.ts'
import {
  type CopyTarget,
  type Driver,
  driverBrand,
  type QueryConfig,
  type QueryResult,
  type TransactionOptions,
} from './driver.ts'
import { PgClientDriver } from './pg-client-driver.ts'
import { PgConnection, pgExec, pgQuery } from './pg-connection.ts'
import { runTransaction, type Transaction } from './transaction-driver.ts'

/**
 * A pg.Pool as a Driver. Single statements go through `pool.query` (pg checks a client out
 * and back in, and destroys it when its connection failed); transactions and sessions hold
 * one client for their whole duration.
 */
export class PgPoolDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect = 'pg'

  constructor(readonly pool: pg.Pool) {}

  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    return pgQuery<R>(this.pool, config)
  }

  exec(sql: string): Promise<void> {
    return pgExec(this.pool, sql)
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return this.#withConnection((connection) => connection.copyFrom(target, rows))
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    return this.#withConnection((connection) => runTransaction(connection, fn, options))
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    return this.#withConnection((connection) => fn(new PgClientDriver(connection.client)))
  }

  async #withConnection<T>(fn: (connection: PgConnection) => Promise<T>): Promise<T> {
    let client: pg.PoolClient
    try {
      client = await this.pool.connect()
    } catch (error) {
      throw toFluentError(error, { operation: 'connect' })
    }
    const connection = new PgConnection(client)
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
