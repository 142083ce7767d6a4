import type { TableInfo } from '../model/table-info.ts'
import type { FromItem } from './compiler.ts'
import type { Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import type { Order, QueryNode, SelectItem } from './query-node.ts'

/** Pieces of a SELECT that the select and include compilers share. */

/** The hidden column of a JSON select list that carries its `i`th ORDER BY value. */
export function orderColumn(query: QueryNode, i: number): string {
  return quoteIdent(`${orderPrefix(query)}${i + 1}`)
}

/** `__o`, with more underscores while a key of the query's rows starts with it. */
function orderPrefix(query: QueryNode): string {
  const keys = [
    ...selectedItems(query).map((item) => item.key),
    ...query.includes.map((include) => include.relation.name),
  ]
  let prefix = '__o'
  while (keys.some((key) => key.startsWith(prefix))) prefix = `_${prefix}`
  return prefix
}

/** ` DESC NULLS LAST`: an order's direction and its NULLs' place. */
export function direction(order: Order): string {
  const nulls = order.nulls ? ` NULLS ${order.nulls.toUpperCase()}` : ''
  return ` ${order.direction.toUpperCase()}${nulls}`
}

/** Whether the query's shape, not only its conditions, decides which rows it gives. */
export function shaped(query: QueryNode): boolean {
  return (
    // A source is rendered by select() alone (a CTE's WITH comes first).
    query.source !== null ||
    query.distinct ||
    query.groupBy.length > 0 ||
    query.having.length > 0 ||
    query.limit !== null ||
    query.offset !== null ||
    // An aggregate (or a fragment, which may be one) makes the rows one, or its groups.
    (query.select?.some((item) => item.expr.kind === 'aggregate' || item.expr.kind === 'raw') ??
      false)
  )
}

/** `"posts"`, or `"posts" AS "posts_1"` for an aliased item. */
export function declared(item: FromItem): string {
  return item.sql === item.info.quoted ? item.sql : `${item.info.quoted} AS ${item.sql}`
}

const allColumns = new WeakMap<TableInfo, readonly SelectItem[]>()

/**
 * The select list of a query: its items, or every visible column of its table (redacted ones
 * left out) when it selects none,
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
      info.visible.map((column): SelectItem => {
        const expr: Expr = { kind: 'column', table: null, column }
        return { key: column.name, expr }
      }),
    )
    allColumns.set(info, items)
  }
  return items
}

/**
 * The selected values an orderBy names by their key: what a query whose select list is
 * replaced (pluck, an aggregate over its rows) must keep, so the order's aliases still mean them.
 */
export function orderedItems(query: QueryNode): SelectItem[] {
  const ordered = new Set(query.orderBy.map((order) => order.key))
  return [...(query.select ?? []), ...query.extras].filter((item) => ordered.has(item.key))
}

/** `base`, or `base_2`, …: a row key none of `items` has. */
export function unusedKey(items: readonly SelectItem[], base: string): string {
  const keys = new Set(items.map((item) => item.key))
  let key = base
  for (let n = 2; keys.has(key); n++) key = `${base}_${n}`
  return key
}

/**
 * Whether two expressions are written alike: same shape, same columns, equal bound values
 * (primitives by value, Dates by time). Queries inside them compare by identity.
 */
export function sameExpr(a: Expr, b: Expr): boolean {
  if (a === b) return true
  if (a.kind !== b.kind) return false
  const x = a as unknown as Record<string, unknown>
  const y = b as unknown as Record<string, unknown>
  for (const key of Object.keys(x)) {
    if (!sameField(x[key], y[key])) return false
  }
  return true
}

function sameField(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime()
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => sameField(item, b[i]))
  }
  if (isExpr(a) && isExpr(b)) return sameExpr(a, b)
  if (isClause(a) && isClause(b)) return a.or === b.or && sameExpr(a.condition, b.condition)
  return false
}

/** An expression node: a `kind`, and not a schema column (which has one too, and compares by identity). */
function isExpr(value: unknown): value is Expr {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { kind?: unknown }).kind === 'string' &&
    !('sqlType' in value)
  )
}

function isClause(value: unknown): value is { or: boolean; condition: Expr } {
  return typeof value === 'object' && value !== null && 'condition' in value && 'or' in value
}
