import type { SchemaIR, TableIR } from '@fluentorm/core'

/**
 * Keeps one `TableIR` object per unchanged table from one refresh to the next. Saving one
 * schema file compiles every table again into new objects; handing back last refresh's
 * object for each table that compiled to the same IR lets the per-table caches of core (DDL,
 * models module entry, snapshot hash, diff) skip the tables the save did not touch.
 *
 * ```ts
 * const intern = createTableInterner()
 * intern(first).tables[0] === intern(compiledAgain).tables[0] // true when users did not change
 * ```
 */
export function createTableInterner(): (schema: SchemaIR) => SchemaIR {
  let previous = new Map<string, TableIR>()
  return (schema) => {
    const next = new Map<string, TableIR>()
    const tables = schema.tables.map((table) => {
      const known = previous.get(table.name)
      const kept = known !== undefined && sameData(known, table) ? known : table
      next.set(table.name, kept)
      return kept
    })
    previous = next
    return Object.freeze({ ...schema, tables: Object.freeze(tables) })
  }
}

/**
 * Deep equality of IR data (plain objects, arrays, strings, numbers, booleans, null), with
 * the first difference ending the walk. Cheaper than comparing JSON.stringify texts: nothing
 * is allocated, which matters on every save of a large schema.
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
