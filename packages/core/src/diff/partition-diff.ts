import type { PartitionIR, PartitioningIR, SchemaIR, TableIR } from '../schema/schema-ir.ts'
import type { SchemaChange } from './schema-change.ts'

/**
 * A table's partition changes from `previous` (undefined: the table is new) to `next`. A new
 * partition is created; a removed one is detached and dropped, its rows with it; one whose
 * bound changed is both (PostgreSQL cannot alter a bound), in that order, so the new bound may
 * overlap the old. A changed key, or a table that becomes or stops being partitioned, is one
 * `changePartitionKey`: PostgreSQL cannot re-partition a table, the migration is the user's.
 */
export function diffPartitions(previous: TableIR | undefined, next: TableIR): SchemaChange[] {
  const table = next.name
  const created = (partitioning: PartitioningIR | undefined): SchemaChange[] =>
    (partitioning?.partitions ?? []).map((partition) => ({
      kind: 'createPartition',
      table,
      partition,
    }))
  if (previous === undefined) return created(next.partitionBy)
  const from = previous.partitionBy
  const to = next.partitionBy
  if (from === undefined && to === undefined) return []
  if (from === undefined || to === undefined || keyText(from) !== keyText(to))
    return [{ kind: 'changePartitionKey', table, from: from ?? null, to: to ?? null }]
  const renames = declaredRenames(from.partitions, to.partitions)
  const renamed = new Set(renames.flatMap((r) => [`old ${r.from}`, `new ${r.to}`]))
  const oldBounds = new Map(from.partitions.map((p) => [p.name, p.bound]))
  const newBounds = new Map(to.partitions.map((p) => [p.name, p.bound]))
  // A default partition kept from before may hold rows of a new bound: the lint says so.
  const keptDefault = to.partitions.find(
    (p) => p.bound === 'DEFAULT' && oldBounds.get(p.name) === 'DEFAULT',
  )
  const beside = (partition: PartitionIR) =>
    keptDefault === undefined || partition.bound === 'DEFAULT'
      ? {}
      : { besideDefault: keptDefault.name }
  return [
    ...renames.map((r): SchemaChange => ({ kind: 'renamePartition', table, ...r })),
    ...from.partitions
      .filter((p) => !renamed.has(`old ${p.name}`) && newBounds.get(p.name) !== p.bound)
      .map((partition): SchemaChange => ({ kind: 'dropPartition', table, partition })),
    ...to.partitions
      .filter((p) => !renamed.has(`new ${p.name}`) && oldBounds.get(p.name) !== p.bound)
      .map(
        (partition): SchemaChange => ({
          kind: 'createPartition',
          table,
          partition,
          ...beside(partition),
        }),
      ),
  ]
}

/**
 * The partitions renamed as declared: a new one whose `renamedFrom` is an old one's name, or
 * (the rollback diff) an old one whose `renamedFrom` is a new one's, with the same bound, the
 * earlier name gone and the later one new. A bound that changed too is a drop and a create.
 */
function declaredRenames(
  from: readonly PartitionIR[],
  to: readonly PartitionIR[],
): { readonly from: string; readonly to: string }[] {
  const oldNames = new Set(from.map((p) => p.name))
  const newNames = new Set(to.map((p) => p.name))
  const renames: { from: string; to: string }[] = []
  for (const next of to) {
    if (oldNames.has(next.name)) continue
    const old = from.find(
      (p) =>
        !newNames.has(p.name) &&
        p.bound === next.bound &&
        (next.renamedFrom === p.name || p.renamedFrom === next.name),
    )
    if (old !== undefined) renames.push({ from: old.name, to: next.name })
  }
  return renames
}

/** The key as one comparable text: strategy, columns, expression. */
function keyText(partitioning: PartitioningIR): string {
  return JSON.stringify([partitioning.strategy, partitioning.columns, partitioning.expression])
}

/** The names of the partitioned tables of either schema: their indexes are never built CONCURRENTLY. */
export function partitionedTables(...schemas: readonly (SchemaIR | null)[]): ReadonlySet<string> {
  return new Set(
    schemas.flatMap((schema) =>
      (schema?.tables ?? []).flatMap((t) => (t.partitionBy === undefined ? [] : [t.name])),
    ),
  )
}

/** `RANGE (created_at)` of a key, or `not partitioned`: for messages. */
export function describeKey(partitioning: PartitioningIR | null): string {
  if (partitioning === null) return 'not partitioned'
  const keys = partitioning.expression ?? partitioning.columns.join(', ')
  return `${partitioning.strategy.toUpperCase()} (${keys})`
}
