import type { TableIR } from '../schema/schema-ir.ts'
import type { SchemaProblem } from '../schema/schema-problem.ts'

/** PostgreSQL truncates longer names silently (NAMEDATALEN − 1), so two names could collide. */
const MAX_IDENTIFIER_BYTES = 63
const MODEL_NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/

interface NamedThing {
  readonly name: string
  readonly what: string
  readonly table: TableIR
  readonly file: string
  readonly column?: string
}

/** One table's names by namespace, and the problems found within the table alone. */
interface TableNames {
  /** Tables (partitions too), indexes, unique and primary-key constraints share one namespace per PostgreSQL schema. */
  readonly relationNamespace: readonly NamedThing[]
  /** Tables and enum types share the type namespace. */
  readonly typeNamespace: readonly NamedThing[]
  readonly tooLong: readonly SchemaProblem[]
  readonly repeatedConstraints: readonly SchemaProblem[]
  /** Columns named like a property every JS object has (rows are objects keyed by column). */
  readonly objectKeys: readonly SchemaProblem[]
  /** A table name that cannot be the file name `migrations/<table>.sql`. */
  readonly fileName: readonly SchemaProblem[]
}

/** `constructor`, `__proto__`, `toString`, …: what `Object.prototype` gives every object. */
const OBJECT_KEYS: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype))

/** Per table object: a save recompiles few tables, and the others keep their IR objects. */
const namesByTable = new WeakMap<TableIR, TableNames>()

/**
 * Checks the names the whole schema shares: identifier length, relation names (tables,
 * indexes, unique and primary-key constraints share one namespace per PostgreSQL schema,
 * and enum types share the type namespace with tables), constraint names per table, and
 * model class names.
 */
export function validateNames(tables: readonly TableIR[], problems: SchemaProblem[]): void {
  const perTable = tables.map(tableNames)
  for (const names of perTable) problems.push(...names.tooLong)
  reportDuplicates(
    perTable.flatMap((names) => names.relationNamespace),
    'PostgreSQL keeps tables, indexes and unique / primary-key constraints in one namespace per schema',
    problems,
  )
  reportDuplicates(
    perTable.flatMap((names) => names.typeNamespace),
    'Tables and enum types share the type namespace',
    problems,
    true,
  )
  for (const names of perTable) {
    problems.push(...names.fileName, ...names.repeatedConstraints, ...names.objectKeys)
  }
  reportModelNames(tables, problems)
}

function tableNames(table: TableIR): TableNames {
  let names = namesByTable.get(table)
  if (names === undefined) {
    names = {
      ...namespaces(namedThings(table)),
      objectKeys: objectKeyColumns(table),
      fileName: fileNameProblem(table),
    }
    namesByTable.set(table, names)
  }
  return names
}

function objectKeyColumns(table: TableIR): SchemaProblem[] {
  return table.columns
    .filter((column) => OBJECT_KEYS.has(column.name))
    .map((column) => ({
      file: column.source,
      table: table.name,
      column: column.name,
      message: `The column name '${column.name}' is a property every JavaScript object already has (Object.prototype.${column.name}); rows and inputs keyed by it would be read through the prototype.`,
      hint: `Rename the column (e.g. '${column.name.replace(/^_+/, '')}_value'), with renamedFrom if it exists in the database.`,
    }))
}

/** Path separators and control characters: `generate` writes each table to `<table>.sql`. */
const UNSAFE_FILE_NAME = /[/\\\p{Cc}]/u

function fileNameProblem(table: TableIR): SchemaProblem[] {
  if (!UNSAFE_FILE_NAME.test(table.name)) return []
  return [
    {
      file: table.sources[0] ?? '',
      table: table.name,
      message: `The table name '${JSON.stringify(table.name).slice(1, -1)}' contains a path separator or a control character; fluentorm writes each table to migrations/<table>.sql, and this name would write that file elsewhere.`,
      hint: 'Name the table with letters, digits and underscores (the file name or its tableName export).',
    },
  ]
}

function namespaces(things: readonly NamedThing[]): Omit<TableNames, 'objectKeys' | 'fileName'> {
  const repeatedConstraints: SchemaProblem[] = []
  reportDuplicates(
    things.filter((thing) => thing.what.includes('constraint')),
    'Constraint names must be unique within a table',
    repeatedConstraints,
  )
  return {
    relationNamespace: things.filter((thing) =>
      ['table', 'partition', 'index', 'unique constraint', 'primary key'].includes(thing.what),
    ),
    typeNamespace: things.filter((thing) => ['table', 'enum type'].includes(thing.what)),
    tooLong: things.flatMap(tooLongProblem),
    repeatedConstraints,
  }
}

function tooLongProblem(thing: NamedThing): SchemaProblem[] {
  const bytes = Buffer.byteLength(thing.name)
  if (bytes <= MAX_IDENTIFIER_BYTES) return []
  return [
    {
      ...where(thing),
      message: `The ${thing.what} name '${thing.name}' is ${bytes} bytes long; PostgreSQL cuts names at ${MAX_IDENTIFIER_BYTES} bytes, so two names could silently become one.`,
      hint: `Shorten it to ${MAX_IDENTIFIER_BYTES} bytes or fewer${thing.what === 'index' || thing.what.includes('constraint') ? ' (give it an explicit name)' : ''}.`,
    },
  ]
}

function namedThings(table: TableIR): NamedThing[] {
  const file = table.sources[0] ?? ''
  const on = (name: string, what: string, extra: Partial<NamedThing> = {}): NamedThing => ({
    name,
    what,
    table,
    file,
    ...extra,
  })
  return [
    on(table.name, 'table'),
    // A partition is a table of its own: its name is in the tables' namespace.
    ...(table.partitionBy?.partitions ?? []).map((partition) => on(partition.name, 'partition')),
    ...(table.primaryKey.length > 0 ? [on(`${table.name}_pkey`, 'primary key')] : []),
    ...table.columns.map((column) =>
      on(column.name, 'column', { column: column.name, file: column.source }),
    ),
    ...table.indexes.map((index) => on(index.name, 'index', { file: index.source })),
    ...table.uniques.map((unique) => on(unique.name, 'unique constraint')),
    ...table.checks.map((check) => on(check.name, 'check constraint')),
    ...table.relations.flatMap((relation) =>
      relation.kind === 'belongsTo' ? [on(relation.constraintName, 'foreign key constraint')] : [],
    ),
    ...table.enums.map((item) => on(item.name, 'enum type')),
  ]
}

function reportDuplicates(
  things: readonly NamedThing[],
  reason: string,
  problems: SchemaProblem[],
  sameNameAllowedWithinKind = false,
): void {
  const seen = new Map<string, NamedThing>()
  for (const thing of things) {
    const first = seen.get(thing.name)
    if (first === undefined) {
      seen.set(thing.name, thing)
      continue
    }
    if (sameNameAllowedWithinKind && first.what === thing.what) continue
    problems.push({
      ...where(thing),
      message: `The ${thing.what} name '${thing.name}' is already used by the ${first.what} on table '${first.table.name}' (${first.file}). ${reason}.`,
      hint: `Rename one of them.`,
    })
  }
}

function reportModelNames(tables: readonly TableIR[], problems: SchemaProblem[]): void {
  const seen = new Map<string, TableIR>()
  for (const table of tables) {
    const file = table.sources[0] ?? ''
    if (!MODEL_NAME.test(table.modelName)) {
      problems.push({
        file,
        table: table.name,
        message: `Table '${table.name}' gives the model name '${table.modelName}', which is not a JavaScript identifier.`,
        hint: 'Use a table name made of letters, digits and underscores that starts with a letter.',
      })
    }
    const first = seen.get(table.modelName)
    if (first !== undefined) {
      problems.push({
        file,
        table: table.name,
        message: `Tables '${first.name}' and '${table.name}' both become the model '${table.modelName}'.`,
        hint: 'Rename one of the tables (the file name or its tableName export).',
      })
    }
    seen.set(table.modelName, table)
  }
}

function where(thing: NamedThing): Pick<SchemaProblem, 'file' | 'table' | 'column'> {
  return {
    file: thing.file,
    table: thing.table.name,
    ...(thing.column === undefined ? {} : { column: thing.column }),
  }
}
