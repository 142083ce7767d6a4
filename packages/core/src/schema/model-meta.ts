import type { TableIR } from './schema-ir.ts'

/** The DDL of one table, as ready SQL statements (each runnable on its own, each re-runnable). */
export interface TableDDL {
  /** `CREATE EXTENSION IF NOT EXISTS` for its extensions, then `CREATE TYPE … AS ENUM` for its enums, guarded so re-running is harmless. */
  readonly createTypes: readonly string[]
  /** `CREATE TABLE IF NOT EXISTS …` with columns, primary key, uniques and checks. */
  readonly createTable: string
  /** A partitioned table's `CREATE TABLE IF NOT EXISTS … PARTITION OF …`, one per partition. Absent: not partitioned. */
  readonly createPartitions?: readonly string[]
  /** `COMMENT ON TABLE` / `COMMENT ON COLUMN` for its comments. Absent: none. */
  readonly comments?: readonly string[]
  /** `CREATE OR REPLACE TRIGGER` per `t.trigger`, after the table; the functions must exist. Absent: none. */
  readonly createTriggers?: readonly string[]
  /** One guarded `ALTER TABLE … ADD CONSTRAINT fk_…` per belongsTo. */
  readonly foreignKeys: readonly string[]
  /** `CREATE [UNIQUE] INDEX IF NOT EXISTS …` per index. */
  readonly createIndexes: readonly string[]
  /** `DROP TABLE IF EXISTS … CASCADE`. */
  readonly dropTable: string
}

/**
 * Everything the runtime needs to run a model: the table's IR and its precompiled DDL.
 * Plain JSON data, so the plugin can inline it into `virtual:fluentorm/models` and the app
 * never evaluates the schema DSL at start.
 */
export interface ModelMeta {
  readonly table: TableIR
  readonly ddl: TableDDL
}
