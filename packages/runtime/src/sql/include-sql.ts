import { usageError } from '../model/usage-error.ts'
import type { Frame, FromItem } from './compiler.ts'
import type { ColumnExpr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import { type Include, nodeWith, type Order, type QueryNode } from './query-node.ts'
import type { QueryCompiler } from './select-compiler.ts'
import { declared, direction, orderColumn, selectedItems } from './select-parts.ts'

/** PostgreSQL's limit on a function's arguments, `json_build_array` included. */
const maxArguments = 100

/**
 * One included relation as a correlated subquery in the parent's select list, so a query
 * and all its (nested) includes are one statement and one round trip. Each included row is
 * a JSON array of its values (json-fields.ts order), which the server builds faster than an
 * object and which is smaller on the wire:
 *
 * ```sql
 * (SELECT json_build_array("users"."id", "users"."name") FROM "users"
 *    WHERE "users"."id" = "posts"."user_id" LIMIT $1)
 * (SELECT COALESCE(json_agg(json_build_array("comments"."id", "comments"."body") ORDER BY "comments"."created_at" DESC), '[]')
 *    FROM "comments" WHERE "comments"."post_id" = "posts"."id" AND "comments"."deleted_at" IS NULL)
 * ```
 *
 * The related table takes its own name unless a query around it names that table (a
 * self-relation, a table included twice down a chain): then the compiler aliases it.
 * belongsTo / hasOne give at most one row (NULL when none); hasMany and manyToMany a JSON
 * array (`[]` when none), in the nested query's order. A nested query the flat form cannot
 * express (a limit, offset, DISTINCT or grouping on a many relation, DISTINCT on a single
 * one, or more than 100 values) runs as a derived table whose rows become JSON objects
 * (`row_to_json`); the decoder reads either.
 */
export function includeSql(compiler: QueryCompiler, include: Include, parent: Frame): string {
  const relation = include.relation
  const own = compiler.fromItem(include.query.runtime.info, parent)
  const col = (item: string, column: string) => `${item}.${quoteIdent(column)}`
  const outer = parent.own.sql
  let junction: string | undefined
  const level: FromItem[] = []
  const correlation: string[] = []
  switch (relation.kind) {
    case 'belongsTo':
      correlation.push(
        `${col(own.sql, relation.referencesColumn)} = ${col(outer, relation.column)}`,
      )
      break
    case 'hasOne':
    case 'hasMany':
      correlation.push(
        `${col(own.sql, relation.foreignColumn)} = ${col(outer, relation.localColumn)}`,
      )
      break
    case 'manyToMany': {
      const through = include.query.runtime.model(relation.through)
      if (!through) {
        throw usageError(
          { model: parent.own.info.modelName, operation: 'include' },
          `relation "${relation.name}" goes through table ${relation.through}, which has no model`,
          'Define every table of the schema in the same defineModels call.',
        )
      }
      // Joined by the nested query too, the junction is the one aliased: the query's own join
      // keeps the table's name, so its columns and Model.column() references mean that join.
      const joined = include.query.joins.some((join) => join.info === through.info)
      const item = joined
        ? { info: through.info, sql: compiler.alias(relation.through), named: false }
        : compiler.fromItem(through.info, parent, [own])
      level.push(item)
      junction = ` INNER JOIN ${declared(item)} ON ${col(item.sql, relation.throughForeignColumn)} = ${col(own.sql, relation.targetColumn)}`
      correlation.push(
        `${col(item.sql, relation.throughLocalColumn)} = ${col(outer, relation.localColumn)}`,
      )
      // The junction's rows are links, not the rows asked for: soft-deleted links stay out
      // unless the nested query asks for soft-deleted rows too (withDeleted).
      const links = include.query.deleted === 'include' ? 'include' : 'exclude'
      const deleted = compiler.deletedFilter(item, links)
      if (deleted) correlation.push(deleted)
      break
    }
  }
  const many = returnsMany(include)
  const query: QueryNode =
    many || include.query.limit !== null ? include.query : nodeWith(include.query, { limit: 1 })
  const options = { json: true, own, junction, level, correlation }
  if (fitsJsonBuildArray(query, many)) {
    const row = (frame: Frame) =>
      `json_build_array(${compiler.jsonValues(query, frame).join(', ')})`
    if (!many) return `(${compiler.select(query, parent, { ...options, projection: row })})`
    const projection = (frame: Frame) => {
      const order = query.orderBy.length
        ? ` ORDER BY ${compiler.orderBy(query.orderBy, frame, 'expression')}`
        : ''
      return `COALESCE(json_agg(${row(frame)}${order}), '[]')`
    }
    const all = nodeWith(query, { orderBy: [] })
    return `(${compiler.select(all, parent, { ...options, projection })})`
  }
  if (query.distinct) checkDistinctOrder(query)
  const inner = compiler.select(query, parent, options)
  const rows = compiler.alias(relation.name)
  // `rows.*`, not `rows`: a bare name would mean a column of that name of an outer table.
  if (!many) return `(SELECT row_to_json(${rows}.*) FROM (${inner}) AS ${rows})`
  const order = query.orderBy
    .map((entry, i) => `${rows}.${orderColumn(query, i)}${direction(entry)}`)
    .join(', ')
  return `(SELECT COALESCE(json_agg(${rows}.*${order ? ` ORDER BY ${order}` : ''}), '[]') FROM (${inner}) AS ${rows})`
}

/**
 * DISTINCT rows ordered by a value they do not select would need that value selected too,
 * which changes which rows are distinct (PostgreSQL refuses such a query; so does this).
 */
function checkDistinctOrder(query: QueryNode): void {
  const items = selectedItems(query)
  const selected = (order: Order) =>
    order.key !== null ||
    (order.by.kind === 'column' &&
      items.some(
        (item) =>
          item.expr.kind === 'column' &&
          item.expr.table === (order.by as ColumnExpr).table &&
          item.expr.column === (order.by as ColumnExpr).column,
      ))
  if (query.orderBy.every(selected)) return
  throw usageError(
    { model: query.runtime.info.modelName, operation: 'include' },
    'a distinct() include can only be ordered by values it selects',
    'Select the column you order by, or order by a key of the select list.',
  )
}

/** hasMany and manyToMany load an array of rows; belongsTo and hasOne one row or null. */
export function returnsMany(include: Include): boolean {
  return include.relation.kind === 'hasMany' || include.relation.kind === 'manyToMany'
}

/** Whether the included query fits one SELECT around `json_build_array` (see above). */
function fitsJsonBuildArray(query: QueryNode, many: boolean): boolean {
  const values = selectedItems(query).length + query.includes.length
  if (query.distinct || values > maxArguments) return false
  if (!many) return true
  // A fragment may be an aggregate too, which json_agg cannot hold: the derived table can.
  const aggregates = (query.select ?? []).some(
    (item) => item.expr.kind === 'aggregate' || item.expr.kind === 'raw',
  )
  return (
    query.limit === null &&
    query.offset === null &&
    query.groupBy.length === 0 &&
    query.having.length === 0 &&
    !aggregates
  )
}
