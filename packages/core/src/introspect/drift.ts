import { randomBytes } from 'node:crypto'
import { diffSchemas } from '../diff/schema-diff.ts'
import type { MigrationFileInfo } from '../migration/migration-directory.ts'
import { planMigration } from '../migration/migration-plan.ts'
import { compileSchema } from '../schema/compile-schema.ts'
import type { SchemaFileModule } from '../schema/schema-file-module.ts'
import type { SchemaIR } from '../schema/schema-ir.ts'
import { formatProblems } from '../schema/schema-problem.ts'
import { sql, type TableSchema } from '../schema/table-schema.ts'
import { quoteIdent } from '../sql/identifier.ts'
import { adoptCatalog } from './adopt-catalog.ts'
import { type CatalogExecutor, type DatabaseCatalog, readCatalog } from './catalog-queries.ts'
import { type DriftDifference, describeChange } from './drift-difference.ts'
import { handWrittenTables } from './hand-written-tables.ts'
import { type OptionValue, type PulledSchema, SqlText } from './pulled-schema.ts'
import { withoutStandInKeys, withStandInKeys } from './stand-in-keys.ts'

export type DriftResult =
  | { readonly ok: true; readonly differences: readonly DriftDifference[] }
  | { readonly ok: false; readonly message: string }

/**
 * `fluentorm check --url`'s drift check: reads one schema of the live database as `pull`
 * does and diffs it against the `expected` schema (the snapshot of migrations/). PostgreSQL
 * stores a default or a check as it deparses it (`'1 hour'` reads back `'01:00:00'::interval`),
 * so the expected schema is read back the same way: created in a scratch schema inside a
 * transaction that is rolled back, then read like the live one. Each change the diff finds
 * is a difference. A table without a primary key is compared as any other; one the schema
 * files cannot express is compared by its being there. Tables the hand-written ones of
 * `migrations` make are theirs, not added by hand: compared by their being there, as views,
 * functions and triggers the schema files do not declare are not compared at all.
 *
 * `db` is one connection outside a transaction; the check writes nothing that outlives it,
 * but needs the CREATE privilege on the database for the scratch schema.
 *
 * ```ts
 * await detectDrift(session, snapshot.schema, 'public', state.files)
 * // { ok: true, differences: [{ object: 'column users.phone', expected: '(none)', found: 'phone TEXT' }] }
 * ```
 */
export async function detectDrift(
  db: CatalogExecutor,
  expected: SchemaIR | null,
  schema = 'public',
  migrations: readonly Pick<MigrationFileInfo, 'file' | 'sql' | 'hashes'>[] = [],
): Promise<DriftResult> {
  const catalog = await readCatalog(db, schema)
  const live = readSchema(catalog)
  if (!live.ok) return live
  const wanted = await readBack(db, expected ?? EMPTY, schema)
  if (!wanted.ok) return wanted
  const expectedTables = new Set(wanted.schema.tables.map((t) => t.name))
  // A table a hand-written migration made is the migrations', not one added by hand; the
  // schema files do not say what it holds, so only its being there is compared.
  const madeByHand = handWrittenTables(migrations, schema)
  const ours = (name: string) => expectedTables.has(name) || !madeByHand.has(name)
  // A view the schema files do not declare is a hand-written migration's: not compared.
  const declared = new Set(wanted.schema.tables.flatMap((t) => (t.view ? [t.name] : [])))
  const found = onlyDeclaredObjects(
    {
      ...live.schema,
      tables: live.schema.tables.filter((t) =>
        t.view === undefined ? ours(t.name) : declared.has(t.name),
      ),
    },
    wanted.schema,
  )
  const changes = diffSchemas(wanted.schema, found, NO_RENAMES)
  const inSql = new Map(live.inSql.filter((t) => ours(t.name)).map((t) => [t.name, t]))
  const differences = changes.flatMap((c) =>
    describeChange(c, wanted.schema, found).map((d) => {
      // A table the schema files cannot express is there, though not comparable column by column.
      const table = d.object.startsWith('table ') ? inSql.get(d.object.slice(6)) : undefined
      return table === undefined ? d : { ...d, found: inSqlText(table) }
    }),
  )
  const liveNames = new Set(catalog.tables.map((t) => t.name))
  return {
    ok: true,
    differences: [
      ...differences,
      ...[...inSql.values()]
        .filter((t) => !expectedTables.has(t.name))
        .map((t) => ({ object: `table ${t.name}`, expected: '(none)', found: inSqlText(t) })),
      ...[...madeByHand]
        .filter(([name]) => !expectedTables.has(name) && !liveNames.has(name))
        .map(([name, file]) => ({
          object: `table ${name}`,
          expected: `TABLE made by ${file}`,
          found: '(none)',
        })),
    ],
  }
}

const EMPTY: SchemaIR = { kind: 'schema', tables: [], enums: [] }
const NO_RENAMES = { tables: new Map(), columns: new Map(), enumValues: new Map() }

/** `schema` as PostgreSQL stores it: created in a scratch schema, read, rolled back. */
async function readBack(
  db: CatalogExecutor,
  schema: SchemaIR,
  liveSchemaName: string,
): Promise<{ ok: true; schema: SchemaIR } | { ok: false; message: string }> {
  const scratch = `fluentorm_drift_${randomBytes(6).toString('hex')}`
  await db.query('BEGIN')
  try {
    await db.query(`CREATE SCHEMA ${quoteIdent(scratch)}`)
    // Extensions' functions and types (in the live schema or public) resolve as they did.
    await db.query("SELECT set_config('search_path', $1, true)", [
      [scratch, liveSchemaName, 'public'].map(quoteIdent).join(', '),
    ])
    for (const statement of planMigration(null, schema).up) await db.query(statement)
    const read = readSchema(await readCatalog(db, scratch, [liveSchemaName]))
    return read.ok ? { ok: true, schema: read.schema } : read
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    return {
      ok: false,
      message: `could not create the expected schema in a scratch schema to compare with (${reason}). The drift check needs the CREATE privilege on the database; it rolls everything back.`,
    }
  } finally {
    await db.query('ROLLBACK')
  }
}

/** A table `pull` writes in SQL, not as a schema file: its columns, and why. */
interface TableInSql {
  readonly name: string
  readonly columns: readonly string[]
  readonly reason: string
}

type ReadSchema =
  | { ok: true; schema: SchemaIR; inSql: readonly TableInSql[] }
  | { ok: false; message: string }

/**
 * The catalog's tables as the schema files `pull` would write for them, compiled, and the
 * tables it would write in SQL.
 */
function readSchema(catalog: DatabaseCatalog): ReadSchema {
  const keyed = withStandInKeys(catalog)
  const pulled = adoptCatalog(keyed.catalog)
  const compiled = liveSchema(pulled)
  if (!compiled.ok) return compiled
  const inSql = pulled.unexpressed.flatMap((item): TableInSql[] => {
    if (item.stage !== 'table' || !item.object.startsWith('table ')) return []
    const name = item.object.slice(6)
    const row = catalog.tables.find((t) => t.name === name)
    const columns = catalog.columns.filter((c) => c.table_oid === row?.oid).map((c) => c.name)
    return [{ name, columns, reason: item.reason }]
  })
  return { ok: true, schema: withoutStandInKeys(compiled.schema, keyed.keyless), inSql }
}

/** `TABLE (id, note), written in SQL: it is a partition of events`. */
function inSqlText(table: TableInSql): string {
  return `TABLE (${table.columns.join(', ')}), written in SQL: ${table.reason}`
}

/** The database's tables as the schema files `pull` would write for them, compiled. */
function liveSchema(
  pulled: PulledSchema,
): { ok: true; schema: SchemaIR } | { ok: false; message: string } {
  const tables = [...(pulled.objects === null ? [] : [pulled.objects]), ...pulled.tables]
  const files: SchemaFileModule[] = tables.map((table) => ({
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

/**
 * The live schema with only the functions, domains and triggers the expected one declares:
 * one a hand-written migration made is not compared, as a view of one is not.
 */
function onlyDeclaredObjects(live: SchemaIR, expected: SchemaIR): SchemaIR {
  const functions = new Set((expected.functions ?? []).map((item) => item.name))
  const domains = new Set((expected.domains ?? []).map((item) => item.name))
  const triggers = new Set(
    expected.tables.flatMap((t) =>
      (t.triggers ?? []).map((trigger) => `${t.name}.${trigger.name}`),
    ),
  )
  const { functions: liveFunctions, domains: liveDomains, ...rest } = live
  const keptFunctions = (liveFunctions ?? []).filter((item) => functions.has(item.name))
  const keptDomains = (liveDomains ?? []).filter((item) => domains.has(item.name))
  return {
    ...rest,
    tables: live.tables.map((table) => {
      const { triggers: own, ...withoutTriggers } = table
      const kept = (own ?? []).filter((trigger) => triggers.has(`${table.name}.${trigger.name}`))
      return kept.length === 0 ? withoutTriggers : { ...withoutTriggers, triggers: kept }
    }),
    ...(keptFunctions.length === 0 ? {} : { functions: keptFunctions }),
    ...(keptDomains.length === 0 ? {} : { domains: keptDomains }),
  }
}
