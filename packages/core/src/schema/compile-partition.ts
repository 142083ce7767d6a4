import type { CheckColumns, Report } from './compile-index.ts'
import type { DefaultTarget } from './default-sql.ts'
import { expressionText } from './expression-text.ts'
import { type PartitionEntry, partitionBound } from './partition-bound.ts'
import type { PartitionStrategy } from './partition-options.ts'
import type {
  ColumnIR,
  EnumIR,
  IndexIR,
  PartitionIR,
  PartitioningIR,
  UniqueIR,
} from './schema-ir.ts'
import type { DraftOrigin, TableDraftEntry } from './table-schema.ts'

/** What the partitioning of a table is checked against: the table as compiled so far. */
export interface PartitionedTable {
  readonly name: string
  readonly columns: readonly ColumnIR[]
  readonly enums: readonly EnumIR[]
  readonly primaryKey: readonly string[]
  readonly uniques: readonly UniqueIR[]
  readonly indexes: readonly IndexIR[]
}

const STRATEGIES: readonly PartitionStrategy[] = ['range', 'list', 'hash']

/**
 * The `PARTITION BY` key and the partitions `t.partitionBy` and `t.partition` declare, or
 * undefined when the table is not partitioned. Each bound value is a literal of its key
 * column's type, checked and quoted as a default is (never SQL). What PostgreSQL would refuse
 * when the DDL runs is reported here, naming the call: a primary key or unique constraint
 * without the key columns, a bound of the wrong form, a second default partition.
 */
export function compilePartitioning(
  entries: readonly TableDraftEntry[],
  table: PartitionedTable,
  checkColumns: CheckColumns,
  report: Report,
): PartitioningIR | undefined {
  const calls = entries.filter((entry) => entry.kind === 'partitionBy')
  const partitions = entries.filter((entry): entry is PartitionEntry => entry.kind === 'partition')
  const [first, second] = calls
  if (first === undefined) {
    for (const entry of partitions)
      report(
        entry,
        `t.partition() on table '${table.name}', which has no t.partitionBy().`,
        "Declare the key first: t.partitionBy({ kind: 'range', columns: ['created_at'] }).",
      )
    return undefined
  }
  if (second !== undefined)
    report(second, 't.partitionBy() is called more than once.', 'Keep one t.partitionBy({ … }).')
  const view = entries.find((entry) => entry.kind === 'view')
  if (view !== undefined)
    report(view, 'A view cannot be partitioned.', 'Remove t.partitionBy() and t.partition().')

  const { kind, columns, expression } = first.options
  const strategy = STRATEGIES.includes(kind) ? kind : 'range'
  if (!STRATEGIES.includes(kind))
    report(
      first,
      `Partition kind ${JSON.stringify(kind ?? null)} is not range, list or hash.`,
      "Write kind: 'range', 'list' or 'hash'.",
    )
  const key = partitionKey(first, columns, expression, strategy, checkColumns, report)
  const known = key.columns.filter((name) => table.columns.some((c) => c.name === name))
  if (known.length > 0) requireKeyInUniques(first, table, known, report)
  else if (key.expression !== undefined) refuseUniques(first, table, report)

  const targets = key.columns.map((name) => columnTarget(table, name))
  const compiled: PartitionIR[] = []
  const names = new Set<string>()
  let defaultPartition: PartitionEntry | undefined
  for (const entry of partitions) {
    const name = partitionName(entry, table.name, names, report)
    if (name === null) continue
    if ((entry.options as { default?: unknown }).default === true) {
      if (defaultPartition !== undefined)
        report(
          entry,
          `Table '${table.name}' has a second default partition, '${name}'.`,
          `Keep one default partition ('${defaultPartition.options.name}').`,
        )
      defaultPartition = entry
    }
    const bound = partitionBound(entry, strategy, targets, key, report)
    const renamedFrom = earlierName(entry, report)
    if (bound !== null)
      compiled.push({
        kind: 'partition',
        name,
        bound,
        ...(renamedFrom === null ? {} : { renamedFrom }),
      })
  }
  return {
    kind: 'partitionBy',
    strategy,
    columns: key.columns,
    ...(key.expression === undefined ? {} : { expression: key.expression }),
    partitions: compiled,
  }
}

/** Whether the table is partitioned by an expression: PostgreSQL gives it no primary key. */
export function partitionedByExpression(entries: readonly TableDraftEntry[]): boolean {
  return entries.some(
    (entry) => entry.kind === 'partitionBy' && entry.options.expression !== undefined,
  )
}

function partitionKey(
  origin: DraftOrigin,
  columns: unknown,
  expression: unknown,
  strategy: PartitionStrategy,
  checkColumns: CheckColumns,
  report: Report,
): { readonly columns: string[]; readonly expression?: string } {
  if (expression !== undefined) {
    if (columns !== undefined)
      report(
        origin,
        't.partitionBy() has both columns and expression.',
        'Partition by the columns or by one expression.',
      )
    const text = expressionText(expression, 'partition key expression')
    if (!text.ok) {
      report(origin, text.message, text.hint)
      return { columns: [] }
    }
    return { columns: [], expression: text.sql }
  }
  const names =
    Array.isArray(columns) && columns.every((name) => typeof name === 'string')
      ? [...(columns as string[])]
      : []
  checkColumns(origin, names, 'partition key')
  if (strategy === 'list' && names.length > 1)
    report(
      origin,
      `A list partition key has one column; this one lists ${names.length}.`,
      "Partition by one column (columns: ['region']), or use kind: 'range'.",
    )
  return { columns: names }
}

/** PostgreSQL enforces a unique constraint per partition: it must hold the key columns. */
function requireKeyInUniques(
  origin: DraftOrigin,
  table: PartitionedTable,
  keyColumns: readonly string[],
  report: Report,
): void {
  const constraints = [
    ...(table.primaryKey.length > 0
      ? [{ what: 'primary key', columns: table.primaryKey, fix: 'primaryKey' }]
      : []),
    ...table.uniques.map((u) => ({ what: `unique constraint '${u.name}'`, columns: u.columns })),
    ...table.columns
      .filter((c) => c.unique && !c.primaryKey)
      .map((c) => ({ what: `unique column '${c.name}'`, columns: [c.name] })),
    ...table.indexes
      .filter((i) => i.unique)
      .map((i) => ({ what: `unique index '${i.name}'`, columns: i.columns })),
  ]
  for (const constraint of constraints) {
    const missing = keyColumns.filter((column) => !constraint.columns.includes(column))
    if (missing.length === 0) continue
    const all = [...constraint.columns, ...missing].map((c) => `'${c}'`).join(', ')
    report(
      origin,
      `The ${constraint.what} (${constraint.columns.join(', ')}) of partitioned table '${table.name}' does not include the partition key column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `'${c}'`).join(', ')}; PostgreSQL requires every primary key and unique constraint of a partitioned table to include them.`,
      'fix' in constraint
        ? `Make the key composite: t.primaryKey([${all}]) (without primaryKey: true on the columns), or partition by the key's columns.`
        : `Add ${missing.map((c) => `'${c}'`).join(', ')} to it, or partition by its columns.`,
    )
  }
}

function refuseUniques(origin: DraftOrigin, table: PartitionedTable, report: Report): void {
  const unique =
    table.primaryKey.length > 0 ||
    table.uniques.length > 0 ||
    table.columns.some((c) => c.unique) ||
    table.indexes.some((i) => i.unique)
  if (unique)
    report(
      origin,
      `Table '${table.name}' is partitioned by an expression: PostgreSQL refuses a primary key or unique constraint on it.`,
      'Partition by columns (columns: [...]) to keep the key, or remove the primary key and unique constraints (the model then has no findById).',
    )
}

function columnTarget(table: PartitionedTable, name: string): DefaultTarget | null {
  const column = table.columns.find((c) => c.name === name)
  if (column === undefined) return null
  return {
    type: column.type,
    array: column.array,
    length: column.length,
    precision: column.precision,
    scale: column.scale,
    enumValues: table.enums.find((e) => e.name === column.enumName)?.values ?? [],
  }
}

function partitionName(
  entry: PartitionEntry,
  parent: string,
  names: Set<string>,
  report: Report,
): string | null {
  const { name } = entry.options
  if (typeof name !== 'string' || name.trim() === '' || name.length > 63) {
    report(
      entry,
      `A partition of '${parent}' has no name (or one longer than 63 characters).`,
      `Name it as a table: t.partition({ name: '${parent}_2024', … }).`,
    )
    return null
  }
  if (name === parent || names.has(name)) {
    report(
      entry,
      `Partition name '${name}' is ${name === parent ? "the table's own" : 'used twice'}.`,
      'Give each partition a table name of its own.',
    )
    return null
  }
  names.add(name)
  return name
}

/** `renamedFrom`, a table name, or null when absent or reported. */
function earlierName(entry: PartitionEntry, report: Report): string | null {
  const { renamedFrom } = entry.options
  if (renamedFrom === undefined) return null
  if (typeof renamedFrom === 'string' && renamedFrom.trim() !== '' && renamedFrom.length <= 63)
    return renamedFrom
  report(
    entry,
    `Partition '${entry.options.name}': renamedFrom is not a table name.`,
    "Write the partition's earlier name: renamedFrom: 'events_2024_old'.",
  )
  return null
}
