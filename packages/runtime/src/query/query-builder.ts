import type { Executor } from '../executor/driver.ts'
import { flag, ownValue, updateColumns } from '../model/input-columns.ts'
import type { ModelRuntime } from '../model/model-runtime.ts'
import type { ColumnName, Model, ModelTypes, RowColumn, Writable } from '../model/model-types.ts'
import { requireColumn } from '../model/table-info.ts'
import { onlyOptions, usageError } from '../model/usage-error.ts'
import { expressionOf, toExpression } from '../sql/expressible.ts'
import { type AggregateFunction, COMPARISON_OPERATORS, type Expr } from '../sql/expression.ts'
import type { Placeholder } from '../sql/placeholder.ts'
import {
  emptyQuery,
  nodeWith,
  type Order,
  type QueryNode,
  type SelectItem,
  type SetOperator,
} from '../sql/query-node.ts'
import { orderedItems, unusedKey } from '../sql/select-parts.ts'
import { ColumnRef, type Sql } from '../sql/sql-fragment.ts'
import {
  aggregateStatement,
  countStatement,
  existsStatement,
  type Statement,
  selectStatement,
} from '../sql/statement.ts'
import { deleteStatement, softDeleteStatement, updateStatement } from '../sql/write-statements.ts'
import { keyedValue, parseCondition } from './condition-input.ts'
import { type CursorOptions, type CursorPage, cursorPlan } from './cursor-page.ts'
import { decodeIncludes } from './json-row-decoder.ts'
import {
  aggregateOf,
  checkOperator,
  checkOrder,
  columnOrExpression,
  countArgument,
  extrasWith,
  includeOf,
  joinOf,
  lockOf,
  mutableState,
  pageOffset,
  selectWith,
  subqueryState,
} from './query-clauses.ts'
import { runStatement } from './query-run.ts'
import { setOperation, withRecursiveSource, withSource } from './query-sources.ts'
import type {
  AggregateResult,
  AllRowsOption,
  ColumnValue,
  ComparisonOperator,
  ContainmentOperator,
  ElementOf,
  KeysOperator,
  ListOperator,
  LockOptions,
  Page,
  Parameterized,
  PatternOperator,
  QualifiedColumn,
  Query,
  QueryColumn,
  queryParams,
  queryRow,
  RangeOperator,
  RelationName,
  RelationResult,
  RelationTarget,
  SearchOperator,
  Selected,
  SelectedValue,
  SumResult,
} from './query-types.ts'
import { relationOf, relationRows, selectedValue } from './relation-query.ts'
import { resolveColumn } from './resolve-column.ts'

/** What each builder call returns: the builder, without its writes on a view's model. */
type Self<T extends ModelTypes, R, J extends ModelTypes, Ps extends object> =
  IsView<T> extends true ? ReadQuery<T, R, J, Ps> : QueryBuilder<T, R, J, Ps>
/** Another query of the same model and row, for a set operation (union, …). */
type SameQuery<T extends ModelTypes, R, Ps extends object> =
  | QueryBuilder<T, R, any, Ps>
  | ReadQuery<T, R, any, Ps>
/** Whether T is a view's types (`ViewTypes`); `any` (an untyped model) is not. */
type IsView<T> = 0 extends 1 & T ? false : T extends { readonly view: true } ? true : false
/** The writes a query on a view has not: `query().update`, `delete`, `softDelete`. */
type QueryWrites = 'update' | 'delete' | 'softDelete'
/** A query on a view's model (`ViewModel`): every read of a QueryBuilder, no write. */
export type ReadQuery<
  T extends ModelTypes,
  R = T['row'],
  J extends ModelTypes = never,
  Ps extends object = NoPlaceholders,
> = Omit<QueryBuilder<T, R, J, Ps>, QueryWrites>
/** A query without placeholders (`{}`, spelt so that it says what it means). */
export type NoPlaceholders = Record<never, never>
/** The values a query's placeholders take: none, or an object with one per placeholder. */
type Params<Ps extends object> = keyof Ps extends never
  ? [params?: Record<string, never>]
  : [params: Ps]
/** The nested query of whereHas and its kin, on the relation's model. */
type RelationBuild<
  T extends ModelTypes,
  N extends RelationName<T>,
  P extends object = NoPlaceholders,
> = (q: QueryBuilder<RelationTarget<T, N>>) => Query & Parameterized<P>
/** The columns of a recursive CTE's rows so far, for its step's conditions. */
export interface CteColumns<T extends ModelTypes> {
  column(name: ColumnName<T>): ColumnRef
}
/** `as`: the row key; `where`: narrows the related rows. */
export interface RelationValueOptions<
  T extends ModelTypes,
  N extends RelationName<T>,
  A extends string,
  P extends object = NoPlaceholders,
> {
  readonly as?: A
  /** Narrows the related rows; its placeholders become the outer query's. */
  readonly where?: RelationBuild<T, N, P>
}
/**
 * The row after a select adds `S`: while R still has every column of the model (nothing
 * selected yet), the columns go and only what R added (includes) stays; after that, R stays.
 */
type Adding<T extends ModelTypes, R, S> = Flat<
  (keyof T['row'] extends keyof R ? Omit<R, keyof T['row']> : R) & S
>
/** One object type instead of an intersection, as editors and type tests show it. */
type Flat<A> = { [K in keyof A]: A[K] }
type Nested<T extends ModelTypes, J extends ModelTypes, P extends object = NoPlaceholders> = (
  q: Self<T, T['row'], J, NoPlaceholders>,
) => Query & Parameterized<P>
type Value<T extends ModelTypes, J extends ModelTypes, C> = ColumnValue<T, J, C>
type Values<T extends ModelTypes, J extends ModelTypes, C> =
  | readonly NonNullable<Value<T, J, C>>[]
  | Query
type Range<T extends ModelTypes, J extends ModelTypes, C> = readonly [
  NonNullable<Value<T, J, C>>,
  NonNullable<Value<T, J, C>>,
]

/**
 * A query on one model, typed by its columns. Every method returns a new builder (the
 * builder is immutable), every value is a bound parameter and every identifier comes from
 * the schema, quoted. See docs/QUERY.md.
 *
 * ```ts
 * await Post.query().where('view_count', '>', 10).orderBy('created_at', 'desc').limit(20).fetch(db)
 * // SELECT "posts"."id", … FROM "posts" WHERE "posts"."deleted_at" IS NULL
 * //   AND "posts"."view_count" > $1 ORDER BY "posts"."created_at" DESC LIMIT $2
 * ```
 */
export class QueryBuilder<
  T extends ModelTypes,
  R = T['row'],
  J extends ModelTypes = never,
  Ps extends object = NoPlaceholders,
> implements Query<R>
{
  /** @internal Interpolated into a `sql` fragment, a query is a parenthesised subquery. */
  [toExpression](): Expr {
    return { kind: 'subquery', query: this.#state }
  }

  declare readonly [queryRow]: R
  declare readonly [queryParams]: Ps
  readonly #state: QueryNode
  /** The rendered SELECT: a builder kept and fetched again renders nothing. */
  #statement: Statement | undefined
  /** The builder `first` runs (this one with a limit of 1), made once. */
  #first: QueryBuilder<T, R, J, Ps> | undefined

  /** `state` is frozen (nodeWith and emptyQuery freeze theirs; freezing again cost a tenth of a call). */
  private constructor(state: QueryNode) {
    this.#state = state
  }

  /** @internal A new query on a model (Model.query() calls this). */
  static from<T extends ModelTypes>(runtime: ModelRuntime): QueryBuilder<T> {
    return new QueryBuilder(emptyQuery(runtime))
  }

  /** @internal The state of a builder, or null for any other value. */
  static stateOf(value: unknown): QueryNode | null {
    return value instanceof QueryBuilder ? value.#state : null
  }

  #with(patch: Partial<QueryNode>): any {
    return new QueryBuilder(nodeWith(this.#state, patch))
  }

  /**
   * `SELECT "posts"."id", "posts"."title"`: only these columns; rows narrow to them. The
   * first select (or selectAggregate) replaces the model's columns, later ones add to the list;
   * includes stay.
   */
  select<C extends QueryColumn<T, J>>(
    ...columns: C[]
  ): Self<T, Adding<T, R, Selected<T, J, C>>, J, Ps>
  /**
   * Columns under names of your choosing: `select({ title: 'title', author: 'users.name' })`
   * → `SELECT "posts"."title", "users"."name" AS "author"`; rows are `{ title, author }`.
   */
  select<const M extends Record<string, QueryColumn<T, J> | Sql<any>>>(
    columns: M,
  ): Self<T, Adding<T, R, { -readonly [K in keyof M]: SelectedValue<T, J, M[K]> }>, J, Ps>
  select(...columns: unknown[]): any {
    if (columns.length === 0) {
      throw usageError(
        { model: this.#state.runtime.info.modelName, operation: 'select' },
        'select() needs at least one column',
        "Name the columns (select('id', 'title')), or leave select out for every column.",
      )
    }
    const [first] = columns
    const named =
      columns.length === 1 && typeof first === 'object' && first !== null && !expressionOf(first)
    const items: SelectItem[] = named
      ? Object.keys(first).map((key) => ({
          key,
          expr: columnOrExpression(this.#state, (first as Record<string, unknown>)[key], 'select'),
        }))
      : columns.map((name) => {
          const expr = resolveColumn(this.#state, name as string, 'select')
          return { key: expr.column.name, expr }
        })
    return this.#with({ select: selectWith(this.#state, items, 'select') })
  }

  /** Adds `count(*)::integer AS "alias"` (or sum / avg / min / max) for groupBy queries. */
  selectAggregate<F extends AggregateFunction, C extends QueryColumn<T, J> | '*', A extends string>(
    fn: F,
    column: C,
    alias: A,
  ): Self<T, Adding<T, R, { [P in A]: AggregateResult<F, Value<T, J, C>> }>, J, Ps> {
    const expr = aggregateOf(this.#state, fn, column, 'selectAggregate')
    const item = { key: alias, expr }
    return this.#with({ select: selectWith(this.#state, [item], 'selectAggregate') })
  }

  /** `SELECT DISTINCT` */
  distinct(): Self<T, R, J, Ps> {
    refuseDistinctIncludes(this.#state, true, this.#state.includes.length > 0)
    return this.#with({ distinct: true })
  }

  /** Grouped conditions: `where(q => q.where(a).orWhere(b))` → `AND (a OR b)`. */
  where<P extends object = NoPlaceholders>(build: Nested<T, J, P>): Self<T, R, J, Ps & P>
  /** A value the select list computes, by its key: `where('comments_count', '>', 2)`. */
  where<K extends Exclude<keyof R & string, QueryColumn<T, J>>>(
    key: K,
    op: ComparisonOperator,
    value: R[K],
  ): Self<T, R, J, Ps>
  /** A boolean `sql` fragment: ``where(sql`${Post.column('title')} @@ ${q}`)``. */
  where(condition: Sql<any>): Self<T, R, J, Ps>
  /** A fragment (or a column reference) compared with a value: `where(sql`lower(…)`, 'like', 'a%')`. */
  where<V>(
    expression: Sql<V> | ColumnRef,
    op: ComparisonOperator | PatternOperator,
    value: V | Sql<any>,
  ): Self<T, R, J, Ps>
  /** `column = value` (`IS NULL` for null). */
  where<C extends QueryColumn<T, J>>(column: C, value: Value<T, J, C> | Sql<any>): Self<T, R, J, Ps>
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: ComparisonOperator,
    value: Value<T, J, C> | Sql<any>,
  ): Self<T, R, J, Ps>
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: PatternOperator,
    pattern: string,
  ): Self<T, R, J, Ps>
  /** `"title" LIKE $1` with `$1` = `%text%` (contains), `text%`, `%text`; `%`, `_`, `\` in text escaped. */
  where<C extends QueryColumn<T, J>>(column: C, op: SearchOperator, text: string): Self<T, R, J, Ps>
  /** Array / jsonb containment and overlap: `where('labels', '@>', ['sql'])` → `"labels" @> $1`. */
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: ContainmentOperator,
    value: NonNullable<Value<T, J, C>> | Sql<any>,
  ): Self<T, R, J, Ps>
  /** `$1 = ANY(column)`: the array column holds the value. */
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: 'any',
    value: ElementOf<Value<T, J, C>>,
  ): Self<T, R, J, Ps>
  /** jsonb: `key` is a top-level key (`"meta" ? $1`). */
  where<C extends QueryColumn<T, J>>(column: C, op: '?', key: string): Self<T, R, J, Ps>
  /** jsonb: any (`?|`) / every (`?&`) key is a top-level key. */
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: KeysOperator,
    keys: readonly string[],
  ): Self<T, R, J, Ps>
  /**
   * A value given when the query runs: `where('title', placeholder('title'))`, then
   * `fetch(db, { title })`; the query renders once, whatever the value. (After the value
   * forms, so that a value typed `any` stays a value.)
   */
  where<C extends QueryColumn<T, J>, N extends string>(
    column: C,
    value: Placeholder<N>,
  ): Self<T, R, J, Ps & { [K in N]: Value<T, J, C> }>
  where<C extends QueryColumn<T, J>, N extends string>(
    column: C,
    op: ComparisonOperator | PatternOperator,
    value: Placeholder<N>,
  ): Self<T, R, J, Ps & { [K in N]: Value<T, J, C> }>
  /** `column = ANY($1)`: the list is one array parameter; or `IN (subquery)`. */
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: ListOperator,
    values: Values<T, J, C>,
  ): Self<T, R, J, Ps>
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: RangeOperator,
    range: Range<T, J, C>,
  ): Self<T, R, J, Ps>
  where(...args: unknown[]): Self<T, R, J, Ps> {
    return this.#add(false, args, 'where')
  }

  /** Like `where`, joined with OR; the condition list stays parenthesised as a whole. */
  orWhere<P extends object = NoPlaceholders>(build: Nested<T, J, P>): Self<T, R, J, Ps & P>
  /** A value the select list computes, by its key: `orWhere('comments_count', '>', 2)`. */
  orWhere<K extends Exclude<keyof R & string, QueryColumn<T, J>>>(
    key: K,
    op: ComparisonOperator,
    value: R[K],
  ): Self<T, R, J, Ps>
  /** A boolean `sql` fragment: ``orWhere(sql`${Post.column('title')} @@ ${q}`)``. */
  orWhere(condition: Sql<any>): Self<T, R, J, Ps>
  /** A fragment (or a column reference) compared with a value: `orWhere(sql`lower(…)`, 'like', 'a%')`. */
  orWhere<V>(
    expression: Sql<V> | ColumnRef,
    op: ComparisonOperator | PatternOperator,
    value: V | Sql<any>,
  ): Self<T, R, J, Ps>
  /** `column = value` (`IS NULL` for null). */
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    value: Value<T, J, C> | Sql<any>,
  ): Self<T, R, J, Ps>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: ComparisonOperator,
    value: Value<T, J, C> | Sql<any>,
  ): Self<T, R, J, Ps>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: PatternOperator,
    pattern: string,
  ): Self<T, R, J, Ps>
  /** `"title" LIKE $1` with `$1` = `%text%` (contains), `text%`, `%text`; `%`, `_`, `\` in text escaped. */
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: SearchOperator,
    text: string,
  ): Self<T, R, J, Ps>
  /** Array / jsonb containment and overlap: `orWhere('labels', '@>', ['sql'])` → `"labels" @> $1`. */
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: ContainmentOperator,
    value: NonNullable<Value<T, J, C>> | Sql<any>,
  ): Self<T, R, J, Ps>
  /** `$1 = ANY(column)`: the array column holds the value. */
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: 'any',
    value: ElementOf<Value<T, J, C>>,
  ): Self<T, R, J, Ps>
  /** jsonb: `key` is a top-level key (`"meta" ? $1`). */
  orWhere<C extends QueryColumn<T, J>>(column: C, op: '?', key: string): Self<T, R, J, Ps>
  /** jsonb: any (`?|`) / every (`?&`) key is a top-level key. */
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: KeysOperator,
    keys: readonly string[],
  ): Self<T, R, J, Ps>
  /**
   * A value given when the query runs: `orWhere('title', placeholder('title'))`, then
   * `fetch(db, { title })`; the query renders once, whatever the value. (After the value
   * forms, so that a value typed `any` stays a value.)
   */
  orWhere<C extends QueryColumn<T, J>, N extends string>(
    column: C,
    value: Placeholder<N>,
  ): Self<T, R, J, Ps & { [K in N]: Value<T, J, C> }>
  orWhere<C extends QueryColumn<T, J>, N extends string>(
    column: C,
    op: ComparisonOperator | PatternOperator,
    value: Placeholder<N>,
  ): Self<T, R, J, Ps & { [K in N]: Value<T, J, C> }>
  /** `column = ANY($1)`: the list is one array parameter; or `IN (subquery)`. */
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: ListOperator,
    values: Values<T, J, C>,
  ): Self<T, R, J, Ps>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: RangeOperator,
    range: Range<T, J, C>,
  ): Self<T, R, J, Ps>
  orWhere(...args: unknown[]): Self<T, R, J, Ps> {
    return this.#add(true, args, 'orWhere')
  }

  /** `column IS NULL` */
  whereNull(column: QueryColumn<T, J> | Sql<any>): Self<T, R, J, Ps> {
    const operand = columnOrExpression(this.#state, column, 'whereNull')
    return this.#condition({ kind: 'null', operand, negated: false })
  }

  /** `column IS NOT NULL` */
  whereNotNull(column: QueryColumn<T, J> | Sql<any>): Self<T, R, J, Ps> {
    const operand = columnOrExpression(this.#state, column, 'whereNotNull')
    return this.#condition({ kind: 'null', operand, negated: true })
  }

  /** `column = ANY($1)`, or `column IN (SELECT …)` for a subquery selecting one column. */
  whereIn<C extends QueryColumn<T, J>>(column: C, values: Values<T, J, C>): Self<T, R, J, Ps> {
    return this.#add(false, [column, 'in', values], 'whereIn')
  }

  /** `column <> ALL($1)`, or `column NOT IN (SELECT …)`. */
  whereNotIn<C extends QueryColumn<T, J>>(column: C, values: Values<T, J, C>): Self<T, R, J, Ps> {
    return this.#add(false, [column, 'not in', values], 'whereNotIn')
  }

  /**
   * Compares two columns: of this query, a joined table, or an outer query's model
   * (`Post.column('id')`, for correlated subqueries). Both sides are identifiers.
   */
  whereColumn(
    column: QueryColumn<T, J>,
    op: ComparisonOperator,
    other: QueryColumn<T, J> | ColumnRef,
  ): Self<T, R, J, Ps> {
    checkOperator(this.#state, COMPARISON_OPERATORS, op, 'whereColumn')
    const left = resolveColumn(this.#state, column, 'whereColumn')
    const right = columnOrExpression(this.#state, other, 'whereColumn')
    return this.#condition({ kind: 'compare', left, op, right })
  }

  /** `EXISTS (subquery)` */
  whereExists(subquery: Query): Self<T, R, J, Ps> {
    const query = subqueryState(this.#state, QueryBuilder.stateOf, subquery, 'whereExists')
    return this.#condition({ kind: 'exists', negated: false, query })
  }

  /** `NOT EXISTS (subquery)` */
  whereNotExists(subquery: Query): Self<T, R, J, Ps> {
    const query = subqueryState(this.#state, QueryBuilder.stateOf, subquery, 'whereNotExists')
    return this.#condition({ kind: 'exists', negated: true, query })
  }

  /**
   * `EXISTS` over the relation's rows that belong to this row (soft-deleted ones left out;
   * manyToMany through its junction), narrowed by `build`: `whereHas('tags', (q) =>
   * q.where('name', tag))`. Nestable: `build` may call whereHas itself.
   */
  whereHas<N extends RelationName<T>, P extends object = NoPlaceholders>(
    relation: N,
    build?: RelationBuild<T, N, P>,
  ): Self<T, R, J, Ps & P> {
    return this.#condition(this.#hasCondition(relation, build, false, 'whereHas'))
  }

  /** Like `whereHas`, joined with OR. */
  orWhereHas<N extends RelationName<T>, P extends object = NoPlaceholders>(
    relation: N,
    build?: RelationBuild<T, N, P>,
  ): Self<T, R, J, Ps & P> {
    return this.#condition(this.#hasCondition(relation, build, false, 'orWhereHas'), true)
  }

  /** `NOT EXISTS` over the relation's rows (see whereHas). */
  whereDoesntHave<N extends RelationName<T>, P extends object = NoPlaceholders>(
    relation: N,
    build?: RelationBuild<T, N, P>,
  ): Self<T, R, J, Ps & P> {
    return this.#condition(this.#hasCondition(relation, build, true, 'whereDoesntHave'))
  }

  /**
   * Adds the number of related rows as `<relation>_count` (or `as`), soft-deleted ones left
   * out; `where` narrows the rows counted. A correlated subquery: one round trip.
   * `withCount('favorites', { as: 'favorited_by_me', where: (q) => q.where('user_id', me) })`
   */
  withCount<
    N extends RelationName<T>,
    A extends string = `${N}_count`,
    P extends object = NoPlaceholders,
  >(
    relation: N,
    options?: RelationValueOptions<T, N, A, P>,
  ): Self<T, Flat<R & { [K in A]: number }>, J, Ps & P> {
    return this.#relationValue('withCount', relation, options, `${relation}_count`, (rows) => ({
      kind: 'subquery',
      query: {
        ...rows,
        select: [{ key: 'count', expr: { kind: 'aggregate', fn: 'count', arg: null } }],
      },
    }))
  }

  /** Adds whether any related row exists, as `<relation>_exists` (or `as`): a boolean. */
  withExists<
    N extends RelationName<T>,
    A extends string = `${N}_exists`,
    P extends object = NoPlaceholders,
  >(
    relation: N,
    options?: RelationValueOptions<T, N, A, P>,
  ): Self<T, Flat<R & { [K in A]: boolean }>, J, Ps & P> {
    return this.#relationValue('withExists', relation, options, `${relation}_exists`, (rows) => ({
      kind: 'exists',
      negated: false,
      query: rows,
    }))
  }

  /** Adds `sum(column)` of the related rows as `<relation>_sum_<column>` (or `as`). */
  withSum<
    N extends RelationName<T>,
    C extends RowColumn<RelationTarget<T, N>>,
    A extends string = `${N}_sum_${C}`,
    P extends object = NoPlaceholders,
  >(
    relation: N,
    column: C,
    options?: RelationValueOptions<T, N, A, P>,
  ): Self<T, Flat<R & { [K in A]: SumResult<RelationTarget<T, N>['row'][C]> }>, J, Ps & P> {
    return this.#relationAggregate('withSum', 'sum', relation, column, options)
  }

  /** Adds `avg(column)` of the related rows as `<relation>_avg_<column>` (or `as`). */
  withAvg<
    N extends RelationName<T>,
    C extends RowColumn<RelationTarget<T, N>>,
    A extends string = `${N}_avg_${C}`,
    P extends object = NoPlaceholders,
  >(
    relation: N,
    column: C,
    options?: RelationValueOptions<T, N, A, P>,
  ): Self<T, Flat<R & { [K in A]: SumResult<RelationTarget<T, N>['row'][C]> }>, J, Ps & P> {
    return this.#relationAggregate('withAvg', 'avg', relation, column, options)
  }

  /** Adds `min(column)` of the related rows as `<relation>_min_<column>` (or `as`). */
  withMin<
    N extends RelationName<T>,
    C extends RowColumn<RelationTarget<T, N>>,
    A extends string = `${N}_min_${C}`,
    P extends object = NoPlaceholders,
  >(
    relation: N,
    column: C,
    options?: RelationValueOptions<T, N, A, P>,
  ): Self<T, Flat<R & { [K in A]: RelationTarget<T, N>['row'][C] | null }>, J, Ps & P> {
    return this.#relationAggregate('withMin', 'min', relation, column, options)
  }

  /** Adds `max(column)` of the related rows as `<relation>_max_<column>` (or `as`). */
  withMax<
    N extends RelationName<T>,
    C extends RowColumn<RelationTarget<T, N>>,
    A extends string = `${N}_max_${C}`,
    P extends object = NoPlaceholders,
  >(
    relation: N,
    column: C,
    options?: RelationValueOptions<T, N, A, P>,
  ): Self<T, Flat<R & { [K in A]: RelationTarget<T, N>['row'][C] | null }>, J, Ps & P> {
    return this.#relationAggregate('withMax', 'max', relation, column, options)
  }

  /** `INNER JOIN "users" ON "users"."id" = "posts"."user_id"` (soft-deleted users excluded). */
  join<M extends ModelTypes>(
    model: Model<M>,
    column: QualifiedColumn<M>,
    other: QueryColumn<T, J>,
  ): Self<T, R, J | M, Ps> {
    const join = joinOf(this.#state, 'inner', model, column, other)
    return this.#with({ joins: [...this.#state.joins, join] })
  }

  /** `LEFT JOIN "users" ON …` */
  leftJoin<M extends ModelTypes>(
    model: Model<M>,
    column: QualifiedColumn<M>,
    other: QueryColumn<T, J>,
  ): Self<T, R, J | M, Ps> {
    const join = joinOf(this.#state, 'left', model, column, other)
    return this.#with({ joins: [...this.#state.joins, join] })
  }

  /** `GROUP BY` the columns, or expressions: ``groupBy(sql`date_trunc('month', …)`)``. */
  groupBy(...columns: (QueryColumn<T, J> | Sql<any>)[]): Self<T, R, J, Ps> {
    // A key of the select list (a fragment's) groups by that value, as the row shows it.
    const exprs = columns.map(
      (column) =>
        keyedValue(this.#state, column) ?? columnOrExpression(this.#state, column, 'groupBy'),
    )
    return this.#with({ groupBy: [...this.#state.groupBy, ...exprs] })
  }

  /** ``HAVING <fragment>``: ``having(sql`count(*) > ${n}`)``; several calls are ANDed. */
  having(condition: Sql<any>): Self<T, R, J, Ps>
  /** A value the select list computes, by its key: `having('comments_count', '>', 2)`. */
  having<K extends keyof R & string>(key: K, op: ComparisonOperator, value: R[K]): Self<T, R, J, Ps>
  /** `HAVING count(*) > $1`; several calls are ANDed. */
  having(
    fn: AggregateFunction,
    column: QueryColumn<T, J> | '*',
    op: ComparisonOperator,
    value: number | bigint | string,
  ): Self<T, R, J, Ps>
  having(...args: unknown[]): Self<T, R, J, Ps> {
    const fragment = args.length === 1 ? expressionOf(args[0]) : null
    let condition: Expr
    if (fragment) condition = fragment
    else if (args.length === 3) {
      const [key, op, value] = args as [string, string, unknown]
      checkOperator(this.#state, COMPARISON_OPERATORS, op, 'having')
      const left = keyedValue(this.#state, key) ?? resolveColumn(this.#state, key, 'having')
      const right = expressionOf(value) ?? { kind: 'value' as const, value, column: null }
      condition = { kind: 'compare', left, op, right }
    } else {
      const [fn, column, op, value] = args as [AggregateFunction, string, string, unknown]
      checkOperator(this.#state, COMPARISON_OPERATORS, op, 'having')
      const left = aggregateOf(this.#state, fn, column, 'having')
      const right = expressionOf(value) ?? { kind: 'value' as const, value, column: null }
      condition = { kind: 'compare', left, op, right }
    }
    return this.#with({ having: [...this.#state.having, { or: false, condition }] })
  }

  /** `ORDER BY column ASC|DESC [NULLS FIRST|LAST]`; also a selected aggregate's alias or a key of select({ key: column }). */
  orderBy(
    column: QueryColumn<T, J> | (keyof R & string) | Sql<any>,
    direction: 'asc' | 'desc' = 'asc',
    nulls?: 'first' | 'last',
  ): Self<T, R, J, Ps> {
    checkOrder(this.#state, direction, nulls)
    const { by, key } = orderTarget(this.#state, column)
    const order: Order = { by, key, direction, nulls: nulls ?? null }
    return this.#with({ orderBy: [...this.#state.orderBy, order] })
  }

  /** `LIMIT $n` */
  limit(count: number): Self<T, R, J, Ps> {
    return this.#with({ limit: countArgument(this.#state, count, 'limit') })
  }

  /** `OFFSET $n` */
  offset(count: number): Self<T, R, J, Ps> {
    return this.#with({ offset: countArgument(this.#state, count, 'offset') })
  }

  /**
   * `FOR UPDATE`: the rows fetched stay locked until the transaction ends. With
   * `{ skipLocked: true }` rows another transaction holds are skipped (a job queue), with
   * `{ noWait: true }` the statement fails at once; `{ of: [Model] }` locks only those rows.
   */
  forUpdate(options?: LockOptions): Self<T, R, J, Ps> {
    return this.#with({ lock: lockOf(this.#state, 'UPDATE', options, 'forUpdate') })
  }

  /** `FOR NO KEY UPDATE`: like forUpdate, but inserts referencing the rows are not blocked. */
  forNoKeyUpdate(options?: LockOptions): Self<T, R, J, Ps> {
    return this.#with({ lock: lockOf(this.#state, 'NO KEY UPDATE', options, 'forNoKeyUpdate') })
  }

  /** `FOR SHARE`: the rows cannot change until the transaction ends; others may share it. */
  forShare(options?: LockOptions): Self<T, R, J, Ps> {
    return this.#with({ lock: lockOf(this.#state, 'SHARE', options, 'forShare') })
  }

  /** `FOR KEY SHARE`: the rows' keys cannot change or be deleted until the transaction ends. */
  forKeyShare(options?: LockOptions): Self<T, R, J, Ps> {
    return this.#with({ lock: lockOf(this.#state, 'KEY SHARE', options, 'forKeyShare') })
  }

  /**
   * `(this) UNION (other)`: the rows of both, duplicates removed, as a new query over them —
   * orderBy, limit, where and includes called afterwards apply to the whole. Both must be on
   * the same model and select the same values.
   */
  union<P2 extends object>(other: SameQuery<T, R, P2>): Self<T, R, never, Ps & P2> {
    return this.#combine(other, 'UNION', 'union')
  }

  /** `(this) UNION ALL (other)`: like union, duplicates kept. */
  unionAll<P2 extends object>(other: SameQuery<T, R, P2>): Self<T, R, never, Ps & P2> {
    return this.#combine(other, 'UNION ALL', 'unionAll')
  }

  /** `(this) INTERSECT (other)`: the rows both give. */
  intersect<P2 extends object>(other: SameQuery<T, R, P2>): Self<T, R, never, Ps & P2> {
    return this.#combine(other, 'INTERSECT', 'intersect')
  }

  /** `(this) EXCEPT (other)`: this query's rows that `other` does not give. */
  except<P2 extends object>(other: SameQuery<T, R, P2>): Self<T, R, never, Ps & P2> {
    return this.#combine(other, 'EXCEPT', 'except')
  }

  /**
   * Reads the rows of `WITH "name" AS (query)` instead of the table: `query` is a query of
   * the same model giving whole rows; this query's conditions, order and includes apply to them.
   */
  with<P2 extends object>(
    name: string,
    query: QueryBuilder<T, T['row'], any, P2>,
  ): Self<T, R, J, Ps & P2> {
    const cte = subqueryState(this.#state, QueryBuilder.stateOf, query, 'with')
    return new QueryBuilder(Object.freeze(withSource(this.#state, name, cte, 'with'))) as any
  }

  /**
   * Reads the rows of `WITH RECURSIVE "name" AS (base UNION step)`: the `base` rows, then
   * repeatedly the rows `step` joins to the rows found so far, which it names through
   * `self.column(…)`: a walk down a tree is
   * `withRecursive('tree', Category.query().where('id', root), (q, tree) =>
   * q.whereColumn('parent_id', '=', tree.column('id')))`. UNION stops at a cycle;
   * `{ all: true }` keeps duplicates (UNION ALL).
   */
  withRecursive<P2 extends object, P3 extends object = NoPlaceholders>(
    name: string,
    base: QueryBuilder<T, T['row'], any, P2>,
    step: (q: QueryBuilder<T>, self: CteColumns<T>) => QueryBuilder<T, T['row'], any, P3>,
    options?: { readonly all?: boolean },
  ): Self<T, R, J, Ps & P2 & P3> {
    const operation = 'withRecursive'
    const state = this.#state
    const info = state.runtime.info
    if (typeof step !== 'function') {
      throw usageError(
        { model: info.modelName, operation },
        'the step of withRecursive must be a function building the recursive query',
        "Pass (q, self) => q.whereColumn('parent_id', '=', self.column('id')).",
      )
    }
    const self: CteColumns<T> = {
      column: (column) => new ColumnRef(String(name), requireColumn(info, column, operation)),
    }
    const first = subqueryState(state, QueryBuilder.stateOf, base, operation)
    const next = subqueryState(
      state,
      QueryBuilder.stateOf,
      step(QueryBuilder.from<T>(state.runtime), self),
      operation,
    )
    onlyOptions(options, ['all'], { model: info.modelName, operation })
    const all = flag(options, 'all', { model: info.modelName, operation })
    return new QueryBuilder(
      Object.freeze(withRecursiveSource(state, name, first, next, all, operation)),
    ) as any
  }

  /**
   * Lets conditions, order, grouping and aggregates name `redacted: true` columns as strings
   * (`where('token_hash', hash)`): only for names the code chose, never one from a request.
   * Selecting a redacted column by name needs no opt-in; `Model.column()` needs none either.
   */
  allowRedacted(): Self<T, R, J, Ps> {
    return this.#with({ redacted: true })
  }

  /** Soft-deleted rows too (no `deleted_at IS NULL` filter). */
  withDeleted(): Self<T, R, J, Ps> {
    return this.#with({ deleted: 'include' })
  }

  /** Only soft-deleted rows (`deleted_at IS NOT NULL`). */
  onlyDeleted(): Self<T, R, J, Ps> {
    return this.#with({ deleted: 'only' })
  }

  /**
   * Loads a relation into each row, in the same statement (docs/RELATIONSHIPS.md):
   * `include('comments', q => q.where('approved', true).orderBy('created_at').limit(5))`.
   */
  include<
    N extends RelationName<T>,
    R2 = RelationTarget<T, N>['row'],
    P extends object = NoPlaceholders,
  >(
    name: N,
    build?: (q: QueryBuilder<RelationTarget<T, N>>) => Query<R2> & Parameterized<P>,
  ): Self<T, R & { [K in N]: RelationResult<T['relations'][N], R2> }, J, Ps & P> {
    refuseDistinctIncludes(this.#state, this.#state.distinct, true)
    if (build !== undefined && typeof build !== 'function') {
      throw usageError(
        { model: this.#state.runtime.info.modelName, operation: 'include' },
        `the second argument of include must be a function building the related query, got ${typeof build}`,
        `Pass e.g. include('${name}', (q) => q.where(…).orderBy(…)).`,
      )
    }
    const include = includeOf(this.#state, name, (target) => {
      const nested = QueryBuilder.from<RelationTarget<T, N>>(target)
      return subqueryState(
        this.#state,
        QueryBuilder.stateOf,
        build ? build(nested) : nested,
        'include',
      )
    })
    return this.#with({ includes: [...this.#state.includes, include] })
  }

  /** The SQL and values `fetch` runs. */
  toSQL(): Statement {
    this.#statement ??= selectStatement(this.#state)
    return this.#statement
  }

  /** The rows. */
  async fetch(db: Executor, ...params: Params<Ps>): Promise<R[]> {
    const state = this.#state
    const { rows } = await runStatement(db, state, 'fetch', this.toSQL(), params[0])
    return (state.includes.length ? rows.map((row) => decodeIncludes(state, row)) : rows) as R[]
  }

  /** The first row, or null. */
  async first(db: Executor, ...params: Params<Ps>): Promise<R | null> {
    // Kept with the builder: a query kept in a const renders its first() once too.
    const first: QueryBuilder<T, R, J, Ps> =
      this.#first ?? this.#with({ limit: Math.min(this.#state.limit ?? 1, 1) })
    this.#first = first
    return ((await first.fetch(db, ...params)) as R[])[0] ?? null
  }

  /** How many rows the query matches (includes and order ignored). */
  async count(db: Executor, ...params: Params<Ps>): Promise<number> {
    refuseLocked(this.#state, 'count')
    const statement = countStatement(this.#state)
    const { rows } = await runStatement(db, this.#state, 'count', statement, params[0])
    return Number(rows[0]?.count ?? 0)
  }

  /** `SELECT EXISTS (…)` */
  async exists(db: Executor, ...params: Params<Ps>): Promise<boolean> {
    const statement = existsStatement(this.#state)
    const { rows } = await runStatement(db, this.#state, 'exists', statement, params[0])
    return rows[0]?.exists === true
  }

  /** One column's values, in the query's order. */
  async pluck<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<Value<T, J, C>[]> {
    const expr = resolveColumn(this.#state, column, 'pluck')
    const kept = orderedItems(this.#state)
    // The plucked column takes another key when an ordered value already has its name.
    const key = unusedKey(kept, expr.column.name)
    const select = [...kept, { key, expr }]
    const state = nodeWith(this.#state, { select, extras: [], includes: [] })
    const { rows } = await runStatement(db, state, 'pluck', selectStatement(state))
    return rows.map((row) => row[key]) as Value<T, J, C>[]
  }

  /** `sum(column)`: a number for number columns, an exact string for bigint / numeric. */
  sum<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<SumResult<Value<T, J, C>>> {
    return this.#aggregate(db, 'sum', column)
  }

  /** `avg(column)`: a number for number columns, an exact string for bigint / numeric. */
  avg<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<SumResult<Value<T, J, C>>> {
    return this.#aggregate(db, 'avg', column)
  }

  /** `min(column)`, decoded like the column; null over no rows. */
  min<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<Value<T, J, C> | null> {
    return this.#aggregate(db, 'min', column)
  }

  /** `max(column)`, decoded like the column; null over no rows. */
  max<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<Value<T, J, C> | null> {
    return this.#aggregate(db, 'max', column)
  }

  /** A page (1-based) and the total count: `{ rows, total, page, perPage, pages }`. */
  async paginate(
    db: Executor,
    page: number,
    perPage: number,
    ...params: Params<Ps>
  ): Promise<Page<R>> {
    const size = Math.max(1, countArgument(this.#state, perPage, 'paginate'))
    const current = Math.max(1, countArgument(this.#state, page, 'paginate'))
    // The count locks nothing: the lock is for the rows fetched.
    const total = await this.#with({ limit: null, offset: null, lock: null }).count(db, ...params)
    const rows = await this.limit(size)
      .offset(pageOffset(this.#state, current, size))
      .fetch(db, ...params)
    return { rows, total, page: current, perPage: size, pages: Math.ceil(total / size) }
  }

  /**
   * A page by keyset: `{ rows, next, prev }`, where `next` / `prev` are opaque cursors (null
   * at either end) passed back as `after` / `before`. The order must be set (orderBy); the
   * primary key is added as a tie-breaker when the order is not unique. See docs/QUERY.md.
   */
  async cursorPaginate(
    db: Executor,
    options: CursorOptions,
    ...params: Params<Ps>
  ): Promise<CursorPage<R>> {
    const plan = cursorPlan(this.#state, options)
    const rows = await this.#with(plan.patch).fetch(db, ...params)
    return plan.finish(rows as Record<string, unknown>[]) as CursorPage<R>
  }

  /** `UPDATE … SET … WHERE <conditions>`; the number of rows updated. */
  async update(
    db: Executor,
    data: Writable<T['update']>,
    options: AllRowsOption = {},
  ): Promise<number> {
    const state = mutableState(this.#state, 'update', options)
    const { columns, values } = updateColumns(state.runtime.info, data, 'query.update')
    if (columns.length === 0) {
      const context = { model: state.runtime.info.modelName, operation: 'query.update' }
      throw usageError(context, 'nothing to update', 'Pass at least one column value.')
    }
    const exprs = values.map(
      (value, i): Expr => expressionOf(value) ?? { kind: 'value', value, column: columns[i]! },
    )
    const statement = updateStatement(state, columns, exprs, false)
    return (await runStatement(db, state, 'update', statement)).rowCount
  }

  /** `DELETE FROM … WHERE …`: a hard delete, also on soft-delete tables; rows deleted. */
  async delete(db: Executor, options: AllRowsOption = {}): Promise<number> {
    const state = mutableState(this.#state, 'delete', options)
    return (await runStatement(db, state, 'delete', deleteStatement(state))).rowCount
  }

  /** `UPDATE … SET "deleted_at" = CURRENT_TIMESTAMP WHERE …`; rows soft-deleted. */
  async softDelete(db: Executor, options: AllRowsOption = {}): Promise<number> {
    const state = mutableState(this.#state, 'softDelete', options)
    const statement = softDeleteStatement(state, false)
    return (await runStatement(db, state, 'softDelete', statement)).rowCount
  }

  #add(or: boolean, args: unknown[], operation: string): any {
    if (args.length === 1 && typeof args[0] === 'function') {
      const scoped = new QueryBuilder(
        nodeWith(emptyQuery(this.#state.runtime), { joins: this.#state.joins }),
      )
      const inner = subqueryState(this.#state, QueryBuilder.stateOf, args[0](scoped), operation)
      if (inner.where.length === 0) return this
      return this.#condition({ kind: 'logical', clauses: inner.where }, or)
    }
    const stateOf = QueryBuilder.stateOf
    return this.#condition(parseCondition(this.#state, args, operation, stateOf), or)
  }

  /** The related rows of `relation`, narrowed by the query `build` makes on its model. */
  #relationRows(
    relation: string,
    build: unknown,
    operation: string,
    what = 'the second argument',
    example = `${operation}('${relation}', (q) => q.where(…))`,
  ): QueryNode {
    const found = relationOf(this.#state, relation, operation)
    if (build !== undefined && typeof build !== 'function') {
      throw usageError(
        { model: this.#state.runtime.info.modelName, operation },
        `${what} of ${operation} must be a function building the related query, got ${typeof build}`,
        `Pass e.g. ${example}.`,
      )
    }
    const start = QueryBuilder.from<any>(found.target)
    const nested = build
      ? subqueryState(
          this.#state,
          QueryBuilder.stateOf,
          (build as (q: any) => unknown)(start),
          operation,
        )
      : emptyQuery(found.target)
    if (nested.source) {
      throw usageError(
        { model: this.#state.runtime.info.modelName, operation },
        `the query built for relation "${relation}" cannot read from a union or a CTE`,
        'Narrow the related rows with where / whereIn (a subquery may use union).',
      )
    }
    if (nested.runtime !== found.target) {
      throw usageError(
        { model: this.#state.runtime.info.modelName, operation },
        `the query built for relation "${relation}" is on table ${nested.runtime.info.table.name}, not ${found.target.info.table.name}`,
        'Build on the query the callback receives.',
      )
    }
    return relationRows(this.#state, found, nested, operation)
  }

  #hasCondition(relation: string, build: unknown, negated: boolean, operation: string): Expr {
    return { kind: 'exists', negated, query: this.#relationRows(relation, build, operation) }
  }

  #relationValue(
    operation: string,
    relation: string,
    options: RelationValueOptions<any, any, any> | undefined,
    key: string,
    value: (rows: QueryNode) => Expr,
  ): any {
    refuseValueOptions(this.#state, options, relation, operation)
    const as = ownValue(options, 'as')
    const rows = this.#relationRows(
      relation,
      ownValue(options, 'where'),
      operation,
      'the where option',
      `${operation}('${relation}', { where: (q) => q.where(…) })`,
    )
    const item = { key: as === undefined ? key : (as as string), expr: value(rows) }
    return this.#with({ extras: extrasWith(this.#state, item, operation) })
  }

  #relationAggregate(
    operation: string,
    fn: AggregateFunction,
    relation: string,
    column: string,
    options: RelationValueOptions<any, any, any> | undefined,
  ): any {
    const target = relationOf(this.#state, relation, operation).target
    const arg = resolveColumn(emptyQuery(target), column, operation)
    return this.#relationValue(
      operation,
      relation,
      options,
      `${relation}_${fn}_${column}`,
      (rows) => ({
        kind: 'subquery',
        query: nodeWith(rows, { select: [{ key: 'value', expr: { kind: 'aggregate', fn, arg } }] }),
      }),
    )
  }

  #combine(other: unknown, op: SetOperator, operation: string): any {
    const right = subqueryState(this.#state, QueryBuilder.stateOf, other, operation)
    return new QueryBuilder(Object.freeze(setOperation(this.#state, right, op, operation)))
  }

  #condition(condition: Expr, or = false): any {
    const where = this.#state.where
    if (where.length >= maxConditions) {
      throw usageError(
        { model: this.#state.runtime.info.modelName, operation: or ? 'orWhere' : 'where' },
        `a query holds at most ${maxConditions} conditions in one list`,
        "Pass a long list of values as one array: where(column, 'in', values) binds one parameter.",
      )
    }
    return this.#with({ where: [...where, { or, condition }] })
  }

  async #aggregate(db: Executor, fn: AggregateFunction, column: string): Promise<any> {
    refuseLocked(this.#state, fn)
    const statement = aggregateStatement(this.#state, aggregateOf(this.#state, fn, column, fn))
    const { rows } = await runStatement(db, this.#state, fn, statement)
    return rows[0]?.value ?? null
  }
}

/**
 * The options of withCount, withExists and the with<Aggregate> calls: an object with `as`
 * and `where`, nothing else. A function in their place (the form include and whereHas take)
 * or a misspelt key would otherwise be read as no options: every related row counted.
 */
function refuseValueOptions(
  state: QueryNode,
  options: unknown,
  relation: string,
  operation: string,
): void {
  if (options === undefined) return
  const context = { model: state.runtime.info.modelName, operation }
  const example = `${operation}('${relation}', { where: (q) => q.where(…), as: '…' })`
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw usageError(
      context,
      `the options of ${operation} must be an object { where, as }, got ${typeof options === 'function' ? 'a function' : Array.isArray(options) ? 'an array' : String(options)}`,
      `Pass e.g. ${example}.`,
    )
  }
  for (const key of Object.keys(options)) {
    if (key !== 'as' && key !== 'where') {
      throw usageError(
        context,
        `${operation} has no option "${key}" (its options are where and as)`,
        `Pass e.g. ${example}.`,
      )
    }
  }
  const as = ownValue(options, 'as')
  if (as !== undefined && typeof as !== 'string') {
    throw usageError(
      context,
      `the as option of ${operation} must be a string`,
      `Pass e.g. ${example}.`,
    )
  }
}

/**
 * Conditions in one list (a query's where, or a group's). Each call copies the list (the
 * builder is immutable), so building n conditions costs n²/2 copies: 10,000 build in about
 * 0.2 s, while at twice that V8 moves the lists to its large-object space and the same loop
 * takes 30 s. Long lists belong in one `in` array anyway.
 */
const maxConditions = 10_000

/**
 * What an orderBy names: an expression; a key of the select list that is not a column under
 * its own name (an aggregate's alias, a renamed column, a fragment); else a column.
 */
function orderTarget(state: QueryNode, column: unknown): { by: Expr; key: string | null } {
  const expr = expressionOf(column)
  if (expr) return { by: expr, key: null }
  const item = selectedValue(state, column)
  if (item && !(item.expr.kind === 'column' && item.expr.column.name === item.key)) {
    // A renamed column orders by the column; anything else by its select-list alias.
    return item.expr.kind === 'column'
      ? { by: item.expr, key: null }
      : { by: item.expr, key: item.key }
  }
  return { by: resolveColumn(state, column as string, 'orderBy'), key: null }
}

/**
 * DISTINCT compares whole rows, and an included relation is JSON, which has no equality:
 * PostgreSQL would refuse the statement. Said here, before any SQL runs.
 */
function refuseDistinctIncludes(state: QueryNode, distinct: boolean, includes: boolean): void {
  if (!distinct || !includes) return
  throw usageError(
    { model: state.runtime.info.modelName, operation: 'distinct' },
    'distinct() and include() cannot be combined (an included relation is JSON, which DISTINCT cannot compare)',
    'Filter with whereHas instead, or make the include itself distinct: include(name, (q) => q.distinct()).',
  )
}

/** An aggregate locks no rows, and PostgreSQL refuses FOR UPDATE with one: said here. */
function refuseLocked(state: QueryNode, operation: string): void {
  if (!state.lock) return
  throw usageError(
    { model: state.runtime.info.modelName, operation },
    `${operation}() of a query with FOR ${state.lock.strength} locks nothing (PostgreSQL refuses a lock with an aggregate)`,
    'Fetch the rows to lock them, or drop the lock for the count.',
  )
}
