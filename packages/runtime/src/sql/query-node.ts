import type { RelationIR } from '@fluentorm/core/ir'
import type { ModelRuntime } from '../model/model-runtime.ts'
import type { TableInfo } from '../model/table-info.ts'
import type { Clause, Expr } from './expression.ts'

/**
 * The immutable description of one SELECT on a model's table: what a query builder holds
 * and the compiler renders. Every position holds expressions (expression.ts).
 */
export interface QueryNode {
  readonly runtime: ModelRuntime
  /** null: every column of the model. */
  readonly select: readonly SelectItem[] | null
  /**
   * Values selected after the columns, whatever `select` is: relation aggregates
   * (`withCount`, `withExists`, …), which add to the row rather than replace its columns.
   */
  readonly extras: readonly SelectItem[]
  readonly distinct: boolean
  readonly where: readonly Clause[]
  readonly joins: readonly Join[]
  readonly groupBy: readonly Expr[]
  readonly having: readonly Clause[]
  readonly orderBy: readonly Order[]
  readonly limit: number | null
  readonly offset: number | null
  readonly deleted: DeletedRows
  readonly includes: readonly Include[]
  /** `FOR UPDATE` and its kin, or null. */
  readonly lock: Lock | null
  /**
   * Where the rows come from instead of the table: a set operation of queries on the same
   * model (`union`, …) or a CTE (`with`, `withRecursive`), read under the table's name.
   */
  readonly source: Source | null
  /**
   * `allowRedacted()`: redacted columns may be named as strings in conditions, order,
   * grouping and aggregates (they may always be selected by name).
   */
  readonly redacted: boolean
}

export type Source = SetSource | CteSource

/** `(a) UNION ALL (b) EXCEPT (c)`, left to right; each part a whole query of the model. */
export interface SetSource {
  readonly kind: 'set'
  readonly first: QueryNode
  readonly rest: readonly { readonly op: SetOperator; readonly query: QueryNode }[]
}

export type SetOperator = 'UNION' | 'UNION ALL' | 'INTERSECT' | 'EXCEPT'

/**
 * `WITH "name" AS (query)`, or `WITH RECURSIVE "name" AS (query UNION [ALL] step)`, where the
 * step's rows are joined to the CTE's rows so far (`step.join`: its own column = the CTE's).
 */
export interface CteSource {
  readonly kind: 'cte'
  readonly name: string
  readonly query: QueryNode
  readonly recursive: {
    readonly step: QueryNode
    readonly all: boolean
  } | null
}

/** A row-locking clause: `FOR <strength> [OF …] [SKIP LOCKED | NOWAIT]`. */
export interface Lock {
  readonly strength: 'UPDATE' | 'NO KEY UPDATE' | 'SHARE' | 'KEY SHARE'
  /** The tables whose rows are locked; empty: every table of the FROM clause. */
  readonly of: readonly TableInfo[]
  readonly wait: 'SKIP LOCKED' | 'NOWAIT' | null
}

/** Which rows of a soft-delete table a statement sees. */
export type DeletedRows = 'exclude' | 'include' | 'only'

/** One value of the select list; `key` is the row's property (and the SQL alias). */
export interface SelectItem {
  readonly key: string
  readonly expr: Expr
}

export interface Join {
  readonly type: 'inner' | 'left'
  readonly info: TableInfo
  /** The ON condition. */
  readonly on: Expr
}

export interface Order {
  readonly by: Expr
  /**
   * The select-list key ordered by, when the order names one: written as that alias at the
   * top level, as its expression where an alias means nothing (windows, json_agg).
   */
  readonly key: string | null
  readonly direction: 'asc' | 'desc'
  readonly nulls: 'first' | 'last' | null
}

/** A relation loaded into each row under `relation.name`, by its own nested query. */
export interface Include {
  readonly relation: RelationIR
  readonly query: QueryNode
}

/**
 * A copy of `node` with the fields `patch` gives replaced (a field given as undefined is
 * kept: no field of a QueryNode is ever undefined), frozen. Written out field by field: V8
 * copies a frozen object with spread (`{ ...node }`) through its slow path, about ten times
 * the cost of this copy, and `Object.assign` with patches of many shapes took a tenth of
 * building a query; every builder call and compile step makes one.
 */
export function nodeWith(node: QueryNode, patch: Partial<QueryNode>): QueryNode {
  return Object.freeze({
    runtime: patch.runtime !== undefined ? patch.runtime : node.runtime,
    select: patch.select !== undefined ? patch.select : node.select,
    extras: patch.extras !== undefined ? patch.extras : node.extras,
    distinct: patch.distinct !== undefined ? patch.distinct : node.distinct,
    where: patch.where !== undefined ? patch.where : node.where,
    joins: patch.joins !== undefined ? patch.joins : node.joins,
    groupBy: patch.groupBy !== undefined ? patch.groupBy : node.groupBy,
    having: patch.having !== undefined ? patch.having : node.having,
    orderBy: patch.orderBy !== undefined ? patch.orderBy : node.orderBy,
    limit: patch.limit !== undefined ? patch.limit : node.limit,
    offset: patch.offset !== undefined ? patch.offset : node.offset,
    deleted: patch.deleted !== undefined ? patch.deleted : node.deleted,
    includes: patch.includes !== undefined ? patch.includes : node.includes,
    lock: patch.lock !== undefined ? patch.lock : node.lock,
    source: patch.source !== undefined ? patch.source : node.source,
    redacted: patch.redacted !== undefined ? patch.redacted : node.redacted,
  })
}

export function emptyQuery(runtime: ModelRuntime): QueryNode {
  return Object.freeze({
    runtime,
    select: null,
    extras: [],
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
    lock: null,
    source: null,
    redacted: false,
  })
}
