import type { ColumnIR, RelationIR } from '@fluentorm/core'
import type { ModelRuntime } from '../model/model-runtime.ts'
import type { TableInfo } from '../model/table-info.ts'

/**
 * The immutable description of one query. Every builder method returns a new builder over
 * a new state; the SQL is produced from it only by `select-sql.ts`.
 */
export interface QueryState {
  readonly runtime: ModelRuntime
  readonly select: readonly SelectItem[] | null
  readonly distinct: boolean
  readonly where: readonly Clause[]
  readonly joins: readonly Join[]
  readonly groupBy: readonly ColumnTarget[]
  readonly having: readonly Clause[]
  readonly orderBy: readonly Order[]
  readonly limit: number | null
  readonly offset: number | null
  readonly deleted: 'exclude' | 'include' | 'only'
  readonly includes: readonly Include[]
}

/** A schema column, on the query's own table (`table: null`) or on a joined table. */
export interface ColumnTarget {
  readonly table: string | null
  readonly column: ColumnIR
}

/** A column of a model's table referenced from another query (correlated subqueries). */
export interface ColumnRef {
  readonly kind: 'columnRef'
  readonly table: string
  readonly column: ColumnIR
}

export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max'

export interface Aggregate {
  readonly fn: AggregateFunction
  /** null: `count(*)`. */
  readonly target: ColumnTarget | null
}

export type SelectItem =
  /** `key`: the row's property, the column's name unless `select({ key: column })` renamed it. */
  | { readonly kind: 'column'; readonly target: ColumnTarget; readonly key: string }
  | { readonly kind: 'aggregate'; readonly aggregate: Aggregate; readonly alias: string }

export interface Clause {
  readonly or: boolean
  readonly condition: Condition
}

export type Condition =
  | {
      readonly kind: 'compare'
      readonly left: ColumnTarget | Aggregate
      readonly op: string
      readonly value: unknown
    }
  | { readonly kind: 'null'; readonly target: ColumnTarget; readonly negated: boolean }
  | {
      readonly kind: 'in'
      readonly target: ColumnTarget
      readonly negated: boolean
      readonly values: readonly unknown[] | QueryState
    }
  | {
      readonly kind: 'between'
      readonly target: ColumnTarget
      readonly negated: boolean
      readonly low: unknown
      readonly high: unknown
    }
  | {
      readonly kind: 'columns'
      readonly left: ColumnTarget
      readonly op: string
      readonly right: ColumnTarget | ColumnRef
    }
  | { readonly kind: 'exists'; readonly negated: boolean; readonly query: QueryState }
  | { readonly kind: 'group'; readonly clauses: readonly Clause[] }

export interface Join {
  readonly type: 'inner' | 'left'
  readonly info: TableInfo
  readonly left: ColumnTarget
  readonly right: ColumnTarget
}

export interface Order {
  /** A column, or the alias of a selected aggregate. */
  readonly by: ColumnTarget | string
  readonly direction: 'asc' | 'desc'
  readonly nulls: 'first' | 'last' | null
}

export interface Include {
  readonly relation: RelationIR
  readonly query: QueryState
}

export function emptyState(runtime: ModelRuntime): QueryState {
  return Object.freeze({
    runtime,
    select: null,
    distinct: false,
    where: [],
    joins: [],
    groupBy: [],
    having: [],
    orderBy: [],
    limit: null,
    offset: null,
    deleted: 'exclude',
    includes: [],
  })
}
