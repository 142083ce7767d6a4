import { requireColumn } from '../model/table-info.ts'
import { usageError } from '../model/usage-error.ts'
import type { ColumnTarget, QueryState } from './query-state.ts'

/**
 * Resolves a column name as the user wrote it: `title` (own table), `posts.title`, or
 * `users.name` of a joined table. Anything else is a clear error, so no name that is not
 * in the schema ever reaches SQL.
 */
export function resolveColumn(state: QueryState, name: string, operation: string): ColumnTarget {
  const info = state.runtime.info
  if (typeof name !== 'string') {
    throw usageError(
      { model: info.modelName, operation },
      `expected a column name, got ${typeof name}`,
      `Use one of: ${[...info.columns.keys()].join(', ')}.`,
    )
  }
  const dot = name.indexOf('.')
  if (dot === -1) return { table: null, column: requireColumn(info, name, operation) }
  const table = name.slice(0, dot)
  const column = name.slice(dot + 1)
  if (table === info.table.name)
    return { table: null, column: requireColumn(info, column, operation) }
  const join = state.joins.find((candidate) => candidate.info.table.name === table)
  if (join) return { table, column: requireColumn(join.info, column, operation) }
  throw usageError(
    { model: info.modelName, operation },
    `unknown table "${table}" in column "${name}"`,
    `Qualify columns with ${[info.table.name, ...state.joins.map((j) => j.info.table.name)].join(' or ')}, or join the table first.`,
  )
}
