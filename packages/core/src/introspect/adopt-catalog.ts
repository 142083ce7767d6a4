import { quoteIdent } from '../sql/identifier.ts'
import { type Context, rawConstraint, rawIndex, type Table } from './adopt-table.ts'
import type { DatabaseCatalog } from './catalog-queries.ts'
import { type ColumnBuilder, columnBuilder, withRetypeRefused } from './column-builder.ts'
import { expressibleForeignKeys, foreignKeyOrder, isJunction } from './foreign-keys.ts'
import { adoptObjects, expressibleDomains } from './object-calls.ts'
import { adoptPartitionings, type PulledPartitioning } from './partition-calls.ts'
import type { PulledSchema, UnexpressedObject } from './pulled-schema.ts'
import { schemaFileName } from './schema-file-writer.ts'
import { tableCalls } from './table-calls.ts'
import {
  columnDefinition,
  definitionObjects,
  rawTableSql,
  serialSequenceObjects,
} from './unexpressed-sql.ts'
import { adoptViews } from './view-calls.ts'

const RELATION_AND_INDEX_CALLS = new Set([
  'belongsTo',
  'hasOne',
  'hasMany',
  'manyToMany',
  'addIndexes',
])

/**
 * Turns a catalog into schema files' builder calls and the hand-written rest. Pure: the
 * same catalog, the same files.
 */
export function adoptCatalog(catalog: DatabaseCatalog): PulledSchema {
  const unexpressed: UnexpressedObject[] = []
  const notes: string[] = []
  const schema = catalog.schema
  const enums = new Map(catalog.enums.map((item) => [item.name, item]))
  // Domains depend on no table: which are schema files' is known before the columns using them.
  const domains = expressibleDomains(catalog)
  const domainNames = new Set(domains.keys())
  // Views are adopted after the tables (adoptViews), once it is known which tables are in SQL.
  const tables = catalog.tables.flatMap((row): Table[] => {
    if (row.view_definition !== null) return []
    const constraints = catalog.constraints.filter((c) => c.table_oid === row.oid)
    return [
      {
        row,
        columns: catalog.columns.filter((c) => c.table_oid === row.oid),
        constraints,
        indexes: catalog.indexes.filter((i) => i.table_oid === row.oid),
        primaryKey: constraints.find((c) => c.type === 'p'),
      },
    ]
  })
  // Columns the DSL can write, per table; the others are added by the migration.
  const builders = new Map<string, Map<string, ColumnBuilder>>()
  const expressible: Table[] = []
  const partitionings = adoptPartitionings(catalog)
  // A partition is written in its table's file; whether that file is written is known after the loop.
  const partitions: Table[] = []
  for (const table of tables) {
    const name = table.row.name
    const parent = table.row.partition_of
    if (parent !== null && isAdopted(partitionings.get(parent))) {
      partitions.push(table)
      continue
    }
    const columns = new Map<string, ColumnBuilder>()
    const unsupported: UnexpressedObject[] = []
    // A generated column may be computed from any other column: with one written in SQL
    // (added after the tables), it is written in SQL too.
    const someInSql = table.columns.some(
      (column) => 'unsupported' in columnBuilder(name, column, enums, schema, domainNames),
    )
    for (const column of table.columns) {
      const builder =
        someInSql && column.generated !== ''
          ? { unsupported: 'it is a generated column of a table with a column written in SQL' }
          : columnBuilder(name, column, enums, schema, domainNames)
      if ('unsupported' in builder) {
        unsupported.push({
          stage: 'column',
          object: `column ${name}.${column.name}`,
          reason: `${builder.unsupported}; models do not see it`,
          sql: `ALTER TABLE ${quoteIdent(name)} ADD COLUMN ${columnDefinition(column)}`,
        })
      } else
        columns.set(
          column.name,
          withRetypeRefused(builder, column, table.columns, table.row.partition_key),
        )
    }
    // Logical replication's row identity, after the indexes it may name.
    if (
      table.row.replica_identity !== null &&
      table.row.relkind !== 'v' &&
      table.row.relkind !== 'm'
    )
      unexpressed.push({
        stage: 'policy',
        object: `replica identity of ${name}`,
        reason: 'the schema DSL does not declare a replica identity',
        sql: `ALTER TABLE ${quoteIdent(name)} REPLICA IDENTITY ${table.row.replica_identity}`,
      })
    const reason = rawTableReason(table, columns, partitionings.get(name))
    if (reason !== null) {
      unexpressed.push(...rawTable(table, reason, schema))
      continue
    }
    unexpressed.push(...unsupported)
    for (const [column, builder] of columns) {
      if (builder.note !== undefined) notes.push(`${name}.${column}: ${builder.note}`)
    }
    builders.set(name, columns)
    expressible.push(table)
  }

  // Serial columns' sequences, for schema-file tables and tables written in SQL alike.
  for (const table of tables)
    for (const column of table.columns)
      unexpressed.push(...serialSequenceObjects(table.row.name, column))

  const inFiles = new Set(expressible.map((t) => t.row.name))
  for (const partition of partitions) {
    const parent = partition.row.partition_of ?? ''
    if (inFiles.has(parent)) unexpressed.push(...partitionOwnObjects(partition, schema))
    else unexpressed.push(...rawTable(partition, `it is a partition of ${parent}`, schema))
  }

  const allKeys = expressibleForeignKeys(expressible, builders, unexpressed, schema)
  const { order, cyclic } = foreignKeyOrder(
    expressible.map((t) => t.row.name),
    allKeys,
  )
  for (const key of cyclic) {
    const reason =
      'it closes a cycle of NOT NULL foreign keys, which schema files refuse (no row could be inserted first)'
    unexpressed.push(rawConstraint(key.table, key.constraint, reason))
  }
  const foreignKeys = allKeys.filter((key) => !cyclic.includes(key))
  const context: Context = {
    schema,
    soleKeys: new Map(
      expressible.flatMap((t) =>
        t.primaryKey?.columns.length === 1 ? [[t.row.name, t.primaryKey.columns[0] as string]] : [],
      ),
    ),
    junctions: new Set(
      expressible.filter((t) => isJunction(t, foreignKeys)).map((t) => t.row.name),
    ),
  }
  const tableFiles = order.map((name) => {
    const table = expressible.find((t) => t.row.name === name) as Table
    const calls = tableCalls(
      table,
      builders.get(name) as Map<string, ColumnBuilder>,
      foreignKeys,
      unexpressed,
      context,
    )
    const partitioning = partitionings.get(name)
    if (partitioning === undefined || !('calls' in partitioning)) return { name, calls }
    // After the columns and keys, before the relations and indexes: what the table is, then what it has.
    const at = calls.findIndex((call) => RELATION_AND_INDEX_CALLS.has(call.method))
    const split = at === -1 ? calls.length : at
    return { name, calls: [...calls.slice(0, split), ...partitioning.calls, ...calls.slice(split)] }
  })
  // After the tables' calls: which columns the hand-written migration alters is known then.
  const viewReasons = new Map<string, string>()
  const views = adoptViews(catalog, enums, unexpressed, viewReasons)
  const files = [...tableFiles, ...views]
  const declared = adoptObjects(
    catalog,
    domains,
    new Set(files.map((file) => file.name)),
    unexpressed,
  )
  const width = Math.max(2, String(files.length).length)
  const pulled = files.map(({ name, calls }, index) => ({
    name,
    file: schemaFileName(String(index + 1).padStart(width, '0'), name),
    calls: [...calls, ...(declared.triggers.get(name) ?? [])],
  }))
  const objects =
    declared.calls.length === 0
      ? null
      : { name: 'functions', file: `${'0'.repeat(width)}_functions.ts`, calls: declared.calls }
  const usedEnums = new Set(
    [...builders.values()].flatMap((columns) =>
      [...columns.values()].flatMap((b) =>
        b.method === 'enum' ? [String(b.options.enumName ?? '')] : [],
      ),
    ),
  )
  for (const table of expressible) {
    for (const column of table.columns) {
      if (builders.get(table.row.name)?.get(column.name)?.method === 'enum')
        usedEnums.add(column.base_type)
    }
  }
  // The comments of schema-file tables and their columns are in the files (t.comment, comment).
  const commented = new Set([
    ...[...builders].flatMap(([table, columns]) => [
      `comment ${table}`,
      ...[...columns.keys()].map((column) => `comment ${table}.${column}`),
    ]),
    // The views, functions, triggers and domains in schema files.
    ...views.map((view) => view.object),
    ...declared.objects,
  ])
  unexpressed.push(
    ...definitionObjects(catalog, usedEnums)
      .filter((item) => !commented.has(item.object))
      .map((item) => {
        const reason = declared.reasons.get(item.object) ?? viewReasons.get(item.object)
        return reason === undefined ? item : { ...item, reason }
      }),
  )
  return { schema, tables: pulled, objects, unexpressed, notes }
}

/** Why a table cannot be a schema file at all, or null. */
function rawTableReason(
  table: Table,
  columns: ReadonlyMap<string, ColumnBuilder>,
  partitioning: PulledPartitioning | undefined,
): string | null {
  if (table.row.partition_of !== null) return `it is a partition of ${table.row.partition_of}`
  if (partitioning !== undefined && 'reason' in partitioning) return partitioning.reason
  // A table partitioned by an expression can have none: its file declares none either.
  const keyless = partitioning !== undefined && 'keyless' in partitioning && partitioning.keyless
  if (table.primaryKey === undefined)
    return keyless ? null : 'it has no primary key (models need one)'
  if (!table.primaryKey.columns.every((column) => columns.has(column)))
    return 'its primary key is over a column without a schema builder'
  // Schema files declare a plain key: its table is written as it is rather than lose these.
  if (table.primaryKey.deferrable) return 'its primary key is DEFERRABLE'
  if (/\bINCLUDE\s*\(/i.test(table.primaryKey.definition))
    return 'its primary key has INCLUDE columns'
  return null
}

/**
 * What a partition of a schema-file table has of its own, beyond what it takes from its table
 * (columns, key, indexes): a constraint or an index made on it alone, written after the tables.
 */
function partitionOwnObjects(partition: Table, schema: string): UnexpressedObject[] {
  const why = `it is partition ${partition.row.name}'s own (schema files declare what the partitioned table has)`
  return [
    ...partition.constraints
      .filter((c) => !c.inherited)
      .map((c) => rawConstraint(partition.row.name, c, why)),
    ...partition.indexes
      .filter((i) => !i.of_constraint && !i.inherited)
      .map((i) => rawIndex(schema, i, why)),
  ]
}

/**
 * A table written in SQL: its CREATE TABLE, then its constraints and indexes. A partition's
 * inherited ones come with PARTITION OF; an INHERITS child's checks are written as its own,
 * since `ALTER TABLE … INHERIT` (after them) refuses a child without its parent's checks.
 */
function rawTable(table: Table, reason: string, schema: string): UnexpressedObject[] {
  const name = table.row.name
  const why = 'it belongs to a table written in SQL'
  const partition = table.row.partition_of !== null
  return [
    { stage: 'table', object: `table ${name}`, reason, sql: rawTableSql(table.row, table.columns) },
    ...table.constraints
      .filter((c) => !c.inherited || !partition)
      .map((c) => rawConstraint(name, c, why)),
    ...table.indexes
      .filter((i) => !i.of_constraint && !i.inherited)
      .map((i) => rawIndex(schema, i, why)),
  ]
}

function isAdopted(partitioning: PulledPartitioning | undefined): boolean {
  return partitioning !== undefined && 'calls' in partitioning
}
