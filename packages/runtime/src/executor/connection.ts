import type { CopyTarget, QueryConfig, QueryResult } from './driver.ts'

/**
 * One database session that transactions run their statements on: a checked-out pg client
 * or a PGlite transaction. Errors come out as FluentOrmError.
 */
export interface Connection {
  readonly dialect: 'pg' | 'pglite'
  query<R>(config: QueryConfig): Promise<QueryResult<R>>
  exec(sql: string): Promise<void>
  copyFrom(target: CopyTarget, rows: readonly (readonly unknown[])[]): Promise<number>
}
