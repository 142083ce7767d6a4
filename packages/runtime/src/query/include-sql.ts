import type { RenderContext, Renderer, SelectOptions } from './condition-sql.ts'
import type { Include, QueryState } from './query-state.ts'
import { quoteIdent } from './sql-ident.ts'

type RenderSelect = (state: QueryState, r: Renderer, options: SelectOptions) => string

/**
 * One included relation as a correlated subquery in the parent's select list, so a query
 * and all its (nested) includes are one statement and one round trip:
 *
 * ```sql
 * (SELECT COALESCE(json_agg("j1" ORDER BY "j1"."__n"), '[]') FROM (
 *    SELECT "t1"."id", …, row_number() OVER (ORDER BY "t1"."created_at" DESC) AS "__n"
 *    FROM "comments" AS "t1"
 *    WHERE "t1"."post_id" = "posts"."id" AND "t1"."deleted_at" IS NULL
 *    ORDER BY "t1"."created_at" DESC LIMIT $1) AS "j1")
 * ```
 *
 * belongsTo / hasOne give `row_to_json` of at most one row (NULL when none); hasMany and
 * manyToMany give a JSON array (`[]` when none), ordered by the nested query's orderBy.
 */
export function includeSql(
  include: Include,
  parent: RenderContext,
  r: Renderer,
  renderSelect: RenderSelect,
): string {
  const n = r.nextAlias()
  const alias = `"t${n}"`
  const derived = `"j${n}"`
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
  const many = relation.kind === 'hasMany' || relation.kind === 'manyToMany'
  const query =
    many || include.query.limit !== null ? include.query : { ...include.query, limit: 1 }
  const inner = renderSelect(query, r, { alias, json: true, from, correlation })
  if (!many) return `(SELECT row_to_json(${derived}) FROM (${inner}) AS ${derived})`
  const order = query.orderBy.length ? ` ORDER BY ${derived}."__n"` : ''
  return `(SELECT COALESCE(json_agg(${derived}${order}), '[]') FROM (${inner}) AS ${derived})`
}
