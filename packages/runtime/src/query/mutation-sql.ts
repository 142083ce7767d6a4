import type { ColumnIR } from '@fluentorm/core'
import { columnValue } from '../model/column-value.ts'
import type { QueryState } from './query-state.ts'
import { ownAlias, type Statement, scope, visibleTables, whereSql } from './select-sql.ts'
import { quoteIdent } from './sql-ident.ts'
import { SqlWriter } from './sql-writer.ts'

/**
 * Update and delete by condition: the query's WHERE (soft-delete filter included) applied to
 * an UPDATE or DELETE of its own table.
 */
function mutation(state: QueryState, head: (writer: SqlWriter) => string): Statement {
  const writer = new SqlWriter()
  let alias = 0
  const start = head(writer)
  const ctx = scope({ writer, nextAlias: () => ++alias }, ownAlias(state), visibleTables(state))
  const where = whereSql(state, ctx)
  return { text: where ? `${start} WHERE ${where}` : start, values: writer.values }
}

/** `UPDATE "posts" SET "title" = $1, "updated_at" = CURRENT_TIMESTAMP WHERE …` */
export function updateWhereStatement(
  state: QueryState,
  columns: readonly ColumnIR[],
  data: Readonly<Record<string, unknown>>,
): Statement {
  return mutation(state, (writer) => {
    const assignments = columns.map(
      (column) =>
        `${quoteIdent(column.name)} = ${writer.param(columnValue(column, data[column.name]))}`,
    )
    if (state.runtime.info.table.updatedAt) assignments.push('"updated_at" = CURRENT_TIMESTAMP')
    return `UPDATE ${state.runtime.info.quoted} SET ${assignments.join(', ')}`
  })
}

/** `DELETE FROM "posts" WHERE …` */
export function deleteWhereStatement(state: QueryState): Statement {
  return mutation(state, () => `DELETE FROM ${state.runtime.info.quoted}`)
}

/** `UPDATE "posts" SET "deleted_at" = CURRENT_TIMESTAMP WHERE "posts"."deleted_at" IS NULL AND …` */
export function softDeleteWhereStatement(state: QueryState): Statement {
  const active: QueryState = { ...state, deleted: 'exclude' }
  return mutation(
    active,
    () => `UPDATE ${state.runtime.info.quoted} SET "deleted_at" = CURRENT_TIMESTAMP`,
  )
}
