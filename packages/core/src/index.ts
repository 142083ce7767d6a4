export { scalarColumnTsType } from './codegen/column-ts-type.ts'
export { generateDts } from './codegen/generate-dts.ts'
export {
  type BundledMigration,
  generateMigrationsModule,
} from './codegen/generate-migrations-module.ts'
export { generateModelsModule } from './codegen/generate-models-module.ts'
export { toModelMetas } from './codegen/model-metas.ts'
export { defineConfig, type FluentormConfig } from './config/define-config.ts'
export {
  CONFIG_FILES,
  ConfigError,
  findConfigFile,
  type LoadedConfig,
  loadConfig,
} from './config/load-config.ts'
export { type CatalogExecutor, MissingSchemaError } from './introspect/catalog-queries.ts'
export { type DriftResult, detectDrift } from './introspect/drift.ts'
export type { DriftDifference } from './introspect/drift-difference.ts'
export { type PullOptions, type PullResult, pullProject } from './introspect/pull-project.ts'
export {
  type LoadResult,
  type LoadSchemasOptions,
  loadSchemas,
  type SchemaModuleCache,
} from './loader/load-schemas.ts'
export { seedFileNames, seedLoadError } from './loader/seed-files.ts'
export {
  applyDevPlan,
  DEV_STATE_TABLE,
  type DevRunner,
  type DevState,
  readDevState,
  reconcileDevState,
  writeDevState,
} from './migration/dev-state.ts'
export {
  type MigrationDirectoryState,
  type MigrationFileInfo,
  readMigrationDirectory,
  snapshotPath,
} from './migration/migration-directory.ts'
export {
  type LintFinding,
  type LintRule,
  type LintSeverity,
  lintStatements,
} from './migration/migration-lint.ts'
export { type MigrationPlan, planMigration } from './migration/migration-plan.ts'
export { type PendingChange, preparePendingChange } from './migration/pending-change.ts'
export {
  createSnapshot,
  EMPTY_SCHEMA_HASH,
  parseSnapshot,
  type SchemaSnapshot,
  SnapshotError,
  schemaHash,
  serializeSnapshot,
} from './migration/schema-snapshot.ts'
export {
  type NextMigration,
  type PlanNextMigrationResult,
  planNextMigration,
  type WriteNextMigrationResult,
  writeNextMigration,
} from './migration/write-next-migration.ts'
export {
  type CompileResult,
  compileSchema,
  createSchemaCompiler,
  type SchemaCompiler,
  type SchemaFileModule,
} from './schema/compile-schema.ts'
export type { ModelMeta, TableDDL } from './schema/model-meta.ts'
export { singularize, toModelName } from './schema/model-name.ts'
export type * from './schema/schema-ir.ts'
export {
  formatProblems,
  type SchemaProblem,
  type SourcePosition,
} from './schema/schema-problem.ts'
export type { CompilerOptions } from './schema/table-compiler.ts'
export {
  type BelongsToOptions,
  type DefaultValue,
  type DomainOptions,
  type EnumOptions,
  type FieldOptions,
  type FunctionArgument,
  type FunctionOptions,
  type HasOptions,
  type IndexOptions,
  type ManyToManyOptions,
  type NumericOptions,
  type PartitionByOptions,
  type PartitionOptions,
  type PartitionStrategy,
  type PartitionValue,
  type SqlExpression,
  sql,
  TableSchema,
  type TimestampOptions,
  type TimestampPrecisionOptions,
  type TriggerEvent,
  type TriggerOptions,
  type VarcharOptions,
} from './schema/table-schema.ts'
export { columnSql } from './sql/create-table-sql.ts'
export { quoteIdent, quoteLiteral } from './sql/identifier.ts'
export { tableDdl } from './sql/table-ddl.ts'
export { generateTableFiles } from './sql/table-files.ts'
