export type { BaselineOptions } from './migration-baseline.ts'
export { baseline } from './migration-baseline.ts'
export type { Migration, MigrationDirectives, MigrationFile } from './migration-format.ts'
export {
  compareMigrations,
  MIGRATION_FILE,
  migrationChecksum,
  migrationNumber,
  readDirectives,
  readMigrationFiles,
} from './migration-format.ts'
export type { AppliedMigration } from './migration-history.ts'
export { HISTORY_TABLE } from './migration-history.ts'
export type {
  DownOptions,
  MigrateOptions,
  MigrateResult,
  MigrationStatus,
} from './migration-runner.ts'
export { down, migrate, status } from './migration-runner.ts'
export type { MigrationSource } from './migration-source.ts'
export { resolveMigrations } from './migration-source.ts'
export type { SqlStatement } from './split-statements.ts'
export { splitStatements } from './split-statements.ts'
