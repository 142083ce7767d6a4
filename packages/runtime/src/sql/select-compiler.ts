import type { TableInfo } from '../model/table-info.ts'
import { usageError } from '../model/usage-error.ts'
import { type Frame, type FromItem, SqlCompiler } from './compiler.ts'
import type { Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import { includeSql } from './include-sql.ts'
import {
  type CteSource,
  nodeWith,
  type Order,
  type QueryNode,
  type SetSource,
} from './query-node.ts'
import {
  declared,
  direction,
  orderColumn,
  sameExpr,
  selectedItems,
  shaped,
} from './select-parts.ts'

/** How one SELECT is rendered, beyond its query node. */
export interface SelectOptions {
  /**
   * An include's rows: values cast for JSON, and each ORDER BY value selected too, uncast, as
   * `"__o1"`, `"__o2"`, … for the JSON aggregate around to order by (`orderColumn`).
   */
  readonly json?: boolean
  /** The own table's FROM item, when the caller allocated it (includes). */
  readonly own?: FromItem
  /** Joined to the own table before the query's joins (a manyToMany junction)… */
  readonly junction?: string
  /** …and its FROM item, whose name the query's joins must not take. */
  readonly level?: readonly FromItem[]
  /** Conditions tying the query to an outer row (includes), first in WHERE. */
  readonly correlation?: readonly string[]
  /** Replaces the select list; rendered in the query's own frame. */
  readonly projection?: (frame: Frame) => string
}

/** A top-level SELECT's options: none. */
const NO_OPTIONS: SelectOptions = Object.freeze({})

/** How ORDER BY names a value: see `QueryCompiler.orderBy`. */
export type OrderBy = 'alias' | 'expression' | 'hidden'

/**
 * The compiler of SELECT statements: a query node with its joins, conditions, grouping,
 * order, limits and includes (include-sql.ts), and every subquery inside them.
 */
export class QueryCompiler extends SqlCompiler {
  select(query: QueryNode, parent: Frame | null, options: SelectOptions = NO_OPTIONS): string {
    if (parent === null && options === NO_OPTIONS && pageFirst(query)) return this.page(query)
    // A CTE comes first, in the text as in the parameter numbering.
    const prefix = query.source?.kind === 'cte' ? `${this.withClause(query.source, parent)} ` : ''
    const frame = this.frame(query, parent, options.own, options.level)
    const json = options.json ?? false
    const list = options.projection
      ? options.projection(frame)
      : this.projection(query, frame, json)
    let text = `${prefix}SELECT ${query.distinct ? 'DISTINCT ' : ''}${list} ${this.fromWhere(query, frame, options)}`
    if (query.groupBy.length) {
      // A grouped expression the select list also holds is written as that item's node, so
      // both bind the same parameters and PostgreSQL sees one expression.
      const items = selectedItems(query)
      const grouped = query.groupBy.map(
        (e) => items.find((item) => sameExpr(item.expr, e))?.expr ?? e,
      )
      text += ` GROUP BY ${grouped.map((e) => this.expr(e, frame)).join(', ')}`
    }
    if (query.having.length) {
      ungroupedRelationValue(query)
      text += ` HAVING ${this.clauses(query.having, frame)}`
    }
    if (query.orderBy.length) {
      // An alias names the value the select list shows, which JSON may have cast (numeric to
      // text) and a projection replaced: there the order's own value is used.
      const by = options.projection ? 'expression' : json ? 'hidden' : 'alias'
      text += ` ORDER BY ${this.orderBy(query.orderBy, frame, by, query)}`
    }
    if (query.limit !== null) text += ` LIMIT ${limitLiteral(query.limit)}`
    if (query.offset !== null) text += ` OFFSET ${this.param(query.offset)}`
    if (query.lock) text += lockClause(query, frame)
    return text
  }

  /**
   * A page (`pageFirst`): its rows chosen in a derived table under the table's own name, then
   * the values computed per row (relation values, includes) over those rows alone, in the
   * page's order (PostgreSQL keeps the derived table's order: no second sort runs).
   */
  private page(query: QueryNode): string {
    const frame = this.frame(query, null)
    const rows = this.select(nodeWith(query, { select: null, extras: [], includes: [] }), null, {
      own: frame.own,
      projection: (own) => `${own.own.sql}.*`,
    })
    let text = `SELECT ${this.projection(query, frame, false)} FROM (${rows}) AS ${frame.own.sql}`
    if (query.orderBy.length) {
      text += ` ORDER BY ${this.orderBy(query.orderBy, frame, 'alias', query)}`
    }
    return text
  }

  /** `WITH [RECURSIVE] "name" AS (…)`: the CTE a query reads from. */
  private withClause(source: CteSource, parent: Frame | null): string {
    const name = quoteIdent(source.name)
    const base = this.select(source.query, parent)
    if (!source.recursive) return `WITH ${name} AS (${base})`
    const { step, all } = source.recursive
    // The step's rows joined to the rows found so far, by its condition (written in step).
    const steps = this.select(step, parent, { junction: ` CROSS JOIN ${name}` })
    const op = all ? 'UNION ALL' : 'UNION'
    return `WITH RECURSIVE ${name} AS (${wrap(source.query, base)} ${op} ${steps})`
  }

  /** The parts of a set operation, each parenthesised, left to right. */
  private setParts(source: SetSource, parent: Frame | null): string {
    let text = `(${this.select(source.first, parent)})`
    for (const part of source.rest) text += ` ${part.op} (${this.select(part.query, parent)})`
    return text
  }

  /**
   * A nested SELECT. With a `projection` (EXISTS: `1`), a query whose rows its shape decides
   * (DISTINCT, grouping, limits) is selected whole in a derived table, so replacing its select
   * list cannot change which rows there are; otherwise its order is dropped (it changes none).
   */
  override subquery(query: QueryNode, parent: Frame | null, projection?: string): string {
    if (!projection) return this.select(query, parent)
    if (shaped(query)) {
      const rows = this.select(query, parent)
      return `SELECT ${projection} FROM (${rows}) AS ${this.alias('rows')}`
    }
    return this.select(nodeWith(query, { orderBy: [] }), parent, { projection: () => projection })
  }

  /** `FROM … JOIN … WHERE …`: the soft-delete filters, the correlation and the conditions. */
  fromWhere(query: QueryNode, frame: Frame, options: SelectOptions = {}): string {
    const source = query.source
    // A source is read under the table's own name (or its alias), so the query's columns,
    // includes and Model.column() references mean its rows.
    const from =
      source === null
        ? declared(frame.own)
        : source.kind === 'set'
          ? `(${this.setParts(source, frame.parent)}) AS ${frame.own.sql}`
          : `${quoteIdent(source.name)} AS ${frame.own.sql}`
    let text = `FROM ${from}${options.junction ?? ''}`
    for (const join of query.joins) {
      const item = frame.joins.get(join.info.table.name)!
      const keyword = join.type === 'inner' ? 'INNER JOIN' : 'LEFT JOIN'
      // On the join, not in WHERE: a LEFT JOIN then gives NULLs instead of losing the row.
      // onlyDeleted() is about the query's own rows: joined rows stay filtered.
      const deleted = query.deleted === 'include' ? null : this.deletedFilter(item, 'exclude')
      text += ` ${keyword} ${declared(item)} ON ${this.expr(join.on, frame)}${deleted ? ` AND ${deleted}` : ''}`
    }
    const where = this.where(query, frame, options.correlation)
    return where ? `${text} WHERE ${where}` : text
  }

  /** The WHERE condition (correlation, soft-delete filter, clauses), or '' when none. */
  where(query: QueryNode, frame: Frame, correlation: readonly string[] = []): string {
    let text = correlation.length ? correlation.join(' AND ') : ''
    const deleted = this.deletedFilter(frame.own, query.deleted)
    if (deleted) text = text ? `${text} AND ${deleted}` : deleted
    if (query.where.length) {
      const conditions = this.clauses(query.where, frame)
      text = text ? `${text} AND ${conditions}` : conditions
    }
    return text
  }

  /**
   * ORDER BY items: a select-list key as its alias (`alias`, the top level), every order as
   * its expression (`expression`: json_agg, a replaced select list), or as the hidden column
   * a JSON select list carries for it (`hidden`).
   */
  orderBy(orders: readonly Order[], frame: Frame, by: OrderBy, query?: QueryNode): string {
    let text = ''
    for (let i = 0; i < orders.length; i++) {
      const order = orders[i]!
      const value =
        by === 'hidden' && query
          ? orderColumn(query, i)
          : by === 'alias' && order.key !== null
            ? quoteIdent(order.key)
            : this.expr(order.by, frame)
      text += `${i ? ', ' : ''}${value}${direction(order)}`
    }
    return text
  }

  /** The values of an included row: its select list, then its includes (json-row-decoder.ts). */
  jsonValues(query: QueryNode, frame: Frame): string[] {
    const values = selectedItems(query).map((item) => this.value(item.expr, frame, true))
    for (const include of query.includes) values.push(includeSql(this, include, frame))
    return values
  }

  private projection(query: QueryNode, frame: Frame, json: boolean): string {
    const info = query.runtime.info
    const items =
      query.select === null && query.extras.length === 0 && !json && frame.own.sql === info.quoted
        ? [columnList(info)] // the common case, rendered once per model
        : selectedItems(query).map((item) => this.selectItem(item.expr, item.key, frame, json))
    for (const include of query.includes) {
      items.push(`${includeSql(this, include, frame)} AS ${quoteIdent(include.relation.name)}`)
    }
    if (json) {
      query.orderBy.forEach((order, i) => {
        items.push(`${this.expr(order.by, frame)} AS ${orderColumn(query, i)}`)
      })
    }
    return items.join(', ')
  }
}

/**
 * Whether a top-level query is a page (a LIMIT or an OFFSET) with an EXISTS in its select list
 * (`withExists`), whose rows are chosen before it is computed (`page`). PostgreSQL may answer
 * such an EXISTS from a hash of every row of its subquery instead of a probe per row, and
 * weighs the two for as many rows as the scan under the LIMIT estimates, not the page's: it
 * hashed every comment of the viewer (the whole table read) to answer for 20 posts, where
 * the page first probes the index 20 times (the bench's feed statement: 0.88 → 0.43 ms of
 * server time). Counts, other aggregates and includes are scalar subqueries, run per row
 * whichever way: their queries are left as they are. Only where the derived table cannot
 * change the answer: one table, no grouping, DISTINCT, source or lock; every selected value
 * computed from its own row (an aggregate or a window over the rows, or a fragment that may
 * be one, would see the page alone); ordered by the row's own columns.
 */
function pageFirst(query: QueryNode): boolean {
  if (query.limit === null && query.offset === null) return false
  if (query.source !== null || query.joins.length > 0 || query.distinct || query.lock !== null) {
    return false
  }
  if (query.groupBy.length > 0 || query.having.length > 0) return false
  const items = [...(query.select ?? []), ...query.extras]
  if (!items.some((item) => item.expr.kind === 'exists')) return false
  return (
    items.every((item) => rowLocal(item.expr)) && query.orderBy.every((order) => ownValue(order.by))
  )
}

/** A value computed from one row of the query's own table: its columns, or a subquery on it. */
function rowLocal(e: Expr): boolean {
  return e.kind === 'subquery' || e.kind === 'exists' || ownValue(e)
}

/**
 * A value of the row's own columns and bound values alone: no subquery, aggregate or table
 * other than its own. A fragment counts when its text is only parentheses and a text cast
 * (a cursor page's order values).
 */
function ownValue(e: Expr): boolean {
  switch (e.kind) {
    case 'column':
      return e.table === null
    case 'value':
    case 'placeholder':
      return true
    case 'call':
      return e.args.every(ownValue)
    case 'raw':
      return e.strings.every((text) => CAST_ONLY.test(text)) && e.values.every(ownValue)
    default:
      return false
  }
}

const CAST_ONLY = /^[\s()]*(?:::text[\s()]*)?$/

/**
 * LIMIT is written as a literal, the one value that is: PostgreSQL plans a `LIMIT $n` it
 * cannot see as costlier than a generic plan's estimate, so it re-plans the prepared statement
 * on every run (the bench's feed page: 0 generic against ~1,150 custom plans; with the literal,
 * generic plans and 6–17% faster). The count is a checked integer (`limit()` refuses anything
 * else), so no text reaches SQL; OFFSET stays bound, or every page would be a statement.
 */
function limitLiteral(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new Error(`a LIMIT of ${String(limit)}`)
  return String(limit)
}

/**
 * ` FOR UPDATE OF "posts" SKIP LOCKED`, refused (before any SQL runs) where PostgreSQL
 * refuses it: with DISTINCT, grouping or an aggregate in the select list, and on the
 * nullable side of a LEFT JOIN.
 */
function lockClause(query: QueryNode, frame: Frame): string {
  const lock = query.lock!
  const what = `FOR ${lock.strength}`
  const refuse = (problem: string, hint: string): never => {
    throw usageError(
      { model: query.runtime.info.modelName, operation: 'forUpdate' },
      `${what} ${problem}`,
      hint,
    )
  }
  if (query.distinct) refuse('cannot lock the rows of a distinct query', 'Drop distinct().')
  if (query.source) {
    refuse(
      'cannot lock the rows of a union or a CTE',
      'Lock the rows in a query on the table itself.',
    )
  }
  if (query.groupBy.length || query.having.length) {
    refuse('cannot lock the rows of a grouped query', 'Lock the rows in a query without groupBy.')
  }
  if (query.select?.some((item) => item.expr.kind === 'aggregate')) {
    refuse(
      'cannot lock the rows of a query selecting an aggregate',
      'Select the rows, or count them in another query.',
    )
  }
  const left = query.joins.filter((join) => join.type === 'left').map((join) => join.info)
  const locked = lock.of.length ? lock.of : [query.runtime.info, ...query.joins.map((j) => j.info)]
  const nullable = locked.find((info) => left.includes(info))
  if (nullable) {
    refuse(
      `cannot lock ${nullable.table.name}, on the nullable side of a LEFT JOIN`,
      `Name the tables to lock: { of: [${query.runtime.info.modelName}] }.`,
    )
  }
  let text = ` ${what}`
  if (lock.of.length) {
    const names = lock.of.map((info) => {
      if (info === query.runtime.info) return frame.own.sql
      const item = frame.joins.get(info.table.name)
      if (item === undefined || item.info !== info) {
        return refuse(
          `OF ${info.table.name}: the table is not in the query`,
          `Lock the query's own model (${query.runtime.info.modelName}) or a joined one.`,
        )
      }
      return item.sql
    })
    text += ` OF ${names.join(', ')}`
  }
  return lock.wait ? `${text} ${lock.wait}` : text
}

/** A recursive CTE's base term, parenthesised when its own order or limit must stay its own. */
function wrap(query: QueryNode, sql: string): string {
  return query.orderBy.length || query.limit !== null || query.offset !== null ? `(${sql})` : sql
}

const columnLists = new WeakMap<TableInfo, string>()

/**
 * `"users"."id", "users"."email", …`: every visible column of the table (not the redacted
 * ones) under its own name, cast where a column needs it; the select list of most queries and
 * every RETURNING.
 */
export function columnList(info: TableInfo): string {
  let list = columnLists.get(info)
  if (list === undefined) {
    const compiler = new QueryCompiler(new Set())
    const frame: Frame = {
      own: { info, sql: info.quoted, named: true },
      joins: new Map(),
      parent: null,
    }
    list = info.visible
      .map((column) =>
        compiler.selectItem({ kind: 'column', table: null, column }, column.name, frame, false),
      )
      .join(', ')
    columnLists.set(info, list)
  }
  return list
}

/**
 * Refuses a HAVING on a relation value (`withCount('posts')` then `having('posts_count', …)`)
 * without GROUP BY: HAVING makes the whole query one group, and PostgreSQL answers that the
 * table's columns "must appear in the GROUP BY clause". A relation value is per row: `where`
 * filters on it.
 */
function ungroupedRelationValue(query: QueryNode): void {
  if (query.groupBy.length > 0) return
  const relationValue = query.extras.find((extra) =>
    query.having.some((clause) => mentions(clause.condition, extra.expr)),
  )
  if (relationValue === undefined) return
  throw usageError(
    { model: query.runtime.info.modelName, operation: 'having' },
    `having('${relationValue.key}', …) without groupBy(): HAVING makes the whole query one group`,
    `A relation value is one per row: filter on it with where('${relationValue.key}', …).`,
  )
}

/** Whether `expr` is `target` or holds it (in a comparison, a logical group). */
function mentions(expr: Expr, target: Expr): boolean {
  if (sameExpr(expr, target)) return true
  switch (expr.kind) {
    case 'compare':
      return mentions(expr.left, target) || mentions(expr.right, target)
    case 'logical':
      return expr.clauses.some((clause) => mentions(clause.condition, target))
    default:
      return false
  }
}
