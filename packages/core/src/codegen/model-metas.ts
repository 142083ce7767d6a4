import type { ModelMeta } from '../schema/model-meta.ts'
import type { SchemaIR, TableIR } from '../schema/schema-ir.ts'
import { tableDdl } from '../sql/table-ddl.ts'

/**
 * One frozen `ModelMeta` per table, in creation order: the table's IR and its DDL, ready
 * to inline into `virtual:fluentorm/models`.
 *
 * ```ts
 * toModelMetas(schema).map((meta) => meta.table.modelName) // ['User', 'Post', 'Comment']
 * ```
 */
export function toModelMetas(schema: SchemaIR): ModelMeta[] {
  return schema.tables.map(modelMeta)
}

/** Per table object: the IR is immutable, and a dev-server refresh keeps unchanged tables. */
const metaCache = new WeakMap<TableIR, ModelMeta>()

function modelMeta(table: TableIR): ModelMeta {
  let meta = metaCache.get(table)
  if (meta === undefined) {
    meta = Object.freeze({ table: withUpdatedAtList(table), ddl: tableDdl(table) })
    metaCache.set(table, meta)
  }
  return meta
}

/**
 * The dev server may serve the models of a stored snapshot, and one written before `onUpdate`
 * holds `updatedAt: true | false`: the runtime reads the list of on-update columns.
 */
function withUpdatedAtList(table: TableIR): TableIR {
  const stored: unknown = table.updatedAt
  if (Array.isArray(stored)) return table
  return { ...table, updatedAt: stored === true ? ['updated_at'] : [] }
}
