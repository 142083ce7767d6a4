import type { ModelMeta } from '../schema/model-meta.ts'
import { compactColumns, expandColumnsCode } from './compact-columns.ts'

/**
 * The JavaScript of `virtual:fluentorm/models`: the precompiled metadata of every model
 * inlined and handed to the runtime's `defineModels`, so the application never loads the
 * schema DSL. One named export per model plus `models`, every model keyed by name in the
 * order of `metas` (dependency order: a table after the tables it references).
 *
 * The metadata is one JSON text given to `JSON.parse` (which V8 reads faster than the same
 * object literal), each column with only what it does not share with the defaults written
 * above it (compact-columns.ts).
 *
 * @example
 * generateModelsModule(toModelMetas(schema))
 * // import { defineModels } from '@fluentorm/runtime'
 * // const metas = JSON.parse('[{"table":{"kind":"table","name":"users",…},"ddl":{…}}, …]')
 * // const column = {"kind":"column","array":false,…}
 * // for (const { table } of metas) { table.columns = … }
 * // export const models = Object.freeze(defineModels(metas))
 * // export const User = models.User
 */
export function generateModelsModule(metas: readonly ModelMeta[]): string {
  const exports = metas.map(
    ({ table }) => `export const ${table.modelName} = models.${table.modelName}\n`,
  )
  return `import { defineModels } from '@fluentorm/runtime'

const metas = JSON.parse('[${metas.map(metaJson).join(',')}]')
${expandColumnsCode('metas')}

export const models = Object.freeze(defineModels(metas))
${exports.join('')}`
}

/**
 * `JSON.stringify(meta)` with compact columns, escaped for a single-quoted JavaScript string
 * (JSON has few single quotes and many double ones, and leaves no line break unescaped);
 * kept per meta object (immutable), so a dev-server refresh redoes the changed tables only.
 */
const jsonCache = new WeakMap<ModelMeta, string>()

function metaJson(meta: ModelMeta): string {
  let json = jsonCache.get(meta)
  if (json === undefined) {
    json = JSON.stringify({ ...meta, table: compactColumns(meta.table) })
      .replace(/\\/g, '\\\\')
      .replace(/'/g, "\\'")
    jsonCache.set(meta, json)
  }
  return json
}
