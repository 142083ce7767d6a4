import { validateNames } from '../validate/validate-names.ts'
import { resolveRelations } from './compile-relations.ts'
import { compileTable, type TableDraft } from './compile-table.ts'
import { deepFreeze } from './deep-freeze.ts'
import type { EnumIR, SchemaIR, TableIR } from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'
import { orderTables } from './table-order.ts'
import { TableSchema } from './table-schema.ts'

/** One schema file, evaluated: what `loadSchemas` reads from `schemas/NN_name.ts`. */
export interface SchemaFileModule {
  /** Relative to the project root, with forward slashes: `schemas/02_posts.ts`. */
  readonly path: string
  readonly tableName: string
  /** The file's numeric prefix: files of one table are applied in this order. */
  readonly order: number
  readonly build: (t: TableSchema) => void
}

export type CompileResult =
  | { readonly ok: true; readonly schema: SchemaIR }
  | { readonly ok: false; readonly problems: readonly SchemaProblem[] }

/**
 * Runs every schema file's `build`, merges the files of each table in prefix order,
 * validates the whole schema and returns it as deeply frozen IR, or every problem found.
 *
 * ```ts
 * const result = compileSchema([
 *   { path: 'schemas/01_users.ts', tableName: 'users', order: 1, build: (t) => {
 *     t.uuid({ name: 'id', primaryKey: true })
 *     t.string({ name: 'email', unique: true })
 *   } },
 * ])
 * if (!result.ok) console.error(formatProblems(result.problems))
 * // result.schema.tables[0]: users (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), email TEXT NOT NULL UNIQUE)
 * ```
 */
export function compileSchema(files: readonly SchemaFileModule[]): CompileResult {
  const problems: SchemaProblem[] = []
  const drafts = runBuilders(files, problems)
  const compiled = drafts.map((draft) => compileTable(draft, problems))
  const resolved = resolveRelations(compiled, problems)
  const tables = orderTables(resolved, problems)
  validateNames(tables, problems)
  const enums = collectEnums(tables, problems)
  if (problems.length > 0) return { ok: false, problems: deepFreeze(problems) }
  return { ok: true, schema: deepFreeze({ kind: 'schema', tables, enums }) }
}

/** Runs each file's build on its table's TableSchema, files of one table in prefix order. */
function runBuilders(files: readonly SchemaFileModule[], problems: SchemaProblem[]): TableDraft[] {
  const sorted = [...files].sort(
    (a, b) => a.order - b.order || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
  )
  const tables = new Map<string, { schema: TableSchema; order: number; sources: string[] }>()
  for (const file of sorted) {
    let table = tables.get(file.tableName)
    if (table === undefined) {
      table = { schema: new TableSchema(file.tableName, file.path), order: file.order, sources: [] }
      tables.set(file.tableName, table)
    }
    table.schema.setSource(file.path)
    table.sources.push(file.path)
    try {
      file.build(table.schema)
    } catch (error) {
      problems.push({
        file: file.path,
        table: file.tableName,
        message: `build() threw: ${error instanceof Error ? error.message : String(error)}`,
        hint: 'Fix the error in this file’s build function; it should only call the t.* builders.',
      })
    }
  }
  return [...tables].map(([name, table]) => ({
    name,
    order: table.order,
    sources: table.sources,
    entries: table.schema.entries(),
  }))
}

/** Every enum type once, in table creation order; one name with two value lists is reported. */
function collectEnums(tables: readonly TableIR[], problems: SchemaProblem[]): EnumIR[] {
  const enums = new Map<string, { item: EnumIR; table: TableIR }>()
  for (const table of tables) {
    for (const item of table.enums) {
      const first = enums.get(item.name)
      if (first === undefined) {
        enums.set(item.name, { item, table })
      } else if (first.item.values.join('\0') !== item.values.join('\0')) {
        problems.push({
          file: table.sources[0] ?? '',
          table: table.name,
          message: `Enum type '${item.name}' has values (${item.values.join(', ')}) here but (${first.item.values.join(', ')}) on table '${first.table.name}'.`,
          hint: 'Use the same values in both places, or give one of the columns another enumName.',
        })
      }
    }
  }
  return [...enums.values()].map(({ item }) => item)
}
