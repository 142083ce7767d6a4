import type { ModelMeta } from '../schema/model-meta.ts'

/**
 * The JavaScript of `virtual:fluentorm/models`: the precompiled metadata of every model
 * inlined as JSON and handed to the runtime's `defineModels`, so the application never loads
 * the schema DSL. One named export per model plus `models`, every model keyed by name in
 * the order of `metas` (dependency order: a table after the tables it references).
 *
 * @example
 * generateModelsModule(toModelMetas(schema))
 * // import { defineModels } from '@fluentorm/runtime'
 * // const metas = [{"table":{"kind":"table","name":"users",…},"ddl":{…}}, …]
 * // export const models = Object.freeze(defineModels(metas))
 * // export const User = models.User
 */
export function generateModelsModule(metas: readonly ModelMeta[]): string {
  const exports = metas.map(
    ({ table }) => `export const ${table.modelName} = models.${table.modelName}\n`,
  )
  return `import { defineModels } from '@fluentorm/runtime'

const metas = [${metas.map(metaJson).join(',')}]

export const models = Object.freeze(defineModels(metas))
${exports.join('')}`
}

/** `JSON.stringify(metas)` one element at a time, each kept per meta object (immutable). */
const jsonCache = new WeakMap<ModelMeta, string>()

function metaJson(meta: ModelMeta): string {
  let json = jsonCache.get(meta)
  if (json === undefined) {
    json = JSON.stringify(meta)
    jsonCache.set(meta, json)
  }
  return json
}
