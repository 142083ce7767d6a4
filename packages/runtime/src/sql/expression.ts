import type { ColumnIR } from '@fluentorm/core/ir'
import type { ValueType } from './column-types.ts'
import type { QueryNode } from './query-node.ts'

/**
 * The one expression type of the query layer: plain, frozen data that the compiler
 * (compiler.ts) renders in every clause position — select list, where and having, group by,
 * order by, update values, conflict targets. Conditions are expressions too.
 *
 * Identifiers in these nodes are never text a caller wrote: columns are schema `ColumnIR`s,
 * functions and operators come from fixed lists in this package, and the only text that
 * reaches SQL as written is a `raw` node's `strings` (from a `sql` template's literal parts or
 * `sql.raw`, the documented unsafe door).
 */
export type Expr =
  | ColumnExpr
  | RefExpr
  | OuterExpr
  | ValueExpr
  | PlaceholderExpr
  | AggregateExpr
  | CallExpr
  | RawExpr
  | SubqueryExpr
  | CompareExpr
  | NullTestExpr
  | InExpr
  | BetweenExpr
  | ExistsExpr
  | LogicalExpr
  | OutputExpr

/** A column of the query: its own table's (`table: null`) or a joined table's, by name. */
export interface ColumnExpr {
  readonly kind: 'column'
  readonly table: string | null
  readonly column: ColumnIR
}

/**
 * `Model.column('x')`: a column of the nearest query (this one or one around it) that names
 * the model's table; a table no query names is written by its own name (raw SQL's FROM).
 */
export interface RefExpr {
  readonly kind: 'ref'
  readonly table: string
  readonly column: ColumnIR
}

/**
 * A column of the query one level out: the row a relation subquery (`withCount`, `whereHas`)
 * belongs to, whatever that query's table is called or aliased.
 */
export interface OuterExpr {
  readonly kind: 'outer'
  readonly column: ColumnIR
}

/** A bound parameter. `column`: the column it is compared with or written to (binding rules). */
export interface ValueExpr {
  readonly kind: 'value'
  readonly value: unknown
  readonly column: ColumnIR | null
}

/**
 * A parameter whose value is given when the statement runs: a model template's argument
 * (`key`: its index) or a `placeholder('name')` of a kept query (`key`: the name), bound
 * with `column`'s rules when it stands for a column's value.
 */
export interface PlaceholderExpr {
  readonly kind: 'placeholder'
  readonly key: number | string
  readonly column: ColumnIR | null
}

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max'

/** `count(*)` (`arg: null`), `sum(x)`, … */
export interface AggregateExpr {
  readonly kind: 'aggregate'
  readonly fn: AggregateFunction
  readonly arg: Expr | null
}

/** A function of this package's own (`coalesce`, `encode`, …): `fn` is never user text. */
export interface CallExpr {
  readonly kind: 'call'
  readonly fn: string
  readonly args: readonly Expr[]
}

/** A `sql` fragment: `strings[0] values[0] strings[1] …`, the strings written as they are. */
export interface RawExpr {
  readonly kind: 'raw'
  readonly strings: readonly string[]
  readonly values: readonly Expr[]
}

/** `(SELECT …)`: a query as a value (a scalar subquery) or inside a fragment. */
export interface SubqueryExpr {
  readonly kind: 'subquery'
  readonly query: QueryNode
}

/** `left op right`; `op` is one of COMPARISON_SQL's keys. */
export interface CompareExpr {
  readonly kind: 'compare'
  readonly left: Expr
  readonly op: string
  readonly right: Expr
}

export interface NullTestExpr {
  readonly kind: 'null'
  readonly operand: Expr
  readonly negated: boolean
}

/** `x = ANY($1)` for a list (one array parameter), `x IN (SELECT …)` for a subquery. */
export interface InExpr {
  readonly kind: 'in'
  readonly operand: Expr
  readonly negated: boolean
  readonly list: ValueExpr | SubqueryExpr
}

export interface BetweenExpr {
  readonly kind: 'between'
  readonly operand: Expr
  readonly negated: boolean
  readonly low: Expr
  readonly high: Expr
}

export interface ExistsExpr {
  readonly kind: 'exists'
  readonly negated: boolean
  readonly query: QueryNode
}

/**
 * A value of the rows a query reads from its source (a union, a CTE) by its key, as the
 * parts selected it: `"posts"."comments_count"`. `type`: its value's type, where known.
 */
export interface OutputExpr {
  readonly kind: 'output'
  readonly key: string
  readonly type: ValueType | null
}

/** One condition of a list, joined to the one before it with AND or OR. */
export interface Clause {
  readonly or: boolean
  readonly condition: Expr
}

/** A parenthesised list of conditions. */
export interface LogicalExpr {
  readonly kind: 'logical'
  readonly clauses: readonly Clause[]
}

/** The SQL of every comparison operator the query layer accepts. */
export const COMPARISON_SQL: Readonly<Record<string, string>> = Object.freeze({
  '=': '=',
  '!=': '<>',
  '<>': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
  like: 'LIKE',
  ilike: 'ILIKE',
  'not like': 'NOT LIKE',
  'not ilike': 'NOT ILIKE',
})

/**
 * Operators of array and jsonb values: containment (`@>`, `<@`), overlap (`&&`, arrays), key
 * existence (`?`, `?|`, `?&`, jsonb). Rendered as they are written; `any` (`value = ANY(col)`)
 * is written as a comparison with ANY.
 */
export const CONTAINMENT_OPERATORS: ReadonlySet<string> = new Set([
  '@>',
  '<@',
  '&&',
  '?',
  '?|',
  '?&',
])

export const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(Object.keys(COMPARISON_SQL))

export function columnExpr(table: string | null, column: ColumnIR): ColumnExpr {
  return { kind: 'column', table, column }
}

export function valueExpr(value: unknown, column: ColumnIR | null = null): ValueExpr {
  return { kind: 'value', value, column }
}
