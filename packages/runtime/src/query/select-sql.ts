import type { ColumnIR } from '@fluentorm/core'
import { selectedColumnSql } from '../model/table-info.ts'
import {
  aggregateSql,
  clausesSql,
  columnSql,
  type RenderContext,
  type Renderer,
  type SelectOptions,
} from './condition-sql.ts'
import { type IncludeRender, includeSql } from './include-sql.ts'
import { type JsonField, jsonFields } from './json-fields.ts'
import type { Aggregate, ColumnTarget, Order, QueryState } from './query-state.ts'
import { quoteIdent } from './sql-ident.ts'
import { SqlWriter } from './sql-writer.ts'

/** A rendered statement: the text with `$n` placeholders and the values to bind. */
export interface Statement {
  readonly text: string
  readonly values: readonly unknown[]
}

function renderer(): Renderer {
  let alias = 0
  return { writer: new SqlWriter(), nextAlias: () => ++alias }
}

/**
 * The context a query renders its conditions in. `visible`: the tables its subqueries can
 * see by name (its own, its joins', and theirs above it). A subquery on one of those tables
 * takes an alias (`"posts" AS "posts_1"`), so its own columns are its own and a column
 * reference such as `Post.column('id')` still names the outer row.
 */
export function scope(
  r: Renderer,
  alias: string,
  visible: ReadonlySet<string> = new Set(),
): RenderContext {
  return {
    writer: r.writer,
    alias,
    nextAlias: r.nextAlias,
    visible,
    subquery: (state, projection) => {
      const { table, quoted } = state.runtime.info
      if (!visible.has(table.name)) {
        return renderSelect(
          state,
          r,
          { alias: quoted, json: false, enclosing: visible },
          projection,
        )
      }
      const own = quoteIdent(`${table.name}_${r.nextAlias()}`)
      const options = { alias: own, json: false, from: `${quoted} AS ${own}`, enclosing: visible }
      return renderSelect(state, r, options, projection)
    },
  }
}

/** The tables a query's subqueries see by name: `enclosing`, its own and its joins'. */
export function visibleTables(
  state: QueryState,
  enclosing: ReadonlySet<string> = new Set(),
): ReadonlySet<string> {
  const tables = new Set(enclosing)
  tables.add(state.runtime.info.table.name)
  for (const join of state.joins) tables.add(join.info.table.name)
  return tables
}

export function ownAlias(state: QueryState): string {
  return state.runtime.info.quoted
}

/**
 * `SELECT "posts"."id", … FROM "posts" WHERE "posts"."deleted_at" IS NULL AND … ORDER BY …
 * LIMIT $n`, with each include as a correlated JSON subquery in the select list.
 */
export function selectStatement(state: QueryState): Statement {
  const r = renderer()
  const text = renderSelect(state, r, { alias: ownAlias(state), json: false })
  return Object.freeze({ text, values: Object.freeze(r.writer.values) })
}

/** `SELECT count(*) AS "count" FROM …`; wraps the query when DISTINCT, GROUP BY or LIMIT shape it. */
export function countStatement(state: QueryState): Statement {
  const r = renderer()
  const counted = { ...state, includes: [], orderBy: [] }
  const text =
    state.distinct || state.groupBy.length || state.limit !== null || state.offset !== null
      ? `SELECT count(*) AS "count" FROM (${renderSelect(counted, r, { alias: ownAlias(state), json: false })}) AS "q"`
      : `SELECT count(*) AS "count" ${fromWhereSql(state, scope(r, ownAlias(state), visibleTables(state)), {})}`
  return { text, values: r.writer.values }
}

/** `SELECT EXISTS (SELECT 1 FROM … WHERE …) AS "exists"` */
export function existsStatement(state: QueryState): Statement {
  const r = renderer()
  const inner = renderSelect(
    { ...state, includes: [] },
    r,
    { alias: ownAlias(state), json: false },
    '1',
  )
  return { text: `SELECT EXISTS (${inner}) AS "exists"`, values: r.writer.values }
}

/** `SELECT sum("posts"."view_count")::float8 AS "value" FROM … WHERE …` */
export function aggregateStatement(state: QueryState, aggregate: Aggregate): Statement {
  const r = renderer()
  const ctx = scope(r, ownAlias(state), visibleTables(state))
  const value = aggregateSql(ctx, aggregate, true)
  const text = `SELECT ${value} AS "value" ${fromWhereSql(state, ctx, {})}`
  return { text, values: r.writer.values }
}

/** The WHERE condition of a query (soft-delete filter and clauses), or '' when none. */
export function whereSql(state: QueryState, ctx: RenderContext, correlation?: string): string {
  const parts: string[] = []
  if (correlation) parts.push(correlation)
  if (state.runtime.info.softDelete && state.deleted !== 'include') {
    parts.push(`${ctx.alias}."deleted_at" IS ${state.deleted === 'only' ? 'NOT ' : ''}NULL`)
  }
  if (state.where.length) parts.push(clausesSql(ctx, state.where))
  return parts.join(' AND ')
}

/**
 * The whole SELECT. `projection` replaces the select list (EXISTS uses `1`).
 */
export function renderSelect(
  state: QueryState,
  r: Renderer,
  options: SelectOptions,
  projection?: string,
): string {
  const ctx = scope(r, options.alias, visibleTables(state, options.enclosing))
  const select = projection ?? projectionSql(state, ctx, r, options.json)
  let text = `SELECT ${state.distinct ? 'DISTINCT ' : ''}${select} ${fromWhereSql(state, ctx, options)}`
  if (state.groupBy.length) {
    text += ` GROUP BY ${state.groupBy.map((target) => columnSql(ctx, target)).join(', ')}`
  }
  if (state.having.length) text += ` HAVING ${clausesSql(ctx, state.having)}`
  if (state.orderBy.length) text += ` ORDER BY ${orderSql(ctx, state.orderBy)}`
  if (state.limit !== null) text += ` LIMIT ${r.writer.param(state.limit)}`
  if (state.offset !== null) text += ` OFFSET ${r.writer.param(state.offset)}`
  return text
}

function fromWhereSql(
  state: QueryState,
  ctx: RenderContext,
  options: Pick<SelectOptions, 'from' | 'correlation'>,
): string {
  let text = `FROM ${options.from ?? state.runtime.info.quoted}`
  for (const join of state.joins) {
    const keyword = join.type === 'inner' ? 'INNER JOIN' : 'LEFT JOIN'
    const deleted =
      join.info.softDelete && state.deleted === 'exclude'
        ? ` AND ${join.info.quoted}."deleted_at" IS NULL`
        : ''
    text += ` ${keyword} ${join.info.quoted} ON ${columnSql(ctx, join.left)} = ${columnSql(ctx, join.right)}${deleted}`
  }
  const where = whereSql(state, ctx, options.correlation)
  return where ? `${text} WHERE ${where}` : text
}

function projectionSql(state: QueryState, ctx: RenderContext, r: Renderer, json: boolean): string {
  const items = state.select
    ? state.select.map((item) =>
        item.kind === 'column'
          ? selectedSql(ctx, item.target, item.key, json)
          : `${aggregateSql(ctx, item.aggregate, true)} AS ${quoteIdent(item.alias)}`,
      )
    : !json && ctx.alias === state.runtime.info.quoted
      ? [state.runtime.info.qualifiedColumns] // the common case, quoted once per model
      : state.runtime.info.table.columns.map((column) => ownColumnSql(ctx, column, json))
  for (const include of state.includes) {
    items.push(
      `${includeSql(include, ctx, r, includeRender)} AS ${quoteIdent(include.relation.name)}`,
    )
  }
  if (json && state.orderBy.length) {
    items.push(`row_number() OVER (ORDER BY ${orderValuesSql(state, ctx)}) AS "__n"`)
  }
  return items.join(', ')
}

/** A selected column, the own table's or a joined one's, named `key` in the row. */
function selectedSql(ctx: RenderContext, target: ColumnTarget, key: string, json: boolean): string {
  if (target.table === null) return ownColumnSql(ctx, target.column, json, key)
  if (!json) return selectedColumnSql(`${quoteIdent(target.table)}.`, target.column, key)
  const value = jsonColumnSql(columnSql(ctx, target), target.column)
  return castForJson(target.column) || key !== target.column.name
    ? `${value} AS ${quoteIdent(key)}`
    : value
}

/** A column of the own table, aliased when cast or renamed. */
function ownColumnSql(
  ctx: RenderContext,
  column: ColumnIR,
  json: boolean,
  key = column.name,
): string {
  if (!json) return selectedColumnSql(`${ctx.alias}.`, column, key)
  const value = jsonColumnSql(`${ctx.alias}.${quoteIdent(column.name)}`, column)
  return castForJson(column) || key !== column.name ? `${value} AS ${quoteIdent(key)}` : value
}

function castForJson(column: ColumnIR): boolean {
  return column.type === 'bigint' || column.type === 'numeric' || column.type === 'bytea'
}

/**
 * A column inside JSON. int8 and numeric would become JSON numbers (losing precision) and
 * bytea an escaped string, so they travel as text (bytea as hex, whatever the session's
 * bytea_output) and are decoded per column.
 */
function jsonColumnSql(sql: string, column: ColumnIR): string {
  if (!castForJson(column)) return sql
  return column.type === 'bytea' && !column.array
    ? `encode(${sql}, 'hex')`
    : `${sql}::${column.array ? 'text[]' : 'text'}`
}

/**
 * The values of an included row in `jsonFields` order, for `json_build_array(…)`: columns
 * JSON would lose cast to text (as above), aggregates, then nested includes.
 */
export function jsonValuesSql(state: QueryState, ctx: RenderContext, r: Renderer): string[] {
  return jsonFields(state).map((field) => jsonValueSql(field, ctx, r))
}

function jsonValueSql(field: JsonField, ctx: RenderContext, r: Renderer): string {
  switch (field.kind) {
    case 'column':
      return jsonColumnSql(columnSql(ctx, field.target), field.target.column)
    case 'aggregate':
      return aggregateSql(ctx, field.aggregate, true)
    case 'include':
      return includeSql(field.include, ctx, r, includeRender)
  }
}

const includeRender: IncludeRender = {
  select: renderSelect,
  values: jsonValuesSql,
  order: orderValuesSql,
  scope,
}

/**
 * ORDER BY inside a window or an aggregate (`row_number() OVER (…)`, `json_agg(… ORDER BY
 * …)`), where a select-list alias means nothing: an aggregate's alias becomes its expression.
 */
function orderValuesSql(state: QueryState, ctx: RenderContext): string {
  const aggregates = new Map(
    (state.select ?? []).flatMap((item) =>
      item.kind === 'aggregate' ? [[item.alias, item.aggregate] as const] : [],
    ),
  )
  return orderSql(ctx, state.orderBy, (alias) => {
    const aggregate = aggregates.get(alias)
    return aggregate ? aggregateSql(ctx, aggregate, true) : quoteIdent(alias)
  })
}

function orderSql(
  ctx: RenderContext,
  orders: readonly Order[],
  alias: (name: string) => string = quoteIdent,
): string {
  return orders
    .map((order) => {
      const by = typeof order.by === 'string' ? alias(order.by) : columnSql(ctx, order.by)
      const nulls = order.nulls ? ` NULLS ${order.nulls.toUpperCase()}` : ''
      return `${by} ${order.direction.toUpperCase()}${nulls}`
    })
    .join(', ')
}
