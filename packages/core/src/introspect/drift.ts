import type { SchemaChange } from '../diff/schema-change.ts'
import { diffSchemas } from '../diff/schema-diff.ts'
import { compileSchema } from '../schema/compile-schema.ts'
import type { SchemaFileModule } from '../schema/schema-file-module.ts'
import type { ColumnIR, SchemaIR, TableIR } from '../schema/schema-ir.ts'
import { formatProblems } from '../schema/schema-problem.ts'
import { sql, type TableSchema } from '../schema/table-schema.ts'
import { columnSql } from '../sql/create-table-sql.ts'
import { adoptCatalog } from './adopt-catalog.ts'
import { type CatalogExecutor, readCatalog } from './catalog-queries.ts'
import { type OptionValue, type PulledSchema, SqlText } from './pulled-schema.ts'

/** One way the database differs from the schema it should have. */
export interface DriftDifference {
  /** `column users.phone`, `index idx_posts_user on posts`, `table tags`. */
  readonly object: string
  /** What the snapshot says, as DDL; `(none)` when it has no such object. */
  readonly expected: string
  /** What the database has; `(none)` when it lacks the object. */
  readonly found: string
}

export type DriftResult =
  | { readonly ok: true; readonly differences: readonly DriftDifference[] }
  | { readonly ok: false; readonly message: string }

const NONE = '(none)'

/**
 * `fluentorm check --url`'s drift check: reads one schema of the live database as `pull`
 * does, compiles what it reads as the schema files pull would write, and diffs the `expected`
 * schema (the snapshot of migrations/) against it. Every change the diff finds is a
 * difference; objects the schema DSL does not describe (views, functions, triggers) are not
 * compared.
 *
 * ```ts
 * await detectDrift(session, snapshot.schema)
 * // { ok: true, differences: [{ object: 'column users.phone', expected: '(none)', found: 'phone TEXT' }] }
 * ```
 */
export async function detectDrift(
  db: CatalogExecutor,
  expected: SchemaIR | null,
  schema = 'public',
): Promise<DriftResult> {
  const live = liveSchema(adoptCatalog(await readCatalog(db, schema)))
  if (!live.ok) return live
  const from = expected ?? { kind: 'schema', tables: [], enums: [] }
  const noRenames = { tables: new Map(), columns: new Map(), enumValues: new Map() }
  const changes = diffSchemas(from, live.schema, noRenames)
  return { ok: true, differences: changes.flatMap((c) => describe(c, from, live.schema)) }
}

/** The database's tables as the schema files `pull` would write for them, compiled. */
function liveSchema(
  pulled: PulledSchema,
): { ok: true; schema: SchemaIR } | { ok: false; message: string } {
  const files: SchemaFileModule[] = pulled.tables.map((table) => ({
    path: `(database) ${table.file}`,
    tableName: table.name,
    order: Number.parseInt(table.file, 10),
    build: (t: TableSchema) => {
      const builder = t as unknown as Record<string, (...args: unknown[]) => unknown>
      for (const call of table.calls) builder[call.method]!.call(t, ...call.args.map(toArgument))
    },
  }))
  const compiled = compileSchema(files)
  if (compiled.ok) return { ok: true, schema: compiled.schema }
  return {
    ok: false,
    message: `the database's tables do not read back as a schema:\n${formatProblems(compiled.problems)}`,
  }
}

function toArgument(value: OptionValue): unknown {
  if (value instanceof SqlText) return sql(value.sql)
  if (Array.isArray(value)) return value.map(toArgument)
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toArgument(v)]))
  }
  return value
}

function describe(change: SchemaChange, expected: SchemaIR, found: SchemaIR): DriftDifference[] {
  const table = (schema: SchemaIR, name: string) => schema.tables.find((t) => t.name === name)
  const column = (schema: SchemaIR, t: string, c: string) =>
    table(schema, t)?.columns.find((col) => col.name === c)
  const columnText = (col: ColumnIR | undefined) => (col ? columnSql(col) : NONE)
  const enumText = (schema: SchemaIR, name: string) => {
    const item = [...schema.enums, ...schema.tables.flatMap((t) => t.enums)].find(
      (e) => e.name === name,
    )
    return item ? `ENUM (${item.values.map((v) => `'${v}'`).join(', ')})` : NONE
  }
  const pair = (object: string, before: string, after: string) => [
    { object, expected: before, found: after },
  ]
  switch (change.kind) {
    case 'createTable':
      return pair(`table ${change.table.name}`, NONE, tableText(change.table))
    case 'dropTable':
      return pair(`table ${change.table.name}`, tableText(change.table), NONE)
    case 'addColumn':
    case 'dropColumn':
    case 'replaceColumn':
    case 'alterColumnType':
    case 'dropExpression':
    case 'setNotNull':
    case 'dropNotNull':
    case 'setDefault':
    case 'dropDefault':
    case 'addIdentity':
    case 'setIdentityGeneration':
    case 'dropIdentity': {
      const name =
        'column' in change
          ? typeof change.column === 'string'
            ? change.column
            : change.column.name
          : change.to.name
      return pair(
        `column ${change.table}.${name}`,
        columnText(column(expected, change.table, name)),
        columnText(column(found, change.table, name)),
      )
    }
    case 'addIndex':
    case 'dropIndex': {
      const text = `${change.index.unique ? 'UNIQUE ' : ''}INDEX${change.index.method ? ` USING ${change.index.method}` : ''} (${change.index.columns.join(', ')})${change.index.where ? ` WHERE ${change.index.where}` : ''}`
      const added = change.kind === 'addIndex'
      return pair(
        `index ${change.index.name} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'addPrimaryKey':
    case 'dropPrimaryKey':
    case 'addUnique':
    case 'dropUnique': {
      const primary = change.kind === 'addPrimaryKey' || change.kind === 'dropPrimaryKey'
      const text = `${primary ? 'PRIMARY KEY' : 'UNIQUE'} (${change.columns.join(', ')})`
      const added = change.kind === 'addPrimaryKey' || change.kind === 'addUnique'
      return pair(
        `${primary ? 'primary key' : 'unique constraint'} ${change.name} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'addCheck':
    case 'dropCheck': {
      const text = `CHECK (${change.check.expression})`
      const added = change.kind === 'addCheck'
      return pair(
        `check ${change.check.name} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'addForeignKey':
    case 'dropForeignKey': {
      const fk = change.fk
      const text = `FOREIGN KEY (${fk.column}) REFERENCES ${fk.referencesTable} (${fk.referencesColumn}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`
      const added = change.kind === 'addForeignKey'
      return pair(
        `foreign key ${fk.constraintName} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'renameConstraint':
      return pair(`constraint ${change.from} on ${change.table}`, change.from, change.to)
    case 'createEnum':
    case 'dropEnum':
      return pair(
        `enum type ${change.enum.name}`,
        enumText(expected, change.enum.name),
        enumText(found, change.enum.name),
      )
    case 'addEnumValue':
    case 'renameEnumValue':
      return pair(
        `enum type ${change.enumName}`,
        enumText(expected, change.enumName),
        enumText(found, change.enumName),
      )
    case 'recreateEnum':
      return pair(
        `enum type ${change.to.name}`,
        enumText(expected, change.from.name),
        enumText(found, change.to.name),
      )
    case 'renameTable':
    case 'renameColumn':
      // Only declared renames are diffed, and a database declares none.
      return []
  }
}

function tableText(table: TableIR): string {
  return `TABLE (${table.columns.map((c) => c.name).join(', ')})`
}
