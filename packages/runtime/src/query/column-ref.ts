import type { ColumnIR } from '@fluentorm/core'
import type { TableInfo } from '../model/table-info.ts'
import type { ColumnRef } from './query-state.ts'

/** Refs made here; a user value shaped like one (e.g. a jsonb value) is never taken for one. */
const made = new WeakSet<object>()

/**
 * A reference to a model's column for use inside another model's query, e.g.
 * `Comment.query().whereColumn('post_id', '=', Post.column('id'))`
 * renders `"comments"."post_id" = "posts"."id"`: an identifier, never a bound value.
 */
export function columnRef(info: TableInfo, column: ColumnIR): ColumnRef {
  const ref: ColumnRef = Object.freeze({ kind: 'columnRef', table: info.table.name, column })
  made.add(ref)
  return ref
}

export function isColumnRef(value: unknown): value is ColumnRef {
  return typeof value === 'object' && value !== null && made.has(value)
}
