import type { TableInfo } from '../model/table-info.ts'
import { type Frame, type FromItem, SqlCompiler } from './compiler.ts'
import type { Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import { includeSql } from './include-sql.ts'
import type { Order, QueryNode, SelectItem } from './query-node.ts'

/** How one SELECT is rendered, beyond its query node. */
export interface SelectOptions {
  /** Values cast for JSON (an include's rows), ordering by expressions, rows numbered `__n`. */
  readonly json?: boolean
  /** The own table's FROM item, when the caller allocated it (includes). */
  readonly own?: FromItem
  /** Joined to the own table before the query's joins (a manyToMany junction). */
  readonly junction?: string
  /** Conditions tying the query to an outer row (includes), first in WHERE. */
  readonly correlation?: readonly string[]
  /** Replaces the select list; rendered in the query's own frame. */
  readonly projection?: (frame: Frame) => string
}

/**
 * The compiler of SELECT statements: a query node with its joins, conditions, grouping,
 * order, limits and includes (include-sql.ts), and every subquery inside them.
 */
export class QueryCompiler extends SqlCompiler {
  select(query: QueryNode, parent: Frame | null, options: SelectOptions = {}): string {
    const frame = this.frame(query, parent, options.own)
    const json = options.json ?? false
    const list = options.projection
      ? options.projection(frame)
      : this.projection(query, frame, json)
    let text = `SELECT ${query.distinct ? 'DISTINCT ' : ''}${list} ${this.fromWhere(query, frame, options)}`
    if (query.groupBy.length) {
      text += ` GROUP BY ${query.groupBy.map((e) => this.expr(e, frame)).join(', ')}`
    }
    if (query.having.length) text += ` HAVING ${this.clauses(query.having, frame)}`
    if (query.orderBy.length) {
      // Inside JSON a select-list value may be cast (numeric to text): order by its expression.
      text += ` ORDER BY ${this.orderBy(query.orderBy, frame, !json)}`
    }
    if (query.limit !== null) text += ` LIMIT ${this.param(query.limit)}`
    if (query.offset !== null) text += ` OFFSET ${this.param(query.offset)}`
    return text
  }

  override subquery(query: QueryNode, parent: Frame | null, projection?: string): string {
    return this.select(query, parent, projection ? { projection: () => projection } : {})
  }

  /** `FROM … JOIN … WHERE …`: the soft-delete filters, the correlation and the conditions. */
  fromWhere(query: QueryNode, frame: Frame, options: SelectOptions = {}): string {
    let text = `FROM ${declared(frame.own)}${options.junction ?? ''}`
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
    const parts = [...correlation]
    const deleted = this.deletedFilter(frame.own, query.deleted)
    if (deleted) parts.push(deleted)
    if (query.where.length) parts.push(this.clauses(query.where, frame))
    return parts.join(' AND ')
  }

  /**
   * ORDER BY items. `aliases`: a select-list key is written as its alias (the top level);
   * else as its expression (windows, json_agg, JSON rows, where an alias means nothing or
   * names a value cast for JSON).
   */
  orderBy(orders: readonly Order[], frame: Frame, aliases: boolean): string {
    return orders
      .map((order) => {
        const by =
          aliases && order.key !== null ? quoteIdent(order.key) : this.expr(order.by, frame)
        const nulls = order.nulls ? ` NULLS ${order.nulls.toUpperCase()}` : ''
        return `${by} ${order.direction.toUpperCase()}${nulls}`
      })
      .join(', ')
  }

  /** The values of an included row, in `selectedItems` then includes order (json-fields.ts). */
  jsonValues(query: QueryNode, frame: Frame): string[] {
    const values = selectedItems(query).map((item) => this.value(item.expr, frame, true))
    for (const include of query.includes) values.push(includeSql(this, include, frame))
    return values
  }

  private projection(query: QueryNode, frame: Frame, json: boolean): string {
    const info = query.runtime.info
    const items =
      query.select === null && !json && frame.own.sql === info.quoted
        ? [columnList(info)] // the common case, rendered once per model
        : selectedItems(query).map((item) => this.selectItem(item.expr, item.key, frame, json))
    for (const include of query.includes) {
      items.push(`${includeSql(this, include, frame)} AS ${quoteIdent(include.relation.name)}`)
    }
    if (json && query.orderBy.length) {
      items.push(
        `row_number() OVER (ORDER BY ${this.orderBy(query.orderBy, frame, false)}) AS "__n"`,
      )
    }
    return items.join(', ')
  }
}

/** `"posts"`, or `"posts" AS "posts_1"` for an aliased item. */
export function declared(item: FromItem): string {
  return item.sql === item.info.quoted ? item.sql : `${item.info.quoted} AS ${item.sql}`
}

const allColumns = new WeakMap<TableInfo, readonly SelectItem[]>()

/** The select list of a query: its items, or every column of its table when it selects none. */
export function selectedItems(query: QueryNode): readonly SelectItem[] {
  if (query.select) return query.select
  const info = query.runtime.info
  let items = allColumns.get(info)
  if (!items) {
    items = Object.freeze(
      info.table.columns.map((column): SelectItem => {
        const expr: Expr = { kind: 'column', table: null, column }
        return { key: column.name, expr }
      }),
    )
    allColumns.set(info, items)
  }
  return items
}

const columnLists = new WeakMap<TableInfo, string>()

/**
 * `"users"."id", "users"."email", …`: every column of the table under its own name, cast
 * where a column needs it; the select list of most queries and every RETURNING.
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
    list = info.table.columns
      .map((column) =>
        compiler.selectItem({ kind: 'column', table: null, column }, column.name, frame, false),
      )
      .join(', ')
    columnLists.set(info, list)
  }
  return list
}
