import type { CopyTarget, QueryConfig, QueryResult } from './driver.ts'
import type { RunFirst } from './pg-run-first.ts'
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
  /** `first`: statements sent ahead in the same round trip, where the connection can (pg). */
  query<R>(config: QueryConfig, first?: RunFirst): Promise<QueryResult<R>>
  exec(sql: string): Promise<void>
  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number>
}
