import type { TriggerIR } from '../schema/object-ir.ts'
import type { SchemaIR, TableIR } from '../schema/schema-ir.ts'
import type { RenameMap } from './declared-renames.ts'
import { recreatedFunctions } from './function-diff.ts'
import type { SchemaChange } from './schema-change.ts'

/**
 * The triggers' changes, given every other change of the migration. PostgreSQL has no ALTER
 * for a trigger's definition: a changed one is dropped (before anything else) and created (after
 * everything else). So is one whose table or view is created again or renamed, and one whose
 * function is dropped and created (DROP FUNCTION refuses while a trigger calls it).
 */
export function diffTriggers(
  from: SchemaIR,
  to: SchemaIR,
  renames: RenameMap,
  changes: readonly SchemaChange[],
): SchemaChange[] {
  const remade = new Set(
    changes.flatMap((change) =>
      change.kind === 'createTable' || change.kind === 'createView' ? [change.table.name] : [],
    ),
  )
  const functions = recreatedFunctions(changes)
  const previous = new Map(from.tables.map((table) => [table.name, table]))
  const kept = new Set<string>()
  const created: SchemaChange[] = []
  for (const table of to.tables) {
    const oldName = renames.tables.get(table.name) ?? table.name
    const old =
      oldName === table.name && !remade.has(table.name) ? previous.get(oldName) : undefined
    for (const trigger of table.triggers ?? []) {
      const before = triggerOf(old, trigger.name)
      if (before !== undefined && sameTrigger(before, trigger) && !functions.has(trigger.function))
        kept.add(key(table.name, trigger.name))
      else created.push({ kind: 'createTrigger', table: table.name, trigger })
    }
  }
  const dropped = from.tables.flatMap((table) =>
    (table.triggers ?? [])
      .filter((trigger) => !kept.has(key(table.name, trigger.name)))
      .map((trigger): SchemaChange => ({ kind: 'dropTrigger', table: table.name, trigger })),
  )
  return [...dropped, ...created]
}

function triggerOf(table: TableIR | undefined, name: string): TriggerIR | undefined {
  return table?.triggers?.find((trigger) => trigger.name === name)
}

/** Field by field: a trigger read back from the snapshot has its keys in another order. */
function sameTrigger(a: TriggerIR, b: TriggerIR): boolean {
  return (
    a.timing === b.timing &&
    a.events.join() === b.events.join() &&
    (a.of ?? []).join() === (b.of ?? []).join() &&
    a.forEach === b.forEach &&
    a.when === b.when &&
    a.function === b.function
  )
}

function key(table: string, trigger: string): string {
  return `${table}\0${trigger}`
}
