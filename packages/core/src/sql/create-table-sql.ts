import type { ColumnIR, TableIR } from '../schema/schema-ir.ts'
import { quoteIdent } from './identifier.ts'
import { partitionBySql } from './partition-sql.ts'

/**
 * `CREATE TABLE IF NOT EXISTS` with the columns, then the composite primary key, unique
 * constraints and checks as table constraints, then a partitioned table's `PARTITION BY`.
 * Foreign keys and partitions are added separately.
 *
 * ```sql
 * CREATE TABLE IF NOT EXISTS users (
 *   id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
 *   email TEXT NOT NULL UNIQUE,
 *   deleted_at TIMESTAMPTZ
 * )
 * ```
 */
export function createTableSql(table: TableIR): string {
  const constraints = [
    ...(table.primaryKey.length > 1 ? [`PRIMARY KEY (${columnList(table.primaryKey)})`] : []),
    ...table.uniques.map(
      (unique) => `CONSTRAINT ${quoteIdent(unique.name)} UNIQUE (${columnList(unique.columns)})`,
    ),
    ...table.checks.map(
      (check) => `CONSTRAINT ${quoteIdent(check.name)} CHECK (${check.expression})`,
    ),
  ]
  const lines = [...table.columns.map(columnSql), ...constraints]
  return `CREATE TABLE IF NOT EXISTS ${quoteIdent(table.name)} (\n${lines.map((line) => `  ${line}`).join(',\n')}\n)${partitionBySql(table)}`
}

/** One column definition: `name TYPE[ PRIMARY KEY][ NOT NULL][ UNIQUE][ DEFAULT x][ GENERATED ALWAYS AS IDENTITY]`. */
export function columnSql(column: ColumnIR): string {
  return [
    quoteIdent(column.name),
    column.sqlType,
    column.primaryKey ? 'PRIMARY KEY' : null,
    column.primaryKey || column.nullable ? null : 'NOT NULL',
    column.unique && !column.primaryKey ? 'UNIQUE' : null,
    column.defaultSql === null ? null : `DEFAULT ${column.defaultSql}`,
    column.generatedSql === undefined
      ? null
      : `GENERATED ALWAYS AS (${column.generatedSql}) STORED`,
    column.identity ? `GENERATED ${identityGeneration(column)} AS IDENTITY` : null,
  ]
    .filter((part) => part !== null)
    .join(' ')
}

/** Whether an insert may give an identity column's value (`BY DEFAULT`) or not (`ALWAYS`). */
export type IdentityGeneration = 'ALWAYS' | 'BY DEFAULT'

/** `ALWAYS` or `BY DEFAULT`: whether an insert may give an identity column's value. */
export function identityGeneration(column: ColumnIR): IdentityGeneration {
  return column.identityGeneration === 'byDefault' ? 'BY DEFAULT' : 'ALWAYS'
}

/** `a, b, c` with each name quoted where needed. */
export function columnList(columns: readonly string[]): string {
  return columns.map(quoteIdent).join(', ')
}
