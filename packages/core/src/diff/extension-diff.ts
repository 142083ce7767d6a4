import type { SchemaIR } from '../schema/schema-ir.ts'

/**
 * The extensions the tables of `to` name (`t.extension`) and those of `from` do not: the
 * migration creates them before anything else. One no longer named is left installed: DROP
 * EXTENSION would drop whatever else uses it, and it may have been there before fluentorm.
 * Not a SchemaChange: an extension is a prerequisite of the database, not part of a table.
 *
 * ```ts
 * addedExtensions(before, after) // ['citext']
 * ```
 */
export function addedExtensions(from: SchemaIR | null, to: SchemaIR): string[] {
  const installed = new Set(from?.tables.flatMap((table) => table.extensions ?? []) ?? [])
  const wanted = new Set(to.tables.flatMap((table) => table.extensions ?? []))
  return [...wanted].filter((name) => !installed.has(name))
}
