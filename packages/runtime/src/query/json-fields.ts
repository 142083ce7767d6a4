import type { ColumnIR } from '@fluentorm/core'
import type { Aggregate, ColumnTarget, Include, QueryState } from './query-state.ts'

/** One value of an included row, in the order the row's JSON array carries them. */
export type JsonField =
  | { readonly kind: 'column'; readonly name: string; readonly target: ColumnTarget }
  | { readonly kind: 'aggregate'; readonly name: string; readonly aggregate: Aggregate }
  | { readonly kind: 'include'; readonly name: string; readonly include: Include }

const cache = new WeakMap<QueryState, readonly JsonField[]>()

/**
 * The fields of an included query's rows: its selected columns (every column when it selects
 * none), then its aggregates, then its own includes. An included row travels as a JSON array
 * of these values in this order (`json_build_array`, smaller and cheaper for the server than
 * an object with its keys), and is decoded back into an object by the same list.
 *
 * @example
 * jsonFields(Comment.query().state).map((f) => f.name) // ['id', 'post_id', 'body']
 */
export function jsonFields(state: QueryState): readonly JsonField[] {
  let fields = cache.get(state)
  if (fields) return fields
  const own = (column: ColumnIR): JsonField => ({
    kind: 'column',
    name: column.name,
    target: { table: null, column },
  })
  const columns: JsonField[] = state.select
    ? state.select.flatMap((item) =>
        item.kind === 'column' ? [{ kind: 'column', name: item.key, target: item.target }] : [],
      )
    : state.runtime.info.table.columns.map(own)
  const aggregates: JsonField[] = (state.select ?? []).flatMap((item) =>
    item.kind === 'aggregate'
      ? [{ kind: 'aggregate', name: item.alias, aggregate: item.aggregate }]
      : [],
  )
  const includes: JsonField[] = state.includes.map((include) => ({
    kind: 'include',
    name: include.relation.name,
    include,
  }))
  fields = Object.freeze([...columns, ...aggregates, ...includes])
  cache.set(state, fields)
  return fields
}

/** hasMany and manyToMany load an array of rows; belongsTo and hasOne one row or null. */
export function returnsMany(include: Include): boolean {
  return include.relation.kind === 'hasMany' || include.relation.kind === 'manyToMany'
}
