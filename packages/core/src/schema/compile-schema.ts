import { validateNames } from '../validate/validate-names.ts'
import { resolveRelations } from './compile-relations.ts'
import { collectDeclarations, placeFunctions } from './declared-objects.ts'
import { deepFreeze } from './deep-freeze.ts'
import type { SchemaFileModule } from './schema-file-module.ts'
import type { EnumIR, SchemaIR, TableIR } from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'
import { type CompilerOptions, createTableCompiler } from './table-compiler.ts'
import { orderTables } from './table-order.ts'
import { keepUnchangedTables } from './unchanged-tables.ts'

export type { SchemaFileModule } from './schema-file-module.ts'

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
  return createSchemaCompiler().compile(files)
}

/** Compiles the schema again and again, each time as `compileSchema` would. */
export interface SchemaCompiler {
  compile(files: readonly SchemaFileModule[]): CompileResult
}

/**
 * A compiler for a long-lived caller (the dev server) that recompiles after each save.
 * Only the tables whose files changed run their builds and compile again; relations, table
 * order, name checks and enums still run over the whole schema, and each table whose IR is
 * the same as in the last valid schema comes back as the same frozen object, so core's
 * per-table caches (DDL, model metas, .d.ts, snapshot hash, diff) skip it. The result equals
 * what `compileSchema` returns for the same files.
 *
 * ```ts
 * const compiler = createSchemaCompiler()
 * const first = compiler.compile(files)
 * const second = compiler.compile(filesWithPostsEdited)
 * // second.schema.tables: users is first's users object, posts is new
 * ```
 */
export function createSchemaCompiler(options: CompilerOptions = {}): SchemaCompiler {
  const compileTables = createTableCompiler(options)
  let lastValid = new Map<string, TableIR>()
  return {
    compile(files) {
      const problems: SchemaProblem[] = []
      const declared = collectDeclarations(compileTables(files, problems), problems)
      const resolved = resolveRelations(declared.tables, problems)
      const tables = keepUnchangedTables(lastValid, orderTables(resolved, problems))
      validateNames(tables, problems)
      const enums = collectEnums(tables, problems)
      if (problems.length > 0) return { ok: false, problems: deepFreeze(problems) }
      lastValid = new Map(tables.map((table) => [table.name, table]))
      const functions = placeFunctions(declared.functions, tables)
      const objects = {
        ...(functions.length === 0 ? {} : { functions }),
        ...(declared.domains.length === 0 ? {} : { domains: declared.domains }),
      }
      return { ok: true, schema: deepFreeze({ kind: 'schema', tables, enums, ...objects }) }
    },
  }
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
