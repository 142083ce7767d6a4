import type { IndexIR, SchemaIR } from '../schema/schema-ir.ts'
import { isView, namesWord, type ViewTable } from '../sql/view-sql.ts'
import type { RenameMap } from './declared-renames.ts'
import type { SchemaChange } from './schema-change.ts'
import { indexKey } from './table-diff.ts'

/**
 * What PostgreSQL refuses while a view reads the table: a column's type changed, a column or
 * the table dropped; or while it calls a function: the function dropped to be created again.
 * A view over such a table, or calling such a function, is dropped first and created again after.
 */
const BLOCKED_BY_VIEWS = new Set<SchemaChange['kind']>([
  'dropColumn',
  'replaceColumn',
  'alterColumnType',
  'dropExpression',
  'dropTable',
  'renameTable',
  'renameColumn',
  'recreateEnum',
  // A function dropped and created again (DROP FUNCTION refuses while a view calls it).
  'dropFunction',
])

/**
 * The views' changes, given the tables' (`tableChanges`). A view holds no rows of its own, so
 * a changed body, a materialized flag turned or a rename is a drop and a create (the rollback
 * diff makes the old body again); so is a view whose tables change in a way PostgreSQL refuses
 * under a view, and a view reading a view that is re-created. A materialized view whose body is
 * the same has its indexes diffed as a table's.
 */
export function diffViews(
  from: SchemaIR,
  to: SchemaIR,
  renames: RenameMap,
  tableChanges: readonly SchemaChange[],
): SchemaChange[] {
  const previous = new Map(from.tables.filter(isView).map((view) => [view.name, view]))
  const blocked = new Set(tableChanges.flatMap(blockedTables))
  const next = to.tables.filter(isView)
  const pairs = next.map((view) => ({
    view,
    old: previous.get(renames.tables.get(view.name) ?? view.name),
  }))
  const recreated = new Set<string>()
  for (const { view, old } of pairs) {
    if (old !== undefined && (old.name !== view.name || !sameDefinition(old, view)))
      recreated.add(old.name)
  }
  // Until nothing more: a view reading a blocked table or a re-created view is re-created too.
  for (let grew = true; grew; ) {
    grew = false
    for (const { old } of pairs) {
      if (old === undefined || recreated.has(old.name)) continue
      if ([...blocked, ...recreated].some((name) => reads(old, name))) {
        recreated.add(old.name)
        grew = true
      }
    }
  }

  const changes: SchemaChange[] = []
  const kept = new Set<string>()
  for (const { view, old } of pairs) {
    if (old !== undefined) kept.add(old.name)
    if (old === undefined || recreated.has(old.name))
      changes.push({ kind: 'createView', table: view })
    else changes.push(...diffViewIndexes(old, view))
  }
  // Dropped in reverse creation order: a view before the views it reads.
  const drops = [...previous.values()]
    .reverse()
    .filter((view) => !kept.has(view.name) || recreated.has(view.name))
    .map((view): SchemaChange => ({ kind: 'dropView', table: view }))
  return [...drops, ...changes]
}

function sameDefinition(a: ViewTable, b: ViewTable): boolean {
  return a.view.sql === b.view.sql && a.view.materialized === b.view.materialized
}

function blockedTables(change: SchemaChange): string[] {
  if (!BLOCKED_BY_VIEWS.has(change.kind)) return []
  switch (change.kind) {
    case 'renameTable':
      return [change.from, change.to]
    case 'dropTable':
      return [change.table.name]
    case 'recreateEnum':
      return change.columns.map((column) => column.table)
    case 'dropFunction':
      return change.replaced ? [change.function.name] : []
    default:
      return 'table' in change && typeof change.table === 'string' ? [change.table] : []
  }
}

/** A word that only looks like the table's name re-creates the view for nothing, never less. */
function reads(view: ViewTable, table: string): boolean {
  return namesWord(view.view.sql, table)
}

/** A kept materialized view's indexes: the removed or changed ones dropped, the new ones made. */
function diffViewIndexes(old: ViewTable, view: ViewTable): SchemaChange[] {
  const key = (index: IndexIR) => indexKey(index)
  const oldKeys = new Map(old.indexes.map((index) => [index.name, key(index)]))
  const newKeys = new Map(view.indexes.map((index) => [index.name, key(index)]))
  return [
    ...old.indexes
      .filter((index) => newKeys.get(index.name) !== key(index))
      .map(
        (index): SchemaChange => ({ kind: 'dropIndex', table: old.name, index, newTable: false }),
      ),
    ...view.indexes
      .filter((index) => oldKeys.get(index.name) !== key(index))
      .map(
        (index): SchemaChange => ({ kind: 'addIndex', table: view.name, index, newTable: false }),
      ),
  ]
}
