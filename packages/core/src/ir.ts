/**
 * `@fluentorm/core/ir`: the schema IR and ModelMeta types alone. The runtime imports its
 * types from here, so a user's tsc reads these two files of core instead of all of core's
 * sources through `@fluentorm/core`'s index.
 */
export type { ModelMeta, TableDDL } from './schema/model-meta.ts'
export type * from './schema/schema-ir.ts'
