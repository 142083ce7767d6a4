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
  let previous = new Map<string, { readonly json: string; readonly table: TableIR }>()
  return (schema) => {
    const next = new Map<string, { readonly json: string; readonly table: TableIR }>()
    const tables = schema.tables.map((table) => {
      const json = JSON.stringify(table)
      const known = previous.get(table.name)
      const kept = known?.json === json ? known.table : table
      next.set(table.name, { json, table: kept })
      return kept
    })
    previous = next
    return Object.freeze({ ...schema, tables: Object.freeze(tables) })
  }
}
