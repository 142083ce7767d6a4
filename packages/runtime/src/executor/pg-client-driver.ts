import type pg from 'pg'
import {
  type CopyTarget,
  configProblem,
  type Driver,
  driverBrand,
  type QueryConfig,
  type QueryResult,
  type TransactionOptions,
} from './driver.ts'
import {
  directSettings,
  PgConnection,
  type PgSettings,
  pgCopy,
  pgExec,
  pgQuery,
} from './pg-connection.ts'
import { runTransaction, type Transaction } from './transaction-driver.ts'

/**
 * A pg.Client or PoolClient as a Driver: one connection, used directly. Its transactions
 * run one after another, because two transactions interleaved on one connection would be
 * one transaction.
 */
export class PgClientDriver implements Driver {
  readonly [driverBrand] = true
  readonly dialect = 'pg'
  #lastTransaction: Promise<unknown> = Promise.resolve()

  constructor(
    readonly client: pg.ClientBase,
    readonly settings: PgSettings = directSettings,
  ) {}

  query<R = Record<string, unknown>>(config: QueryConfig): Promise<QueryResult<R>> {
    const problem = configProblem(config)
    if (problem) return Promise.reject(problem)
    return pgQuery<R>(this.client, config, this.settings)
  }

  exec(sql: string): Promise<void> {
    return pgExec(this.client, sql, this.settings)
  }

  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number> {
    return pgCopy(this.client, target, rows, this.settings)
  }

  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T> {
    const run = () => runTransaction(new PgConnection(this.client, this.settings), fn, options)
    const result = this.#lastTransaction.then(run, run)
    this.#lastTransaction = result.catch(() => undefined)
    return result
  }

  session<T>(fn: (session: Driver) => Promise<T>): Promise<T> {
    return fn(this)
  }
}
