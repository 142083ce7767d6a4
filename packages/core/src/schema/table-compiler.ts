import { closestName } from '../validate/closest-name.ts'
import { errorSite } from './call-site.ts'
import { type CompiledTable, compileTable, type TableDraft } from './compile-table.ts'
import type { SchemaFileModule } from './schema-file-module.ts'
import type { SchemaProblem } from './schema-problem.ts'
import { TableSchema } from './table-schema.ts'

export interface CompilerOptions {
  /**
   * Record where each builder is called, so a problem can carry its call site (the loader
   * turns it into a line and column). Costs a stack capture per builder call.
   * @default false
   */
  readonly callSites?: boolean
}

/** Compiles every table of the files, in the order their first file comes in prefix order. */
export type TableCompiler = (
  files: readonly SchemaFileModule[],
  problems: SchemaProblem[],
) => CompiledTable[]

/** One table's files in prefix order, and what compiling them gave. */
interface TableCompilation {
  readonly files: readonly SchemaFileModule[]
  readonly compiled: CompiledTable
  readonly problems: readonly SchemaProblem[]
}

/** What one table's builds recorded, and whether one of them threw. */
interface BuiltTable {
  readonly draft: TableDraft
  readonly threw: boolean
}

/**
 * Compiles each table from its schema files and remembers the result until the next call.
 * A table whose files are the same modules as last time (same path, prefix, table and `build`
 * function; the loader hands back the same exports for a file whose text did not change) keeps
 * its compiled table object and problems without running its builds again: a build is taken
 * to depend only on the `TableSchema` it is given. Tables whose build threw are always built
 * again, so that build errors keep their file order.
 *
 * ```ts
 * const compileTables = createTableCompiler()
 * const [users] = compileTables([usersFile], [])
 * compileTables([usersFile, postsFile], [])[0] === users // true: users was not compiled again
 * ```
 */
export function createTableCompiler(options: CompilerOptions = {}): TableCompiler {
  let previous = new Map<string, TableCompilation>()
  return (files, problems) => {
    const sorted = [...files].sort(byPrefixThenPath)
    const groups = groupByTable(sorted)
    const kept = new Map<string, TableCompilation>()
    for (const [name, group] of groups) {
      const known = previous.get(name)
      if (known !== undefined && sameModules(known.files, group)) kept.set(name, known)
    }
    const built = runBuilders(
      sorted.filter((file) => !kept.has(file.tableName)),
      problems,
      options,
    )
    const next = new Map<string, TableCompilation>()
    const compiled = [...groups].map(([name, group]) => {
      let compilation = kept.get(name)
      if (compilation === undefined) {
        const { draft, threw } = built.get(name)!
        compilation = compileDraft(draft, group)
        if (!threw) next.set(name, compilation)
      } else {
        next.set(name, compilation)
      }
      problems.push(...compilation.problems)
      return compilation.compiled
    })
    previous = next
    return compiled
  }
}

function byPrefixThenPath(a: SchemaFileModule, b: SchemaFileModule): number {
  return a.order - b.order || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
}

/** The files of each table in prefix order, tables in the order of their first file. */
function groupByTable(sorted: readonly SchemaFileModule[]): Map<string, SchemaFileModule[]> {
  const groups = new Map<string, SchemaFileModule[]>()
  for (const file of sorted) {
    const group = groups.get(file.tableName)
    if (group === undefined) groups.set(file.tableName, [file])
    else group.push(file)
  }
  return groups
}

function sameModules(a: readonly SchemaFileModule[], b: readonly SchemaFileModule[]): boolean {
  if (a.length !== b.length) return false
  return a.every((file, i) => {
    const other = b[i]!
    return file.build === other.build && file.path === other.path && file.order === other.order
  })
}

/** Runs each file's build on its table's TableSchema, files of one table in prefix order. */
function runBuilders(
  sorted: readonly SchemaFileModule[],
  problems: SchemaProblem[],
  options: CompilerOptions,
): Map<string, BuiltTable> {
  const tables = new Map<
    string,
    { schema: TableSchema; order: number; sources: string[]; threw: boolean }
  >()
  for (const file of sorted) {
    let table = tables.get(file.tableName)
    if (table === undefined) {
      const schema = new TableSchema(file.tableName, file.path, { callSites: options.callSites })
      table = { schema, order: file.order, sources: [], threw: false }
      tables.set(file.tableName, table)
    }
    table.schema.setSource(file.path)
    table.sources.push(file.path)
    try {
      file.build(table.schema)
    } catch (error) {
      table.threw = true
      problems.push(thrownProblem(file, error, options.callSites === true))
    }
  }
  const built = new Map<string, BuiltTable>()
  for (const [name, table] of tables) {
    const { order, sources, threw } = table
    built.set(name, { draft: { name, order, sources, entries: table.schema.entries() }, threw })
  }
  return built
}

/**
 * Names other ORMs and SQL use for a builder, the builder they mean here: nearer than the
 * spelling, which `bigInteger` → `bigInt` is not within two edits.
 */
const BUILDER_ALIASES: Readonly<Record<string, string>> = {
  bigInteger: 'bigInt',
  bigint: 'bigInt',
  smallInteger: 'smallInt',
  smallint: 'smallInt',
  int: 'integer',
  bool: 'boolean',
  serial: 'increments',
  bigserial: 'bigIncrements',
  timestamp: 'dateTime',
  datetime: 'dateTime',
  index: 'addIndexes',
  indexes: 'addIndexes',
  foreignKey: 'belongsTo',
  references: 'belongsTo',
}

/** The t.* builders a schema file may call. */
const BUILDERS = Object.getOwnPropertyNames(TableSchema.prototype).filter(
  (name) => !['constructor', 'setSource', 'entries'].includes(name),
)

/** A build function that threw: where, and for `t.bigInteger is not a function` the builder meant. */
function thrownProblem(file: SchemaFileModule, error: unknown, withSite: boolean): SchemaProblem {
  const site = withSite ? errorSite(error) : undefined
  const base = { file: file.path, table: file.tableName, ...(site ? { site } : {}) }
  const message = error instanceof Error ? error.message : String(error)
  const missing = error instanceof TypeError ? /^\w+\.(\w+) is not a function$/.exec(message) : null
  if (missing !== null) {
    const name = missing[1]!
    const meant = Object.hasOwn(BUILDER_ALIASES, name)
      ? BUILDER_ALIASES[name]!
      : closestName(name, BUILDERS)
    return {
      ...base,
      message: `t.${name} is not a schema builder.`,
      hint: `${meant === null ? '' : `Did you mean t.${meant}? `}Builders: ${BUILDERS.join(', ')}.`,
    }
  }
  return {
    ...base,
    message: `build() threw: ${message}`,
    hint: 'Fix the error in this file’s build function; it should only call the t.* builders.',
  }
}

function compileDraft(draft: TableDraft, files: readonly SchemaFileModule[]): TableCompilation {
  const problems: SchemaProblem[] = []
  const compiled = compileTable(draft, problems)
  return { files, compiled, problems }
}
