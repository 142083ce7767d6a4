import type { EnumIR, SchemaIR, TableIR } from '../schema/schema-ir.ts'
import { isView } from '../sql/view-sql.ts'
import { declaredRenames, type RenameMap } from './declared-renames.ts'
import { diffDomains } from './domain-diff.ts'
import { enumDependents } from './enum-dependents.ts'
import { diffFunctions } from './function-diff.ts'
import { diffPartitions } from './partition-diff.ts'
import type { EnumValuePosition, SchemaChange } from './schema-change.ts'
import { diffTable, foreignKeysOf } from './table-diff.ts'
import { diffTriggers } from './trigger-diff.ts'
import { diffViews } from './view-diff.ts'

const NO_RENAMES: RenameMap = { tables: new Map(), columns: new Map(), enumValues: new Map() }

/**
 * Everything that differs between two schemas, as a deterministic list of changes (target
 * table order, then what only the source has). `from: null` is the empty database: every
 * enum, table, index and FK is created. Renames are the declared ones (`renamedFrom`,
 * `renamedValues`) unless `renames` is given (the rollback diff passes the inverted map).
 *
 * ```ts
 * diffSchemas(before, after)
 * // [{ kind: 'addColumn', table: 'users', column: { name: 'phone', … } }]
 * ```
 */
export function diffSchemas(
  from: SchemaIR | null,
  to: SchemaIR,
  renames: RenameMap = from ? declaredRenames(from, to) : NO_RENAMES,
): readonly SchemaChange[] {
  const source: SchemaIR = from ?? { kind: 'schema', tables: [], enums: [] }
  const changes: SchemaChange[] = diffEnums(source, to, renames)

  const previousTables = new Map(source.tables.map((t) => [t.name, t]))
  const kept = new Set<string>()
  for (const table of to.tables) {
    if (isView(table)) continue
    const oldName = renames.tables.get(table.name) ?? table.name
    const previous = previousTables.get(oldName)
    // A view that becomes a table: the view is dropped (diffViews), the table created.
    if (!previous || isView(previous)) {
      changes.push({ kind: 'createTable', table }, ...diffPartitions(undefined, table))
      for (const index of table.indexes) {
        changes.push({ kind: 'addIndex', table: table.name, index, newTable: true })
      }
      for (const fk of foreignKeysOf(table)) {
        changes.push({ kind: 'addForeignKey', table: table.name, fk, newTable: true })
      }
      continue
    }
    kept.add(oldName)
    if (oldName !== table.name) changes.push({ kind: 'renameTable', from: oldName, to: table.name })
    changes.push(...diffKeptTable(previous, table, renames), ...diffPartitions(previous, table))
  }
  // Dropped tables lose their own FKs first, so they can be dropped in any order.
  for (const table of [...source.tables].reverse()) {
    if (kept.has(table.name) || isView(table)) continue
    for (const fk of foreignKeysOf(table)) {
      changes.push({ kind: 'dropForeignKey', table: table.name, fk, newTable: false })
    }
    changes.push({ kind: 'dropTable', table })
  }
  // After every table's changes: an index or check they already re-make is not made twice.
  changes.push(...enumDependents(source, to, renames, changes))
  // Before the views: one calling a function that is dropped and created again is re-created too.
  changes.push(...diffDomains(source, to), ...diffFunctions(source, to))
  changes.push(...diffViews(source, to, renames, changes))
  changes.push(...diffTriggers(source, to, renames, changes))
  return changes
}

/**
 * diffTable, kept per pair of table objects when no rename is declared (the diff then depends
 * on the two tables alone): on a dev-server save the snapshot's tables and every unchanged
 * table are the same objects as on the previous save.
 */
function diffKeptTable(previous: TableIR, next: TableIR, renames: RenameMap): SchemaChange[] {
  if (renames.tables.size > 0 || renames.columns.has(next.name)) {
    return diffTable(previous, next, renames)
  }
  let byNext = tableDiffs.get(previous)
  if (byNext === undefined) {
    byNext = new WeakMap()
    tableDiffs.set(previous, byNext)
  }
  let changes = byNext.get(next)
  if (changes === undefined) {
    changes = diffTable(previous, next, renames)
    byNext.set(next, changes)
  }
  return changes
}

const tableDiffs = new WeakMap<TableIR, WeakMap<TableIR, SchemaChange[]>>()

function diffEnums(from: SchemaIR, to: SchemaIR, renames: RenameMap): SchemaChange[] {
  const changes: SchemaChange[] = []
  const previousEnums = new Map(from.enums.map((e) => [e.name, e]))
  const nextNames = new Set(to.enums.map((e) => e.name))
  for (const type of to.enums) {
    const previous = previousEnums.get(type.name)
    if (previous) changes.push(...diffEnumValues(previous, type, renames, to))
    else changes.push({ kind: 'createEnum', enum: type })
  }
  for (const type of from.enums) {
    if (!nextNames.has(type.name)) changes.push({ kind: 'dropEnum', enum: type })
  }
  return changes
}

/**
 * Renames, and additions at their declared position. PostgreSQL can neither remove an enum
 * value nor move one: for a removal, or for kept values in a new order (which changes how
 * they sort and compare), the type is recreated and every column using it is cast through
 * text. An addition's neighbour is named as the type has it before the migration: its ADD
 * VALUE runs (and commits) before the renames (migration-plan.ts). A rename counts only when
 * its old name is gone from the values, so no added value can meet the old one.
 */
function diffEnumValues(
  previous: EnumIR,
  next: EnumIR,
  renames: RenameMap,
  to: SchemaIR,
): SchemaChange[] {
  const changes: SchemaChange[] = []
  const renamed = renames.enumValues.get(next.name) ?? new Map<string, string>()
  const current = [...previous.values]
  for (const [value, old] of renamed) {
    changes.push({ kind: 'renameEnumValue', enumName: next.name, from: old, to: value })
    current[current.indexOf(old)] = value
  }
  const removed = current.filter((v) => !next.values.includes(v))
  const keptInOldOrder = current.filter((v) => next.values.includes(v))
  const keptInNewOrder = next.values.filter((v) => current.includes(v))
  const reordered = keptInOldOrder.some((value, i) => value !== keptInNewOrder[i])
  if (removed.length > 0 || reordered) {
    // A view's columns follow its tables' (it is dropped and created around the change).
    const columns = to.tables.flatMap((table) =>
      isView(table)
        ? []
        : table.columns
            .filter((c) => c.enumName === next.name)
            .map((column) => ({ table: table.name, column })),
    )
    return [...changes, { kind: 'recreateEnum', from: previous, to: next, removed, columns }]
  }
  const oldName = (value: string) => renamed.get(value) ?? value
  next.values.forEach((value, i) => {
    if (current.includes(value)) return
    const position: EnumValuePosition =
      i > 0
        ? { after: oldName(next.values[i - 1]!) }
        : current.length > 0
          ? { before: oldName(current[0]!) }
          : null
    changes.push({ kind: 'addEnumValue', enumName: next.name, value, position })
    current.splice(i, 0, value)
  })
  return changes
}
