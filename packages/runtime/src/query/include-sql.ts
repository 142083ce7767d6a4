import type { RenderContext, Renderer, SelectOptions } from './condition-sql.ts'
import { returnsMany } from './json-fields.ts'
import type { Include, QueryState } from './query-state.ts'
import { quoteIdent } from './sql-ident.ts'

/** What an include needs from select-sql (passed in: select-sql renders includes itself). */
export interface IncludeRender {
  select(state: QueryState, r: Renderer, options: SelectOptions, projection?: string): string
  /** The values of a row, in `jsonFields` order. */
  values(state: QueryState, ctx: RenderContext, r: Renderer): string[]
  /** The query's ORDER BY for use inside json_agg (aggregate aliases resolved). */
  order(state: QueryState, ctx: RenderContext): string
  scope(r: Renderer, alias: string): RenderContext
}

/** PostgreSQL's limit on a function's arguments, `json_build_array` included. */
const maxArguments = 100

/**
 * One included relation as a correlated subquery in the parent's select list, so a query
 * and all its (nested) includes are one statement and one round trip. Each included row is
 * a JSON array of its values (`jsonFields` order), which the server builds faster than an
 * object and which is smaller on the wire:
 *
 * ```sql
 * (SELECT json_build_array("t1"."id", "t1"."name") FROM "users" AS "t1"
 *    WHERE "t1"."id" = "posts"."user_id" LIMIT $1)
 * (SELECT COALESCE(json_agg(json_build_array("t2"."id", "t2"."body") ORDER BY "t2"."created_at" DESC), '[]')
 *    FROM "comments" AS "t2" WHERE "t2"."post_id" = "posts"."id" AND "t2"."deleted_at" IS NULL)
 * ```
 *
 * belongsTo / hasOne give at most one row (NULL when none); hasMany and manyToMany a JSON
 * array (`[]` when none), in the nested query's order. A nested query the flat form cannot
 * express (a limit, offset, DISTINCT or grouping on a many relation, DISTINCT on a single
 * one, or more than 100 values) runs as a derived table whose rows become JSON objects
 * (`row_to_json`); the decoder reads either.
 */
export function includeSql(
  include: Include,
  parent: RenderContext,
  r: Renderer,
  render: IncludeRender,
): string {
  const n = r.nextAlias()
  const alias = `"t${n}"`
  const relation = include.relation
  const target = include.query.runtime.info.quoted
  const col = (table: string, column: string) => `${table}.${quoteIdent(column)}`
  let from = `${target} AS ${alias}`
  let correlation: string
  switch (relation.kind) {
    case 'belongsTo':
      correlation = `${col(alias, relation.referencesColumn)} = ${col(parent.alias, relation.column)}`
      break
    case 'hasOne':
    case 'hasMany':
      correlation = `${col(alias, relation.foreignColumn)} = ${col(parent.alias, relation.localColumn)}`
      break
    case 'manyToMany': {
      const junction = `"x${n}"`
      from += ` INNER JOIN ${quoteIdent(relation.through)} AS ${junction} ON ${col(junction, relation.throughForeignColumn)} = ${col(alias, relation.targetColumn)}`
      correlation = `${col(junction, relation.throughLocalColumn)} = ${col(parent.alias, relation.localColumn)}`
      break
    }
  }
  const many = returnsMany(include)
  const query =
    many || include.query.limit !== null ? include.query : { ...include.query, limit: 1 }
  const options = { alias, json: true, from, correlation, enclosing: parent.visible }
  if (fitsJsonBuildArray(query, many)) {
    const ctx = render.scope(r, alias)
    const row = `json_build_array(${render.values(query, ctx, r).join(', ')})`
    if (!many) return `(${render.select(query, r, options, row)})`
    const order = query.orderBy.length ? ` ORDER BY ${render.order(query, ctx)}` : ''
    const all = { ...query, orderBy: [] }
    return `(${render.select(all, r, options, `COALESCE(json_agg(${row}${order}), '[]')`)})`
  }
  const derived = `"j${n}"`
  const inner = render.select(query, r, options)
  if (!many) return `(SELECT row_to_json(${derived}) FROM (${inner}) AS ${derived})`
  const order = query.orderBy.length ? ` ORDER BY ${derived}."__n"` : ''
  return `(SELECT COALESCE(json_agg(${derived}${order}), '[]') FROM (${inner}) AS ${derived})`
}

/** Whether the included query fits one SELECT around `json_build_array` (see above). */
function fitsJsonBuildArray(query: QueryState, many: boolean): boolean {
  const values =
    (query.select?.length ?? query.runtime.info.table.columns.length) + query.includes.length
  if (query.distinct || values > maxArguments) return false
  // ORDER BY an aggregate's alias needs the alias in the select list: the derived table.
  if (!many) return !query.orderBy.some((order) => typeof order.by === 'string')
  const aggregates = query.select?.some((item) => item.kind === 'aggregate') ?? false
  return (
    query.limit === null &&
    query.offset === null &&
    query.groupBy.length === 0 &&
    query.having.length === 0 &&
    !aggregates
  )
}
