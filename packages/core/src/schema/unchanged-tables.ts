import type { TableIR } from './schema-ir.ts'

/**
 * Each table as the same object as in `previous` when its IR did not change, else as given.
 * Core caches DDL, model metas, .d.ts blocks, snapshot hashes and diffs per table object, so
 * a table kept this way costs nothing downstream. A table compiled from unchanged files shares
 * its columns, indexes and the rest with its previous object, so the comparison walks only
 * the parts resolved again: its relations (and a generated junction table's two columns).
 */
export function keepUnchangedTables(
  previous: ReadonlyMap<string, TableIR>,
  tables: readonly TableIR[],
): TableIR[] {
  return tables.map((table) => {
    const known = previous.get(table.name)
    return known !== undefined && sameData(known, table) ? known : table
  })
}

/**
 * Deep equality of IR data (plain objects, arrays, strings, numbers, booleans, null), with
 * the first difference ending the walk and shared sub-objects not walked at all.
 */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false
    for (let i = 0; i < a.length; i++) if (!sameData(a[i], b[i])) return false
    return true
  }
  if (Array.isArray(b)) return false
  const left = a as Record<string, unknown>
  const right = b as Record<string, unknown>
  const keys = Object.keys(left)
  if (keys.length !== Object.keys(right).length) return false
  for (const key of keys) if (!sameData(left[key], right[key])) return false
  return true
}
