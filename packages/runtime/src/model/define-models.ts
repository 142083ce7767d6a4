import type { ModelMeta } from '@fluentorm/core/ir'
import { registerRedacted } from '../errors/error-detail.ts'
import { createModel } from './create-model.ts'
import type { ModelRuntime } from './model-runtime.ts'
import type { Model } from './model-types.ts'
import { tableInfo } from './table-info.ts'

/**
 * Turns the schema's model metadata into model objects keyed by class name. This is what
 * the generated `virtual:fluentorm/models` calls; relations resolve the other models of the
 * same call by table name.
 *
 * ```ts
 * const { User, Post } = defineModels(metas)
 * await User.insert(db, { email: 'a@b.c', name: 'Ann' })
 * // INSERT INTO "users" ("email", "name") VALUES ($1, $2) RETURNING "id", "email", …
 * ```
 */
export function defineModels(metas: readonly ModelMeta[]): Record<string, Model<any>> {
  const byTable = new Map<string, ModelRuntime>()
  const models: Record<string, Model<any>> = {}
  const tables: ReadonlySet<string> = new Set(metas.map((meta) => meta.table.name))
  for (const meta of metas) {
    const runtime: ModelRuntime = {
      info: tableInfo(meta.table),
      model: (tableName) => byTable.get(tableName),
      tables,
    }
    byTable.set(meta.table.name, runtime)
    registerRedacted(meta.table)
    models[meta.table.modelName] = createModel(meta, runtime)
  }
  return Object.freeze(models)
}
