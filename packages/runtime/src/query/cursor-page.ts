import { quotedValue } from '../errors/shown-value.ts'
import { ownValue } from '../model/input-columns.ts'
import { onlyOptions, usageError } from '../model/usage-error.ts'
import type { Clause, Expr } from '../sql/expression.ts'
import type { Order, QueryNode, SelectItem } from '../sql/query-node.ts'
import { sameExpr, selectedItems, unusedKey } from '../sql/select-parts.ts'

/**
 * Keyset pagination (`cursorPaginate`): the page after (or before) a row is the rows whose
 * order values come after its own, as a condition, never an OFFSET. A cursor is the row's
 * order values, read as PostgreSQL's text so that they round-trip exactly (microseconds,
 * numerics), with a checksum tying it to the query's order.
 */

export interface CursorOptions {
  readonly perPage: number
  /** A `next` cursor: the page after its row. */
  readonly after?: string | null
  /** A `prev` cursor: the page before its row. */
  readonly before?: string | null
}

export interface CursorPage<R> {
  readonly rows: R[]
  /** The page after this one, or null at the end. */
  readonly next: string | null
  /** The page before this one, or null at the start. */
  readonly prev: string | null
}

/** What one cursorPaginate call fetches, and how its rows become the page. */
export interface CursorPlan {
  /** The query's state for the fetch: the order (reversed going back), condition and limit. */
  readonly patch: Partial<QueryNode>
  finish(rows: Record<string, unknown>[]): CursorPage<Record<string, unknown>>
}

const operation = 'cursorPaginate'
/** A cursor longer than this is not one fluentorm made for any sane row. */
const maxCursorLength = 65_536

export function cursorPlan(state: QueryNode, options: CursorOptions): CursorPlan {
  const fail = (problem: string, hint: string): never => {
    throw usageError({ model: state.runtime.info.modelName, operation }, problem, hint)
  }
  if (typeof options !== 'object' || options === null) {
    fail('expected options { perPage, after?, before? }', 'Pass e.g. { perPage: 20 }.')
  }
  onlyOptions(options, ['perPage', 'after', 'before'], {
    model: state.runtime.info.modelName,
    operation,
  })
  const perPage = ownValue(options, 'perPage')
  if (!Number.isSafeInteger(perPage) || (perPage as number) < 1) {
    fail(
      `perPage must be a positive integer, got ${quotedValue(perPage)}`,
      'Pass e.g. { perPage: 20 }.',
    )
  }
  const after = cursorOption(options, 'after', fail)
  const before = cursorOption(options, 'before', fail)
  if (after !== null && before !== null) {
    fail(
      'after and before exclude each other',
      'Pass the next cursor as after or the prev one as before.',
    )
  }
  if (state.orderBy.length === 0) {
    fail(
      'a cursor needs an order',
      "Add orderBy(…) first, e.g. orderBy('created_at', 'desc'); the primary key is added as a tie-breaker.",
    )
  }
  if (state.limit !== null || state.offset !== null) {
    fail('a cursor page sets its own limit', 'Drop limit / offset; pass perPage.')
  }
  const orders = withTieBreaker(state, fail)
  const signature = orderSignature(state, orders)
  const backward = before !== null
  const position = after ?? before
  const values = position === null ? null : decodeCursor(position, orders.length, signature, fail)
  const effective = backward ? orders.map(reversed) : orders
  const condition = values ? afterCondition(effective, values) : null
  // The cursor values come back with each row, as text, under keys no other value has.
  const keys: string[] = []
  const items: SelectItem[] = [...selectedItems(state)]
  const extras: SelectItem[] = [...state.extras]
  for (const order of orders) {
    const key = unusedKey(items, '__cursor')
    const item = { key, expr: textOf(order.by) }
    keys.push(key)
    items.push(item)
    extras.push(item)
  }
  const grouped = state.groupBy.length > 0
  const clause = (list: readonly Clause[]): readonly Clause[] =>
    condition ? [...anded(list), { or: false, condition }] : list
  const patch: Partial<QueryNode> = {
    orderBy: effective,
    extras,
    limit: (perPage as number) + 1,
    // An aggregate's order value is compared after grouping.
    ...(grouped ? { having: clause(state.having) } : { where: clause(state.where) }),
  }
  return {
    patch,
    finish(fetched) {
      const more = fetched.length > (perPage as number)
      const page = more ? fetched.slice(0, perPage as number) : fetched
      if (backward) page.reverse()
      const cursors = page.map((row) => {
        const cursor = encodeCursor(
          keys.map((key) => row[key] as string | null),
          signature,
        )
        for (const key of keys) delete row[key]
        return cursor
      })
      const first = cursors[0] ?? null
      const last = cursors[cursors.length - 1] ?? null
      return backward
        ? { rows: page, prev: more ? first : null, next: last }
        : { rows: page, next: more ? last : null, prev: after !== null ? first : null }
    },
  }
}

function cursorOption(
  options: CursorOptions,
  name: 'after' | 'before',
  fail: (problem: string, hint: string) => never,
): string | null {
  const value = ownValue(options, name)
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || value === '') {
    fail(
      `${name} must be a cursor string from a previous page`,
      `Pass page.${name === 'after' ? 'next' : 'prev'}.`,
    )
  }
  return value as string
}

/**
 * The order made total: the primary key's columns appended unless the order
 * already holds all of them, or one unique NOT NULL column of the table; for a grouped
 * query, its group keys.
 */
function withTieBreaker(
  state: QueryNode,
  fail: (problem: string, hint: string) => never,
): readonly Order[] {
  if (state.groupBy.length > 0) return withGroupKeys(state)
  if (state.distinct) return withDistinctValues(state)
  const own = state.orderBy
    .map((order) => order.by)
    .filter((by) => by.kind === 'column' && by.table === null)
    .map((by) => (by.kind === 'column' ? by.column : null))
  if (own.some((column) => column?.unique && !column.nullable)) return state.orderBy
  const key = state.runtime.info.primaryKey
  const missing = key.filter((column) => !own.includes(column))
  if (key.length > 0 && missing.length === 0) return state.orderBy
  if (key.length === 0) {
    fail(
      `table ${state.runtime.info.table.name} has no primary key to make the order unique`,
      'Order by a unique NOT NULL column last.',
    )
  }
  // In the last order's direction: `(created_at, id) < ($1, $2)` for a newest-first list, one
  // row comparison that an index on (created_at, id) serves.
  const direction = state.orderBy[state.orderBy.length - 1]!.direction
  const ties = missing.map(
    (column): Order => ({
      by: { kind: 'column', table: null, column },
      key: null,
      direction,
      nulls: null,
    }),
  )
  return [...state.orderBy, ...ties]
}

/**
 * A grouped query's order made total: its rows are its groups, one per value of the group
 * keys together, so the keys the order leaves out are appended (a primary key could not be:
 * outside GROUP BY and aggregates, PostgreSQL refuses it).
 */
function withGroupKeys(state: QueryNode): readonly Order[] {
  const missing = state.groupBy.filter(
    (key) => !state.orderBy.some((order) => sameExpr(order.by, key)),
  )
  if (missing.length === 0) return state.orderBy
  const direction = state.orderBy[state.orderBy.length - 1]!.direction
  return [
    ...state.orderBy,
    ...missing.map((by): Order => ({ by, key: null, direction, nulls: null })),
  ]
}

/**
 * A DISTINCT query's order made total: its rows are its distinct selected values, so those
 * values are what makes it unique, not the primary key (PostgreSQL refuses to order a SELECT
 * DISTINCT by what it does not select, and selecting the key would make every row distinct).
 */
function withDistinctValues(state: QueryNode): readonly Order[] {
  const missing = selectedItems(state)
    .map((item) => item.expr)
    .filter((expr) => !state.orderBy.some((order) => sameExpr(order.by, expr)))
  if (missing.length === 0) return state.orderBy
  const direction = state.orderBy[state.orderBy.length - 1]!.direction
  return [
    ...state.orderBy,
    ...missing.map((by): Order => ({ by, key: null, direction, nulls: null })),
  ]
}

/** Whether NULLs sort after the other values in this order (PostgreSQL: ASC puts them last). */
function nullsLast(order: Order): boolean {
  return order.nulls ? order.nulls === 'last' : order.direction === 'asc'
}

/** The same order the other way round, NULLs included. */
function reversed(order: Order): Order {
  return {
    ...order,
    direction: order.direction === 'asc' ? 'desc' : 'asc',
    nulls: nullsLast(order) ? 'first' : 'last',
  }
}

/** Whether an order value can be NULL (a column's nullability; anything else may be). */
function nullable(order: Order): boolean {
  return order.by.kind === 'column' ? order.by.column.nullable || order.by.table !== null : true
}

const raw = (strings: readonly string[], values: readonly Expr[]): Expr => ({
  kind: 'raw',
  strings,
  values,
})
const value = (text: string): Expr => ({ kind: 'value', value: text, column: null })
const FALSE = raw(['FALSE'], [])

/**
 * The rows after `values` in `orders`. One direction and no NULL possible: the row value
 * comparison `(a, b) > ($1, $2)`, which an index on (a, b) serves. Otherwise the expansion
 * `a > $1 OR (a = $1 AND b < $2) …`, with NULLs placed as the order places them.
 */
function afterCondition(orders: readonly Order[], texts: readonly (string | null)[]): Expr {
  // One node per value: each binds one parameter wherever the expansion repeats it.
  const values = texts.map((text) => (text === null ? null : value(text)))
  const same = orders.every((order) => order.direction === orders[0]!.direction)
  if (same && values.every((v) => v !== null) && !orders.some(nullable)) {
    const op = orders[0]!.direction === 'asc' ? ' > ' : ' < '
    const n = orders.length
    const strings = ['(', ...Array(n - 1).fill(', '), `)${op}(`, ...Array(n - 1).fill(', '), ')']
    return raw(strings, [...orders.map((o) => o.by), ...(values as Expr[])])
  }
  const branches: Expr[] = []
  for (let i = 0; i < orders.length; i++) {
    const parts: Clause[] = []
    for (let j = 0; j < i; j++) parts.push({ or: false, condition: equal(orders[j]!, values[j]!) })
    parts.push({ or: false, condition: beyond(orders[i]!, values[i]!) })
    branches.push({ kind: 'logical', clauses: parts })
  }
  return {
    kind: 'logical',
    clauses: branches.map((condition, i) => ({ or: i > 0, condition })),
  }
}

function equal(order: Order, v: Expr | null): Expr {
  if (v === null) return { kind: 'null', operand: order.by, negated: false }
  return { kind: 'compare', left: order.by, op: '=', right: v }
}

/** The rows strictly after `v` in this one order value. */
function beyond(order: Order, v: Expr | null): Expr {
  const last = nullsLast(order)
  if (v === null) return last ? FALSE : { kind: 'null', operand: order.by, negated: true }
  const op = order.direction === 'asc' ? '>' : '<'
  const compared: Expr = { kind: 'compare', left: order.by, op, right: v }
  if (!last || !nullable(order)) return compared
  return {
    kind: 'logical',
    clauses: [
      { or: false, condition: compared },
      { or: true, condition: { kind: 'null', operand: order.by, negated: false } },
    ],
  }
}

/** The conditions so far as one, so that an added AND applies to all of them. */
function anded(list: readonly Clause[]): readonly Clause[] {
  if (!list.some((clause) => clause.or)) return list
  return [{ or: false, condition: { kind: 'logical', clauses: list } }]
}

/** `(<expr>)::text`: the value as PostgreSQL writes it, which its input reads back exactly. */
function textOf(by: Expr): Expr {
  return raw(['(', ')::text'], [by])
}

/** What a cursor is tied to: the table and each order's value and direction. */
function orderSignature(state: QueryNode, orders: readonly Order[]): string {
  const parts = orders.map((order, i) => {
    const by = order.by
    const name = by.kind === 'column' ? `${by.table ?? ''}.${by.column.name}` : `${by.kind}${i}`
    return `${name} ${order.direction} ${nullsLast(order) ? 'last' : 'first'}`
  })
  return `${state.runtime.info.table.name}|${parts.join(',')}`
}

function encodeCursor(values: readonly (string | null)[], signature: string): string {
  const body = JSON.stringify(values)
  return Buffer.from(JSON.stringify([body, checksum(`${signature}\n${body}`)])).toString(
    'base64url',
  )
}

function decodeCursor(
  cursor: string,
  length: number,
  signature: string,
  fail: (problem: string, hint: string) => never,
): (string | null)[] {
  const refuse = (): never =>
    fail(
      'the cursor is not one this query gave (changed, truncated, or from a query with another order)',
      'Pass the next / prev cursor of a page of the same query, or start again without one.',
    )
  if (cursor.length > maxCursorLength || !/^[A-Za-z0-9_-]+$/.test(cursor)) refuse()
  let parsed: unknown
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    return refuse()
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return refuse()
  const [body, sum] = parsed as unknown[]
  if (typeof body !== 'string' || sum !== checksum(`${signature}\n${body}`)) return refuse()
  let values: unknown
  try {
    values = JSON.parse(body)
  } catch {
    return refuse()
  }
  if (
    !Array.isArray(values) ||
    values.length !== length ||
    !values.every((v) => v === null || typeof v === 'string')
  ) {
    return refuse()
  }
  return values as (string | null)[]
}

/**
 * A 53-bit checksum (cyrb53): it catches a changed or mismatched cursor. It is not a
 * signature — the values are bound parameters whatever they are, so a forged cursor can only
 * move the page.
 */
function checksum(text: string): string {
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ c, 2654435761)
    h2 = Math.imul(h2 ^ c, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}
