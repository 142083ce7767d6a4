import type { TableSchema } from './table-schema.ts'

/** One schema file, evaluated: what `loadSchemas` reads from `schemas/NN_name.ts`. */
export interface SchemaFileModule {
  /** Relative to the project root, with forward slashes: `schemas/02_posts.ts`. */
  readonly path: string
  readonly tableName: string
  /** The file's numeric prefix: files of one table are applied in this order. */
  readonly order: number
  readonly build: (t: TableSchema) => void
}
