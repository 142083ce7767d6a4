import type { ColumnIR } from '@fluentorm/core'
import { columnValue } from '../model/column-value.ts'
import type {
  Aggregate,
  Clause,
  ColumnRef,
  ColumnTarget,
  Condition,
  QueryState,
} from './query-state.ts'
import { quoteIdent } from './sql-ident.ts'
import type { SqlWriter } from './sql-writer.ts'

/** How a SELECT is rendered: as rows for the driver, or as JSON-safe rows for an include. */
export interface SelectOptions {
  /** Quoted alias of the own table. */
  readonly alias: string
  /** Cast columns JSON would lose (int8, numeric, bytea) to text, and number the rows. */
  readonly json: boolean
  /** The FROM item, when it is not the own table under its name (includes). */
  readonly from?: string
  /** A condition tying the query to an outer row (includes). */
  readonly correlation?: string
  /** Tables the enclosing queries see by name (a subquery on one of them is aliased). */
  readonly enclosing?: ReadonlySet<string>
}

/** State shared by a statement and its subqueries. */
export interface Renderer {
  readonly writer: SqlWriter
  nextAlias(): number
}

/** What rendering a condition needs: the shared writer, the own table's alias, subqueries. */
export interface RenderContext {
  readonly writer: SqlWriter
  /** Quoted alias of the query's own table. */
  readonly alias: string
  /**
   * Renders a nested query with the same writer, so placeholders keep counting;
   * `projection` replaces its select list (EXISTS needs none: `1`).
   */
  subquery(state: QueryState, projection?: string): string
  /** A fresh alias number for include subqueries. */
  nextAlias(): number
  /** Tables this query's subqueries see by name (a subquery on one of them is aliased). */
  readonly visible: ReadonlySet<string>
}

const OPERATOR_SQL: Readonly<Record<string, string>> = {
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
}

export const COMPARISON_OPERATORS: ReadonlySet<string> = new Set(Object.keys(OPERATOR_SQL))

/** `"posts"."title"`: the own table's columns under its alias, joined ones under their name. */
export function columnSql(ctx: RenderContext, target: ColumnTarget | ColumnRef): string {
  const table =
    'kind' in target
      ? quoteIdent(target.table)
      : target.table === null
        ? ctx.alias
        : quoteIdent(target.table)
  return `${table}.${quoteIdent(target.column.name)}`
}

/** JS number columns sum and average to numbers; bigint and numeric to exact decimal strings. */
export function isNumberColumn(column: ColumnIR): boolean {
  return !column.array && ['smallint', 'integer', 'real', 'double'].includes(column.type)
}

/**
 * `count(*)`, `sum("posts"."view_count")`. With `output`, the result is cast to the type
 * fluentorm documents: counts to integer, sum/avg to float8 or text (see isNumberColumn).
 */
export function aggregateSql(ctx: RenderContext, aggregate: Aggregate, output: boolean): string {
  const argument = aggregate.target ? columnSql(ctx, aggregate.target) : '*'
  const call = `${aggregate.fn}(${argument})`
  if (!output) return call
  if (aggregate.fn === 'count') return `${call}::integer`
  if (aggregate.fn === 'sum' || aggregate.fn === 'avg') {
    return `${call}::${aggregate.target && isNumberColumn(aggregate.target.column) ? 'float8' : 'text'}`
  }
  return call
}

/**
 * Clauses joined by AND / OR. A list with any OR comes back parenthesised, so whatever it is
 * ANDed with (the soft-delete filter above all) still applies to every row.
 */
export function clausesSql(ctx: RenderContext, clauses: readonly Clause[]): string {
  const text = joinClauses(ctx, clauses)
  return clauses.some((clause, i) => i > 0 && clause.or) ? `(${text})` : text
}

function joinClauses(ctx: RenderContext, clauses: readonly Clause[]): string {
  return clauses
    .map(
      (clause, i) =>
        `${i === 0 ? '' : clause.or ? ' OR ' : ' AND '}${conditionSql(ctx, clause.condition)}`,
    )
    .join('')
}

function conditionSql(ctx: RenderContext, condition: Condition): string {
  switch (condition.kind) {
    case 'compare': {
      const left =
        'fn' in condition.left
          ? aggregateSql(ctx, condition.left, false)
          : columnSql(ctx, condition.left)
      if (
        condition.value === null &&
        (condition.op === '=' || OPERATOR_SQL[condition.op] === '<>')
      ) {
        return `${left} IS ${condition.op === '=' ? '' : 'NOT '}NULL`
      }
      const value =
        'fn' in condition.left
          ? condition.value
          : columnValue(condition.left.column, condition.value)
      return `${left} ${OPERATOR_SQL[condition.op]} ${ctx.writer.param(value)}`
    }
    case 'null':
      return `${columnSql(ctx, condition.target)} IS ${condition.negated ? 'NOT ' : ''}NULL`
    case 'in': {
      const column = columnSql(ctx, condition.target)
      if (Array.isArray(condition.values)) {
        // One array parameter whatever the list length: a stable statement text, and an
        // empty list is simply false (IN) or true (NOT IN).
        const param = ctx.writer.param(condition.values)
        return condition.negated ? `${column} <> ALL(${param})` : `${column} = ANY(${param})`
      }
      const subquery = ctx.subquery(condition.values as QueryState)
      return `${column} ${condition.negated ? 'NOT IN' : 'IN'} (${subquery})`
    }
    case 'between': {
      const column = columnSql(ctx, condition.target)
      const low = ctx.writer.param(condition.low)
      const high = ctx.writer.param(condition.high)
      return `${column} ${condition.negated ? 'NOT BETWEEN' : 'BETWEEN'} ${low} AND ${high}`
    }
    case 'columns':
      return `${columnSql(ctx, condition.left)} ${OPERATOR_SQL[condition.op]} ${columnSql(ctx, condition.right)}`
    case 'exists':
      return `${condition.negated ? 'NOT ' : ''}EXISTS (${ctx.subquery(condition.query, '1')})`
    case 'group': {
      const inner = joinClauses(ctx, condition.clauses)
      return condition.clauses.length === 1 ? inner : `(${inner})`
    }
  }
}
