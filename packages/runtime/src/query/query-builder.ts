import type { Executor } from '../executor/driver.ts'
import { updateColumns } from '../model/input-columns.ts'
import { type ModelRuntime, runtimeOf } from '../model/model-runtime.ts'
import type { Model, ModelTypes } from '../model/model-types.ts'
import { usageError } from '../model/usage-error.ts'
import { isColumnRef } from './column-ref.ts'
import { parseCondition } from './condition-input.ts'
import { COMPARISON_OPERATORS } from './condition-sql.ts'
import { decodeIncludes } from './json-row-decoder.ts'
import {
  deleteWhereStatement,
  softDeleteWhereStatement,
  updateWhereStatement,
} from './mutation-sql.ts'
import { runStatement } from './query-run.ts'
import type {
  AggregateFunction as AggregateFn,
  ColumnRef,
  Condition,
  QueryState,
} from './query-state.ts'
import { emptyState } from './query-state.ts'
import type {
  AggregateFunction,
  AggregateResult,
  AllRowsOption,
  ColumnValue,
  ComparisonOperator,
  ListOperator,
  Page,
  PatternOperator,
  QualifiedColumn,
  QueryColumn,
  RangeOperator,
  RelationName,
  RelationResult,
  RelationTarget,
  Selected,
  SumResult,
} from './query-types.ts'
import { resolveColumn } from './resolve-column.ts'
import {
  aggregateStatement,
  countStatement,
  existsStatement,
  type Statement,
  selectStatement,
} from './select-sql.ts'

type Nested<M extends ModelTypes, J extends ModelTypes> = (
  q: QueryBuilder<M, M['row'], J>,
) => QueryBuilder<M, any, J>
type AnyQuery = QueryBuilder<any, any, any>

/**
 * A query on one model, typed by its columns. Every method returns a new builder (the
 * builder is immutable), every value is a bound parameter and every identifier comes from
 * the schema, quoted.
 *
 * ```ts
 * await Post.query().where('view_count', '>', 10).orderBy('created_at', 'desc').limit(20).fetch(db)
 * // SELECT "posts"."id", … FROM "posts" WHERE "posts"."deleted_at" IS NULL
 * //   AND "posts"."view_count" > $1 ORDER BY "posts"."created_at" DESC LIMIT $2
 * ```
 */
export class QueryBuilder<T extends ModelTypes, R = T['row'], J extends ModelTypes = never> {
  readonly #state: QueryState

  private constructor(state: QueryState) {
    this.#state = Object.freeze(state)
  }

  /** @internal A new query on a model (Model.query() calls this). */
  static from<T extends ModelTypes>(runtime: ModelRuntime): QueryBuilder<T> {
    return new QueryBuilder(emptyState(runtime))
  }

  /** @internal The state of a builder, or null for any other value. */
  static stateOf(value: unknown): QueryState | null {
    return value instanceof QueryBuilder ? value.#state : null
  }

  #with(patch: Partial<QueryState>): any {
    return new QueryBuilder({ ...this.#state, ...patch })
  }

  #fail(operation: string, problem: string, hint: string): never {
    throw usageError({ model: this.#state.runtime.info.modelName, operation }, problem, hint)
  }

  /** `SELECT "posts"."id", "posts"."title"`: only these columns; rows narrow to them. */
  select<C extends QueryColumn<T, J>>(...columns: C[]): QueryBuilder<T, Selected<T, J, C>, J> {
    const items = columns.map((name) => ({
      kind: 'column' as const,
      target: resolveColumn(this.#state, name, 'select'),
    }))
    return this.#with({ select: [...(this.#state.select ?? []), ...items] })
  }

  /**
   * Adds `count(*)::integer AS "alias"` (or sum / avg / min / max of a column) to the select
   * list, for groupBy queries. count is a number; sum/avg see `SumResult`.
   */
  selectAggregate<F extends AggregateFunction, C extends QueryColumn<T, J> | '*', A extends string>(
    fn: F,
    column: C,
    alias: A,
  ): QueryBuilder<T, R & { [P in A]: AggregateResult<F, ColumnValue<T, J, C>> }, J> {
    const aggregate = this.#aggregate(fn, column, 'selectAggregate')
    const item = { kind: 'aggregate' as const, aggregate, alias }
    return this.#with({ select: [...(this.#state.select ?? []), item] })
  }

  /** `SELECT DISTINCT`. */
  distinct(): QueryBuilder<T, R, J> {
    return this.#with({ distinct: true })
  }

  /** Grouped conditions: `where(q => q.where(a).orWhere(b))` → `AND (a OR b)`. */
  where(build: Nested<T, J>): QueryBuilder<T, R, J>
  /** `column = value` (`IS NULL` for null). */
  where<C extends QueryColumn<T, J>>(column: C, value: ColumnValue<T, J, C>): QueryBuilder<T, R, J>
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: ComparisonOperator,
    value: ColumnValue<T, J, C>,
  ): QueryBuilder<T, R, J>
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: PatternOperator,
    pattern: string,
  ): QueryBuilder<T, R, J>
  /** `column = ANY($1)` with the list as one array parameter, or `IN (subquery)`. */
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: ListOperator,
    values: readonly NonNullable<ColumnValue<T, J, C>>[] | AnyQuery,
  ): QueryBuilder<T, R, J>
  where<C extends QueryColumn<T, J>>(
    column: C,
    op: RangeOperator,
    range: readonly [NonNullable<ColumnValue<T, J, C>>, NonNullable<ColumnValue<T, J, C>>],
  ): QueryBuilder<T, R, J>
  where(...args: unknown[]): QueryBuilder<T, R, J> {
    return this.#add(false, args, 'where')
  }

  /** Like `where`, joined with OR; the whole condition list stays parenthesised. */
  orWhere(build: Nested<T, J>): QueryBuilder<T, R, J>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    value: ColumnValue<T, J, C>,
  ): QueryBuilder<T, R, J>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: ComparisonOperator,
    value: ColumnValue<T, J, C>,
  ): QueryBuilder<T, R, J>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: PatternOperator,
    pattern: string,
  ): QueryBuilder<T, R, J>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: ListOperator,
    values: readonly NonNullable<ColumnValue<T, J, C>>[] | AnyQuery,
  ): QueryBuilder<T, R, J>
  orWhere<C extends QueryColumn<T, J>>(
    column: C,
    op: RangeOperator,
    range: readonly [NonNullable<ColumnValue<T, J, C>>, NonNullable<ColumnValue<T, J, C>>],
  ): QueryBuilder<T, R, J>
  orWhere(...args: unknown[]): QueryBuilder<T, R, J> {
    return this.#add(true, args, 'orWhere')
  }

  /** `column IS NULL` */
  whereNull(column: QueryColumn<T, J>): QueryBuilder<T, R, J> {
    return this.#condition(false, {
      kind: 'null',
      target: resolveColumn(this.#state, column, 'whereNull'),
      negated: false,
    })
  }

  /** `column IS NOT NULL` */
  whereNotNull(column: QueryColumn<T, J>): QueryBuilder<T, R, J> {
    return this.#condition(false, {
      kind: 'null',
      target: resolveColumn(this.#state, column, 'whereNotNull'),
      negated: true,
    })
  }

  /** `column = ANY($1)`, or `column IN (SELECT …)` for a subquery selecting one column. */
  whereIn<C extends QueryColumn<T, J>>(
    column: C,
    values: readonly NonNullable<ColumnValue<T, J, C>>[] | AnyQuery,
  ): QueryBuilder<T, R, J> {
    return this.#add(false, [column, 'in', values], 'whereIn')
  }

  /** `column <> ALL($1)`, or `column NOT IN (SELECT …)`. */
  whereNotIn<C extends QueryColumn<T, J>>(
    column: C,
    values: readonly NonNullable<ColumnValue<T, J, C>>[] | AnyQuery,
  ): QueryBuilder<T, R, J> {
    return this.#add(false, [column, 'not in', values], 'whereNotIn')
  }

  /**
   * Compares two columns: one of this query and another of this query, a joined table, or
   * an outer query's model (`Post.column('id')`, for correlated subqueries).
   */
  whereColumn(
    column: QueryColumn<T, J>,
    op: ComparisonOperator,
    other: QueryColumn<T, J> | ColumnRef,
  ): QueryBuilder<T, R, J> {
    if (!COMPARISON_OPERATORS.has(op))
      this.#fail(
        'whereColumn',
        `unknown operator ${JSON.stringify(op)}`,
        'Use =, <>, <, <=, > or >=.',
      )
    const left = resolveColumn(this.#state, column, 'whereColumn')
    const right = isColumnRef(other) ? other : resolveColumn(this.#state, other, 'whereColumn')
    return this.#condition(false, { kind: 'columns', left, op, right })
  }

  /** `EXISTS (subquery)` */
  whereExists(subquery: AnyQuery): QueryBuilder<T, R, J> {
    return this.#condition(false, { kind: 'exists', negated: false, query: subquery.#state })
  }

  /** `NOT EXISTS (subquery)` */
  whereNotExists(subquery: AnyQuery): QueryBuilder<T, R, J> {
    return this.#condition(false, { kind: 'exists', negated: true, query: subquery.#state })
  }

  /** `INNER JOIN "users" ON "users"."id" = "posts"."user_id"` (soft-deleted users excluded). */
  join<M extends ModelTypes>(
    model: Model<M>,
    column: QualifiedColumn<M>,
    other: QueryColumn<T, J>,
  ): QueryBuilder<T, R, J | M> {
    return this.#join('inner', model, column, other)
  }

  /** `LEFT JOIN "users" ON …` */
  leftJoin<M extends ModelTypes>(
    model: Model<M>,
    column: QualifiedColumn<M>,
    other: QueryColumn<T, J>,
  ): QueryBuilder<T, R, J | M> {
    return this.#join('left', model, column, other)
  }

  /** `GROUP BY` the columns. */
  groupBy(...columns: QueryColumn<T, J>[]): QueryBuilder<T, R, J> {
    const targets = columns.map((column) => resolveColumn(this.#state, column, 'groupBy'))
    return this.#with({ groupBy: [...this.#state.groupBy, ...targets] })
  }

  /** `HAVING count(*) > $1`; several calls are ANDed. */
  having(
    fn: AggregateFunction,
    column: QueryColumn<T, J> | '*',
    op: ComparisonOperator,
    value: number | bigint | string,
  ): QueryBuilder<T, R, J> {
    if (!COMPARISON_OPERATORS.has(op))
      this.#fail('having', `unknown operator ${JSON.stringify(op)}`, 'Use =, <>, <, <=, > or >=.')
    const left = this.#aggregate(fn, column, 'having')
    const clause = { or: false, condition: { kind: 'compare' as const, left, op, value } }
    return this.#with({ having: [...this.#state.having, clause] })
  }

  /** `ORDER BY column ASC|DESC [NULLS FIRST|LAST]`; also a selected aggregate's alias. */
  orderBy(
    column: QueryColumn<T, J> | (keyof R & string),
    direction: 'asc' | 'desc' = 'asc',
    nulls?: 'first' | 'last',
  ): QueryBuilder<T, R, J> {
    if (direction !== 'asc' && direction !== 'desc')
      this.#fail(
        'orderBy',
        `unknown direction ${JSON.stringify(direction)}`,
        "Use 'asc' or 'desc'.",
      )
    if (nulls !== undefined && nulls !== 'first' && nulls !== 'last')
      this.#fail('orderBy', `unknown nulls ${JSON.stringify(nulls)}`, "Use 'first' or 'last'.")
    const alias = this.#state.select?.some(
      (item) => item.kind === 'aggregate' && item.alias === column,
    )
    const by = alias ? (column as string) : resolveColumn(this.#state, column, 'orderBy')
    return this.#with({
      orderBy: [...this.#state.orderBy, { by, direction, nulls: nulls ?? null }],
    })
  }

  /** `LIMIT $n` */
  limit(count: number): QueryBuilder<T, R, J> {
    return this.#with({ limit: this.#count(count, 'limit') })
  }

  /** `OFFSET $n` */
  offset(count: number): QueryBuilder<T, R, J> {
    return this.#with({ offset: this.#count(count, 'offset') })
  }

  /** Soft-deleted rows too (no `deleted_at IS NULL` filter). */
  withDeleted(): QueryBuilder<T, R, J> {
    return this.#with({ deleted: 'include' })
  }

  /** Only soft-deleted rows (`deleted_at IS NOT NULL`). */
  onlyDeleted(): QueryBuilder<T, R, J> {
    return this.#with({ deleted: 'only' })
  }

  /**
   * Loads a relation into each row, in the same statement (see docs/RELATIONSHIPS.md):
   * `include('comments', q => q.where('approved', true).orderBy('created_at').limit(5))`.
   */
  include<N extends RelationName<T>, R2 = RelationTarget<T, N>['row']>(
    name: N,
    build?: (q: QueryBuilder<RelationTarget<T, N>>) => QueryBuilder<RelationTarget<T, N>, R2, any>,
  ): QueryBuilder<T, R & { [P in N]: RelationResult<T['relations'][N], R2> }, J> {
    const info = this.#state.runtime.info
    const relation = info.table.relations.find((candidate) => candidate.name === name)
    if (!relation) {
      const names = info.table.relations.map((candidate) => candidate.name)
      this.#fail(
        'include',
        `table ${info.table.name} has no relation "${name}"`,
        names.length
          ? `Use one of: ${names.join(', ')}.`
          : 'Declare it in the schema (belongsTo, hasOne, hasMany, manyToMany).',
      )
    }
    const table =
      relation.kind === 'belongsTo'
        ? relation.referencesTable
        : relation.kind === 'manyToMany'
          ? relation.targetTable
          : relation.foreignTable
    const target = this.#state.runtime.model(table)
    if (!target)
      this.#fail(
        'include',
        `relation "${name}" targets table ${table}, which has no model`,
        'Define every related table in the same defineModels call.',
      )
    const nested = QueryBuilder.from<any>(target)
    const query = build ? build(nested).#state : nested.#state
    return this.#with({ includes: [...this.#state.includes, { relation, query }] })
  }

  /** The SQL and values `fetch` would run. */
  toSQL(): Statement {
    return selectStatement(this.#state)
  }

  /** The rows. */
  async fetch(db: Executor): Promise<R[]> {
    const { rows } = await runStatement(db, this.#state, 'fetch', selectStatement(this.#state))
    const state = this.#state
    return (state.includes.length ? rows.map((row) => decodeIncludes(state, row)) : rows) as R[]
  }

  /** The first row, or null. */
  async first(db: Executor): Promise<R | null> {
    const rows = await this.limit(1).fetch(db)
    return rows[0] ?? null
  }

  /** How many rows the query matches (ignoring includes and order). */
  async count(db: Executor): Promise<number> {
    const { rows } = await runStatement(db, this.#state, 'count', countStatement(this.#state))
    return Number(rows[0]?.count ?? 0)
  }

  /** `SELECT EXISTS (…)` */
  async exists(db: Executor): Promise<boolean> {
    const { rows } = await runStatement(db, this.#state, 'exists', existsStatement(this.#state))
    return rows[0]?.exists === true
  }

  /** One column's values, in the query's order. */
  async pluck<C extends QueryColumn<T, J>>(
    db: Executor,
    column: C,
  ): Promise<ColumnValue<T, J, C>[]> {
    const target = resolveColumn(this.#state, column, 'pluck')
    const state = { ...this.#state, select: [{ kind: 'column' as const, target }], includes: [] }
    const { rows } = await runStatement(db, state, 'pluck', selectStatement(state))
    return rows.map((row) => row[target.column.name]) as ColumnValue<T, J, C>[]
  }

  sum<C extends QueryColumn<T, J>>(
    db: Executor,
    column: C,
  ): Promise<SumResult<ColumnValue<T, J, C>>> {
    return this.#aggregateValue(db, 'sum', column) as Promise<SumResult<ColumnValue<T, J, C>>>
  }

  avg<C extends QueryColumn<T, J>>(
    db: Executor,
    column: C,
  ): Promise<SumResult<ColumnValue<T, J, C>>> {
    return this.#aggregateValue(db, 'avg', column) as Promise<SumResult<ColumnValue<T, J, C>>>
  }

  min<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<ColumnValue<T, J, C> | null> {
    return this.#aggregateValue(db, 'min', column) as Promise<ColumnValue<T, J, C> | null>
  }

  max<C extends QueryColumn<T, J>>(db: Executor, column: C): Promise<ColumnValue<T, J, C> | null> {
    return this.#aggregateValue(db, 'max', column) as Promise<ColumnValue<T, J, C> | null>
  }

  /** A page of rows (1-based) and the total count: `{ rows, total, page, perPage, pages }`. */
  async paginate(db: Executor, page: number, perPage: number): Promise<Page<R>> {
    const size = Math.max(1, this.#count(perPage, 'paginate'))
    const current = Math.max(1, this.#count(page, 'paginate'))
    const total = await this.#with({ limit: null, offset: null }).count(db)
    const rows = await this.limit(size)
      .offset((current - 1) * size)
      .fetch(db)
    return { rows, total, page: current, perPage: size, pages: Math.ceil(total / size) }
  }

  /** `UPDATE … SET … WHERE <this query's conditions>`; the number of rows updated. */
  async update(db: Executor, data: T['update'], options: AllRowsOption = {}): Promise<number> {
    const state = this.#mutable('update', options)
    const columns = updateColumns(state.runtime.info, data, 'query.update')
    if (columns.length === 0)
      this.#fail('query.update', 'nothing to update', 'Pass at least one column value.')
    const statement = updateWhereStatement(state, columns, data as Record<string, unknown>)
    return (await runStatement(db, state, 'update', statement)).rowCount
  }

  /** `DELETE FROM … WHERE …` (a hard delete, also on soft-delete tables); rows deleted. */
  async delete(db: Executor, options: AllRowsOption = {}): Promise<number> {
    const state = this.#mutable('delete', options)
    return (await runStatement(db, state, 'delete', deleteWhereStatement(state))).rowCount
  }

  /** `UPDATE … SET "deleted_at" = CURRENT_TIMESTAMP WHERE …`; rows soft-deleted. */
  async softDelete(db: Executor, options: AllRowsOption = {}): Promise<number> {
    const state = this.#mutable('softDelete', options)
    if (!state.runtime.info.softDelete)
      this.#fail(
        'query.softDelete',
        `table ${state.runtime.info.table.name} has no soft delete (no deleted_at column)`,
        'Add t.softDelete() to its schema, or use delete().',
      )
    return (await runStatement(db, state, 'softDelete', softDeleteWhereStatement(state))).rowCount
  }

  #add(or: boolean, args: unknown[], operation: string): any {
    if (args.length === 1 && typeof args[0] === 'function') {
      const empty = new QueryBuilder(emptyState(this.#state.runtime))
      const inner = (args[0] as (q: AnyQuery) => AnyQuery)(
        empty.#with({ joins: this.#state.joins }),
      )
      if (inner.#state.where.length === 0) return this
      return this.#condition(or, { kind: 'group', clauses: inner.#state.where })
    }
    return this.#condition(or, parseCondition(this.#state, args, operation, QueryBuilder.stateOf))
  }

  #condition(or: boolean, condition: Condition): any {
    return this.#with({ where: [...this.#state.where, { or, condition }] })
  }

  #aggregate(fn: AggregateFn, column: string, operation: string) {
    if (!['count', 'sum', 'avg', 'min', 'max'].includes(fn))
      this.#fail(
        operation,
        `unknown aggregate ${JSON.stringify(fn)}`,
        'Use count, sum, avg, min or max.',
      )
    if (column === '*' && fn !== 'count')
      this.#fail(operation, `${fn}(*) is not an aggregate`, 'Name a column.')
    return { fn, target: column === '*' ? null : resolveColumn(this.#state, column, operation) }
  }

  async #aggregateValue(db: Executor, fn: AggregateFn, column: string): Promise<unknown> {
    const statement = aggregateStatement(this.#state, this.#aggregate(fn, column, fn))
    const { rows } = await runStatement(db, this.#state, fn, statement)
    return rows[0]?.value ?? null
  }

  #join(type: 'inner' | 'left', model: Model<any>, column: string, other: string): any {
    const joined = runtimeOf(model).info
    const taken = [this.#state.runtime.info, ...this.#state.joins.map((join) => join.info)]
    if (taken.some((info) => info.table.name === joined.table.name))
      this.#fail(
        'join',
        `table ${joined.table.name} is already in the query`,
        'Join each table once.',
      )
    const withJoin: QueryState = {
      ...this.#state,
      joins: [
        ...this.#state.joins,
        {
          type,
          info: joined,
          left: { table: null, column: joined.table.columns[0]! },
          right: { table: null, column: joined.table.columns[0]! },
        },
      ],
    }
    const left = resolveColumn(withJoin, column, 'join')
    if (left.table !== joined.table.name)
      this.#fail(
        'join',
        `"${column}" is not a column of the joined table ${joined.table.name}`,
        `Write it as ${joined.table.name}.<column>.`,
      )
    const right = resolveColumn(this.#state, other, 'join')
    return this.#with({ joins: [...this.#state.joins, { type, info: joined, left, right }] })
  }

  #mutable(operation: string, options: AllRowsOption): QueryState {
    const state = this.#state
    const shaped =
      state.joins.length ||
      state.includes.length ||
      state.groupBy.length ||
      state.limit !== null ||
      state.offset !== null ||
      state.select
    if (shaped)
      this.#fail(
        `query.${operation}`,
        `${operation}() by condition cannot use select, joins, includes, groupBy, limit or offset`,
        'Express the rows with where conditions (whereIn / whereExists with a subquery).',
      )
    if (state.where.length === 0 && !options.all)
      this.#fail(
        `query.${operation}`,
        `${operation}() without a where condition would affect every row`,
        `Add a where, or pass { all: true } to ${operation} them all.`,
      )
    return state
  }

  #count(value: number, operation: string): number {
    if (!Number.isSafeInteger(value) || value < 0)
      this.#fail(operation, `expected a non-negative integer, got ${String(value)}`, '')
    return value
  }
}
