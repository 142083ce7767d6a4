import type { CopyTarget, QueryConfig, QueryResult } from './driver.ts'
import type { PoolerMode } from './pooler.ts'

/**
 * One database session that transactions run their statements on: a checked-out pg client
 * or a PGlite transaction. Errors come out as FluentOrmError.
 */
export interface Connection {
  readonly dialect: 'pg' | 'pglite'
  /** The pooler in front of the server, when `connect({ pooler })` named one. */
  readonly pooler?: PoolerMode
  /** Statements every transaction starts with after BEGIN (`SET LOCAL …`). */
  readonly transactionSettings?: string
  query<R>(config: QueryConfig): Promise<QueryResult<R>>
  exec(sql: string): Promise<void>
  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number>
}
