import { lintStatements } from '../migration/migration-lint.ts'
import { quoteIdent, quoteLiteral } from '../sql/identifier.ts'
import type { ColumnRow, DatabaseCatalog, TableRow } from './catalog-queries.ts'
import type { PulledSchema, UnexpressedObject, UnexpressedStage } from './pulled-schema.ts'

const STAGES: readonly UnexpressedStage[] = [
  'extension',
  'type',
  'function',
  'table',
  'column',
  'column-fix',
  'table-function',
  'constraint',
  'foreign-key',
  'index',
  'view',
  'trigger',
  'policy',
  'comment',
]

/**
 * Whether an identity's sequence has a name of its own (`SEQUENCE NAME`), not the one
 * PostgreSQL gives it (`<table>_<column>_seq`, when that fits 63 bytes; a longer one is
 * shortened, and then kept as PostgreSQL shortens it).
 */
export function ownSequenceName(table: string, column: ColumnRow): boolean {
  const given = `${table}_${column.name}_seq`
  return (
    column.identity_sequence !== null &&
    Buffer.byteLength(given) <= 63 &&
    column.identity_sequence !== given
  )
}

/** `name type [DEFAULT x | GENERATED …] [NOT NULL]` as the catalog has it. */
export function columnDefinition(column: ColumnRow, table?: string): string {
  const parts = [quoteIdent(column.name), column.type]
  if (column.collation !== null) parts.push(`COLLATE ${quoteIdent(column.collation)}`)
  if (column.generated === 's') parts.push(`GENERATED ALWAYS AS (${column.default_sql}) STORED`)
  else if (column.default_sql !== null) parts.push(`DEFAULT ${column.default_sql}`)
  if (column.identity !== '')
    parts.push(
      `GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY${identityOptions(column, table)}`,
    )
  if (column.not_null) parts.push('NOT NULL')
  return parts.join(' ')
}

/**
 * A serial column's sequence, made before the tables (its `nextval` default needs it: a schema
 * file writes that default as `defaultValue: sql(…)`, so inserts may leave the column out), and
 * owned by the column once its table exists, as `serial` left it.
 */
export function serialSequenceObjects(table: string, column: ColumnRow): UnexpressedObject[] {
  const sequence = column.serial_sequence
  if (sequence === null) return []
  return [
    {
      stage: 'type',
      object: `sequence ${sequence.name}`,
      reason: `the default of the serial column ${table}.${column.name} takes it: made before the tables`,
      sql: sequence.create,
    },
    {
      stage: 'column-fix',
      object: `column ${table}.${column.name}`,
      reason: `it is serial: its sequence ${sequence.name} is OWNED BY it, as the DSL cannot say`,
      sql: `ALTER SEQUENCE ${sequence.name} OWNED BY ${quoteIdent(table)}.${quoteIdent(column.name)}`,
    },
  ]
}

/** ` (SEQUENCE NAME x START WITH …)`: an identity's own sequence name and options, or ''. */
function identityOptions(column: ColumnRow, table: string | undefined): string {
  const named =
    table !== undefined && ownSequenceName(table, column)
      ? [`SEQUENCE NAME ${quoteIdent(column.identity_sequence!)}`]
      : []
  const options = [...named, ...(column.identity_options === null ? [] : [column.identity_options])]
  return options.length === 0 ? '' : ` (${options.join(' ')})`
}

/** `CREATE TABLE` of a table the DSL cannot express (no primary key, partitioned, a partition). */
export function rawTableSql(row: TableRow, columns: readonly ColumnRow[]): string {
  const name = quoteIdent(row.name)
  if (row.partition_of !== null) {
    return `CREATE TABLE ${name} PARTITION OF ${quoteIdent(row.partition_of)} ${row.partition_bound ?? 'DEFAULT'}`
  }
  const lines = columns.map((column) => `  ${columnDefinition(column, row.name)}`).join(',\n')
  const partition = row.relkind === 'p' ? ` PARTITION BY ${row.partition_key}` : ''
  return `CREATE TABLE ${name} (\n${lines}\n)${partition}`
}

/** The deparsers qualify a table with its schema (`ON public.users`): the migration must not. */
export function stripSchema(definition: string, schema: string): string {
  const prefix = `${quoteIdent(schema)}.`
  return (
    definition
      // ON ONLY: a partitioned table's index as its own; made with ON, it is made on each partition too.
      .replace(
        new RegExp(`^(CREATE (?:UNIQUE )?INDEX \\S+) ON (?:ONLY )?${escapeRegExp(prefix)}`),
        '$1 ON ',
      )
      .replace(
        new RegExp(`^(CREATE (?:OR REPLACE )?(?:FUNCTION|PROCEDURE) )${escapeRegExp(prefix)}`),
        '$1',
      )
  )
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Views, functions, triggers, domains, sequences, extensions, unused enums, as SQL or a report. */
export function definitionObjects(
  catalog: DatabaseCatalog,
  usedEnums: ReadonlySet<string>,
): UnexpressedObject[] {
  const objects: UnexpressedObject[] = []
  for (const item of catalog.enums) {
    if (usedEnums.has(item.name)) continue
    objects.push({
      stage: 'type',
      object: `enum ${item.name}`,
      reason: 'no column of a schema file uses it',
      sql: `CREATE TYPE ${quoteIdent(item.name)} AS ENUM (${item.values.map(quoteLiteral).join(', ')})`,
    })
  }
  for (const row of catalog.definitions) {
    const definition =
      row.definition === null ? null : stripSchema(row.definition.trim(), catalog.schema)
    const object = `${row.kind} ${row.name}`
    // After the tables it is about, which schema files make logged, on their own, without statistics.
    const tableProperty = TABLE_PROPERTY.get(row.kind)
    if (tableProperty !== undefined) {
      objects.push({ stage: 'constraint', object, reason: tableProperty, sql: definition })
      continue
    }
    switch (row.kind) {
      case 'extension':
        objects.push({
          stage: 'extension',
          object,
          reason: 'extensions are not part of the schema DSL',
          sql: `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(row.name)} SCHEMA ${quoteIdent(catalog.schema)}`,
        })
        break
      case 'view':
      case 'materialized view': {
        const name = row.name
        const body = (definition ?? '').replace(/;\s*$/, '')
        const create = row.kind === 'view' ? 'CREATE VIEW' : 'CREATE MATERIALIZED VIEW'
        // Its options (security_barrier, check_option, storage) and its columns' defaults, as they are.
        const table = catalog.tables.find((t) => t.oid === row.oid)
        const options = table?.view_options ?? []
        const withOptions = options.length === 0 ? '' : ` WITH (${options.join(', ')})`
        const defaults = catalog.columns
          .filter((c) => c.table_oid === row.oid && c.default_sql !== null)
          .map(
            (c) =>
              `ALTER VIEW ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(c.name)} SET DEFAULT ${stripSchema(c.default_sql!, catalog.schema)}`,
          )
        // A materialized view's indexes with it: they cannot precede it, and go where it goes.
        const indexes = catalog.indexes
          .filter((index) => index.table_oid === row.oid)
          .map((index) => stripSchema(index.definition, catalog.schema))
        objects.push({
          stage: 'view',
          object,
          reason: 'views are not part of the schema DSL',
          sql: [
            `${create} ${quoteIdent(name)}${withOptions} AS\n${body}`,
            ...indexes,
            ...defaults,
          ].join(';\n'),
        })
        break
      }
      case 'function':
      case 'procedure':
        objects.push({
          // One whose arguments or result are a table's row type waits for the tables.
          stage: row.on_table_type ? 'table-function' : 'function',
          object,
          reason: `${row.kind}s are not part of the schema DSL`,
          sql: definition,
        })
        break
      case 'trigger':
        objects.push({
          stage: 'trigger',
          object,
          reason: 'triggers are not part of the schema DSL',
          sql: definition,
        })
        break
      case 'rule':
        objects.push({
          stage: 'trigger',
          object,
          reason: 'rules are not part of the schema DSL',
          sql: definition,
        })
        break
      case 'row level security':
      case 'policy':
        objects.push({
          stage: 'policy',
          object,
          reason: 'row level security is not part of the schema DSL',
          sql: definition,
        })
        break
      case 'comment':
        objects.push({
          stage: 'comment',
          object,
          reason: 'schema files carry no comments into the database',
          sql: definition,
        })
        break
      case 'domain':
      case 'sequence':
      case 'type':
        objects.push({
          stage: 'type',
          object,
          reason: `${row.kind}s are not part of the schema DSL`,
          sql: definition,
        })
        break
      default:
        objects.push({
          stage: 'type',
          object,
          reason: `pull cannot write a ${row.kind} yet: write it in the migration by hand`,
          sql: null,
        })
    }
  }
  return objects
}

const TABLE_PROPERTY: ReadonlyMap<string, string> = new Map([
  ['unlogged table', 'UNLOGGED is not part of the schema DSL'],
  ['inheritance', 'table inheritance (INHERITS) is not part of the schema DSL'],
  ['statistics', 'extended statistics (CREATE STATISTICS) are not part of the schema DSL'],
])

/** What the generated tables may use (a column default calling a function, a sequence): made before them. */
const PRELUDE: ReadonlySet<UnexpressedStage> = new Set(['extension', 'type', 'function'])

/**
 * The hand-written migrations holding what the schema files cannot express, each object under
 * a comment saying what it is and why it is there: the prelude (extensions, types, functions,
 * sequences), which runs before the generated tables, and the rest, after them. Null for an
 * empty one.
 */
export function unexpressedMigrations(pulled: PulledSchema): {
  readonly prelude: string | null
  readonly rest: string | null
} {
  const items = (early: boolean) =>
    pulled.unexpressed.filter((item) => PRELUDE.has(item.stage) === early)
  return {
    prelude: migrationText(
      pulled.schema,
      'the extensions, types, sequences and functions the tables may use, made before them',
      items(true),
    ),
    rest: migrationText(pulled.schema, 'what the schema files cannot express', items(false)),
  }
}

function migrationText(
  schema: string,
  what: string,
  items: readonly UnexpressedObject[],
): string | null {
  if (items.length === 0) return null
  const written = items.filter((item) => item.sql !== null)
  const sections = STAGES.flatMap((stage) =>
    items
      .filter((item) => item.stage === stage)
      .map((item) =>
        item.sql === null
          ? `-- ${item.object}: ${item.reason}. Not written.`
          : `-- ${item.object}: ${item.reason}.\n${item.sql.replace(/;\s*$/, '')};`,
      ),
  )
  const functions = written.some(
    (item) => item.stage === 'function' || item.stage === 'table-function',
  )
  // The lint judges a change to a live table; this file runs only where the tables are new and empty.
  const statements = written.flatMap((item) => (item.sql ?? '').split(/;\n(?=[A-Z])/))
  const errors = [
    ...new Set(
      lintStatements(statements, { transactional: true })
        .filter((finding) => finding.severity === 'error')
        .map((finding) => finding.rule),
    ),
  ]
  return [
    `-- Written by fluentorm pull from schema ${schema}: ${what}.`,
    '-- It is your migration now: edit it as any hand-written one. pull recorded it as applied on the database it read.',
    ...(errors.length === 0
      ? []
      : [
          '-- It runs only on a database the migrations before it just made, whose tables are empty:',
          ...errors.map((rule) => `-- fluentorm:allow ${rule}`),
        ]),
    '',
    ...(functions
      ? [
          '-- Function bodies are checked when they run, as pg_dump does: a body may use a table or view made later.',
          'SET LOCAL check_function_bodies = off;',
          '',
        ]
      : []),
    sections.join('\n\n'),
    '',
  ].join('\n')
}
