import { compileSchema, type TableSchema, toModelMetas } from '@fluentorm/core'
import { defineModels } from '../../packages/runtime/src/model/define-models.ts'

/**
 * Models for tables given as `{ table: build }`, compiled the way the plugin compiles
 * `schemas/01_table.ts`, `schemas/02_…` (in this order); throws with the problems when the
 * schema is invalid. Typed `any`: these tests check values at run time, the type tests
 * check the generated types.
 *
 * @example
 * const { Event } = modelsOf({ events: (t) => t.bigIncrements({ name: 'id', primaryKey: true }) })
 */
export function modelsOf(tables: Record<string, (t: TableSchema) => void>): Record<string, any> {
  const compiled = compileSchema(
    Object.entries(tables).map(([tableName, build], i) => ({
      path: `schemas/${String(i + 1).padStart(2, '0')}_${tableName}.ts`,
      tableName,
      order: i + 1,
      build,
    })),
  )
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems, null, 2))
  return defineModels(toModelMetas(compiled.schema))
}
