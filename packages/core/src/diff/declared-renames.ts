import type { SchemaIR, TableIR } from '../schema/schema-ir.ts'

/**
 * The renames a diff applies instead of drop + add. Keys are the names in the target
 * schema, values the names in the source schema. They come only from what the schema
 * declares (`renamedFrom`, `renamedValues`): a rename is never guessed.
 */
export interface RenameMap {
  /** New table name → old table name. */
  readonly tables: ReadonlyMap<string, string>
  /** New table name → (new column name → old column name). */
  readonly columns: ReadonlyMap<string, ReadonlyMap<string, string>>
  /** Enum type name → (new value → old value). */
  readonly enumValues: ReadonlyMap<string, ReadonlyMap<string, string>>
}

/**
 * Reads the renames `to` declares relative to `from`. A declared old name counts only when
 * it exists in `from` and is gone from `to`, so a `renamedFrom` left in the schema after the
 * migration ran is harmless.
 */
export function declaredRenames(from: SchemaIR, to: SchemaIR): RenameMap {
  const fromTables = new Map(from.tables.map((t) => [t.name, t]))
  const toNames = new Set(to.tables.map((t) => t.name))
  const tables = new Map<string, string>()
  const columns = new Map<string, ReadonlyMap<string, string>>()
  for (const table of to.tables) {
    let previous = fromTables.get(table.name)
    if (!previous) {
      const old = table.renamedFrom.find((name) => fromTables.has(name) && !toNames.has(name))
      if (old !== undefined) {
        tables.set(table.name, old)
        previous = fromTables.get(old)
      }
    }
    if (previous) {
      const renamed = columnRenames(previous, table)
      if (renamed.size > 0) columns.set(table.name, renamed)
    }
  }
  const enumValues = new Map<string, ReadonlyMap<string, string>>()
  const fromEnums = new Map(from.enums.map((e) => [e.name, e]))
  for (const type of to.enums) {
    const previous = fromEnums.get(type.name)
    if (!previous) continue
    const renamed = new Map<string, string>()
    for (const [value, old] of Object.entries(type.renamedValues)) {
      if (
        previous.values.includes(old) &&
        !type.values.includes(old) &&
        !previous.values.includes(value)
      ) {
        renamed.set(value, old)
      }
    }
    if (renamed.size > 0) enumValues.set(type.name, renamed)
  }
  return { tables, columns, enumValues }
}

function columnRenames(from: TableIR, to: TableIR): Map<string, string> {
  const fromNames = new Set(from.columns.map((c) => c.name))
  const toNames = new Set(to.columns.map((c) => c.name))
  const renamed = new Map<string, string>()
  for (const column of to.columns) {
    if (fromNames.has(column.name)) continue
    const old = column.renamedFrom.find((name) => fromNames.has(name) && !toNames.has(name))
    if (old !== undefined) renamed.set(column.name, old)
  }
  return renamed
}

/** The same renames seen from the other side, for the rollback diff (`to` → `from`). */
export function invertRenames(renames: RenameMap): RenameMap {
  const swap = (map: ReadonlyMap<string, string>) => new Map([...map].map(([a, b]) => [b, a]))
  const columns = new Map<string, ReadonlyMap<string, string>>()
  for (const [table, renamed] of renames.columns) {
    columns.set(renames.tables.get(table) ?? table, swap(renamed))
  }
  const enumValues = new Map([...renames.enumValues].map(([name, map]) => [name, swap(map)]))
  return { tables: swap(renames.tables), columns, enumValues }
}
