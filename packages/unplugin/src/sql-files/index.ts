/**
 * `@fluentorm/unplugin/sql-files`: typing `.sql` files without a bundler, for
 * `fluentorm generate`.
 */
export type { SqlFileTypesOptions, SqlFileTypesResult } from './write-sql-file-types.ts'
export { writeSqlFileTypes } from './write-sql-file-types.ts'
