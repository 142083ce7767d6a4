import type { TableInfo } from '../model/table-info.ts'
import type { FromItem } from './compiler.ts'
import type { Expr } from './expression.ts'
import type { Order, QueryNode, SelectItem } from './query-node.ts'

/** Pieces of a SELECT that the select and include compilers share. */

/** The hidden column of a JSON select list that carries its `i`th ORDER BY value. */
export function orderColumn(i: number): string {
  return `"__o${i + 1}"`
}

/** ` DESC NULLS LAST`: an order's direction and its NULLs' place. */
export function direction(order: Order): string {
  const nulls = order.nulls ? ` NULLS ${order.nulls.toUpperCase()}` : ''
  return ` ${order.direction.toUpperCase()}${nulls}`
}

/** Whether the query's shape, not only its conditions, decides which rows it gives. */
export function shaped(query: QueryNode): boolean {
  return (
    query.distinct ||
    query.groupBy.length > 0 ||
    query.having.length > 0 ||
    query.limit !== null ||
    query.offset !== null
  )
}

/** `"posts"`, or `"posts" AS "posts_1"` for an aliased item. */
export function declared(item: FromItem): string {
  return item.sql === item.info.quoted ? item.sql : `${item.info.quoted} AS ${item.sql}`
}

const allColumns = new WeakMap<TableInfo, readonly SelectItem[]>()

/**
 * The select list of a query: its items, or every column of its table when it selects none,
 * then its extras (relation aggregates).
 */
export function selectedItems(query: QueryNode): readonly SelectItem[] {
  const items = query.select ?? allColumnsOf(query)
  return query.extras.length ? [...items, ...query.extras] : items
}

function allColumnsOf(query: QueryNode): readonly SelectItem[] {
  const info = query.runtime.info
  let items = allColumns.get(info)
  if (!items) {
    items = Object.freeze(
      info.table.columns.map((column): SelectItem => {
        const expr: Expr = { kind: 'column', table: null, column }
        return { key: column.name, expr }
      }),
    )
    allColumns.set(info, items)
  }
  return items
}
