import type { SchemaIR } from '../schema/schema-ir.ts'
import { commentSql } from '../sql/comment-sql.ts'
import type { RenameMap } from './declared-renames.ts'
import type { SchemaChange } from './schema-change.ts'

/**
 * The `COMMENT ON` statements that take the comments of `from` to those of `to`: a table or
 * column whose comment differs (new ones included, under a declared rename's new name) gets
 * its new text or `IS NULL`. A dropped table or column takes its comment along; a replaced
 * column (`changes`: drop + add) has lost its comment and gets it again. They run last, after
 * every table and column exists under its new name.
 *
 * ```ts
 * commentStatements(before, after, renames, changes)
 * // ["COMMENT ON COLUMN posts.title IS 'Shown in lists';"]
 * ```
 */
export function commentStatements(
  from: SchemaIR | null,
  to: SchemaIR,
  renames: RenameMap,
  changes: readonly SchemaChange[],
): string[] {
  const previousTables = new Map((from?.tables ?? []).map((t) => [t.name, t]))
  // "table\0column" of each replaced column: one lookup per column, not a scan of `changes`.
  const replaced = new Set<string>()
  for (const c of changes) if (c.kind === 'replaceColumn') replaced.add(`${c.table}\0${c.to.name}`)
  const statements: string[] = []
  const differs = (old: string | undefined, next: string | undefined) =>
    (old ?? null) !== (next ?? null)
  for (const table of to.tables) {
    // A view has no comments (t.view refuses them): a table that becomes one took its own along.
    if (table.view !== undefined) continue
    const previous = previousTables.get(renames.tables.get(table.name) ?? table.name)
    if (differs(previous?.comment, table.comment))
      statements.push(`${commentSql(table.name, null, table.comment ?? null)};`)
    const renamed = renames.columns.get(table.name)
    const previousColumns = new Map(previous?.columns.map((c) => [c.name, c]))
    for (const column of table.columns) {
      const old = replaced.has(`${table.name}\0${column.name}`)
        ? undefined
        : previousColumns.get(renamed?.get(column.name) ?? column.name)
      if (differs(old?.comment, column.comment))
        statements.push(`${commentSql(table.name, column.name, column.comment ?? null)};`)
    }
  }
  return statements
}
