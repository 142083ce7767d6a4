import type { IndexIR, SchemaIR } from '../schema/schema-ir.ts'
import type { RenameMap } from './declared-renames.ts'
import type { SchemaChange } from './schema-change.ts'
import { mentions } from './table-diff.ts'

/**
 * The indexes and checks to drop before an enum type is recreated and to make again after it.
 * Recreating the type retypes its columns, and PostgreSQL rebuilds a partial index's WHERE,
 * an index expression or a check on such a column with the old type's literals, then stops:
 * `operator does not exist: users_status = users_status_fluentorm_old`. Only the schema's own
 * can be made again; those the table's changes already drop and make (changed, added, removed)
 * are left to them.
 */
export function enumDependents(
  from: SchemaIR,
  to: SchemaIR,
  renames: RenameMap,
  changes: readonly SchemaChange[],
): SchemaChange[] {
  const remade = new Set(
    changes.flatMap((c) =>
      c.kind === 'addIndex'
        ? [`index\0${c.index.name}`]
        : c.kind === 'addCheck'
          ? [`check\0${c.table}\0${c.check.name}`]
          : [],
    ),
  )
  const dependents: SchemaChange[] = []
  for (const change of changes) {
    if (change.kind !== 'recreateEnum') continue
    for (const { table, column } of change.columns) {
      const next = to.tables.find((t) => t.name === table)
      const previous = from.tables.find((t) => t.name === (renames.tables.get(table) ?? table))
      // A table the migration creates has its checks in its CREATE TABLE: not made apart.
      if (next === undefined || previous === undefined) continue
      const uses = (sql: string | null | undefined) => sql != null && mentions(sql, column.name)
      for (const index of next.indexes) {
        const old = previous.indexes.find((i) => i.name === index.name)
        const key = `index\0${index.name}`
        if (old === undefined || remade.has(key) || !usesInExpression(index, uses)) continue
        remade.add(key)
        dependents.push(
          { kind: 'dropIndex', table, index: old, newTable: false },
          { kind: 'addIndex', table, index, newTable: false },
        )
      }
      for (const check of next.checks) {
        const old = previous.checks.find((c) => c.name === check.name)
        const key = `check\0${table}\0${check.name}`
        if (old === undefined || remade.has(key) || !uses(check.expression)) continue
        remade.add(key)
        dependents.push(
          { kind: 'dropCheck', table, check: old },
          { kind: 'addCheck', table, check },
        )
      }
    }
  }
  return dependents
}

/** A column key alone is rebuilt with the new type's operator class: only expressions fail. */
function usesInExpression(index: IndexIR, uses: (sql: string | null | undefined) => boolean) {
  return uses(index.where) || (index.keys ?? []).some((k) => uses(k.expression))
}
