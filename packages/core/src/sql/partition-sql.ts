import type { PartitionIR, PartitioningIR, TableIR } from '../schema/schema-ir.ts'
import { quoteIdent } from './identifier.ts'

/**
 * ` PARTITION BY RANGE (created_at)` after a partitioned table's column list, or nothing.
 *
 * ```sql
 * CREATE TABLE IF NOT EXISTS events ( … ) PARTITION BY RANGE (created_at)
 * ```
 */
export function partitionBySql(table: TableIR): string {
  return table.partitionBy === undefined
    ? ''
    : ` PARTITION BY ${partitionKeySql(table.partitionBy)}`
}

/** `RANGE (created_at)`, `LIST ((lower(region)))`: the key after `PARTITION BY`. */
export function partitionKeySql(partitioning: PartitioningIR): string {
  const keys =
    partitioning.expression === undefined
      ? partitioning.columns.map(quoteIdent).join(', ')
      : `(${partitioning.expression})`
  return `${partitioning.strategy.toUpperCase()} (${keys})`
}

/**
 * One partition's CREATE: a table PostgreSQL attaches to the parent with its bound; it takes
 * the parent's columns, constraints and indexes. `rerunnable` (the per-table files and
 * `createTable()`): `IF NOT EXISTS`.
 *
 * ```sql
 * CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')
 * ```
 */
export function createPartitionSql(
  parent: string,
  partition: PartitionIR,
  rerunnable: boolean,
): string {
  return `CREATE TABLE ${rerunnable ? 'IF NOT EXISTS ' : ''}${quoteIdent(partition.name)} PARTITION OF ${quoteIdent(parent)} ${partition.bound}`
}

/** Every partition of the table, re-runnable, in declaration order. */
export function createPartitionsSql(table: TableIR): string[] {
  return (table.partitionBy?.partitions ?? []).map((partition) =>
    createPartitionSql(table.name, partition, true),
  )
}

/**
 * A partition taken out of its parent, then dropped with its rows: `DETACH` first, so the
 * parent's other partitions are untouched by the drop.
 */
export function dropPartitionSql(parent: string, partition: PartitionIR): string[] {
  return [
    `ALTER TABLE ${quoteIdent(parent)} DETACH PARTITION ${quoteIdent(partition.name)}`,
    `DROP TABLE IF EXISTS ${quoteIdent(partition.name)}`,
  ]
}
