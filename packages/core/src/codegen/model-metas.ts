import type { ModelMeta } from '../schema/model-meta.ts'
import type { SchemaIR } from '../schema/schema-ir.ts'
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
  return schema.tables.map((table) => Object.freeze({ table, ddl: tableDdl(table) }))
}
