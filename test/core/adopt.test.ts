import { readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { PGlite } from '@electric-sql/pglite'
import { formatProblems, loadSchemas, toModelMetas } from '@fluentorm/core'
import { baseline, defineModels, migrate } from '@fluentorm/runtime'
import type pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { pullProject } from '../../packages/core/src/introspect/pull-project.ts'
import { type Backend, DATABASE_URL, pgBackend, pgliteBackend } from '../support/backends.ts'
import { fluentormInProcess as fluentorm } from '../support/fluentorm-cli.ts'
import { ROOT, runScript, tempProject } from './support/schema-fixtures.ts'

const FIXTURES = resolve(ROOT, 'test/core/fixtures/adopt')
const fixture = (name: string) => readFile(join(FIXTURES, name), 'utf8')

/** DATABASE_URL with the search path at a test schema, as a user of `--schema` would connect. */
function urlFor(schema: string): string {
  const url = new URL(DATABASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

type Query = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>

function queryOf(backend: Backend): Query {
  return async (text, values) =>
    backend.name === 'pg'
      ? (await (backend.db as pg.Pool).query(text, values)).rows
      : ((await (backend.db as PGlite).query(text, values)).rows as Record<string, unknown>[])
}

/**
 * Every object of a schema as text, by kind then name, read with queries of the test's own
 * (not pull's): tables' columns (type, nullability, default, identity), constraints as
 * PostgreSQL prints them (actions included), indexes, views, materialized views, functions,
 * triggers, enums, domains, composite types and sequences. The schema's name is replaced so two schemas compare.
 */
async function catalogOf(backend: Backend): Promise<Record<string, string[]>> {
  const query = queryOf(backend)
  const schema = backend.schema
  const lines = async (sql: string) =>
    (await query(sql, [schema])).map((row) =>
      Object.values(row)
        .map((value) => String(value).replaceAll(`${schema}.`, ''))
        .join(' | '),
    )
  const own = 'relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)'
  return {
    columns:
      await lines(`SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
        pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
      LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.${own} AND c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped
        AND c.relname <> 'fluentorm_migrations'
      ORDER BY 1, 2`),
    constraints: await lines(`SELECT c.relname, con.conname, pg_get_constraintdef(con.oid)
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
      WHERE c.${own} AND c.relname <> 'fluentorm_migrations' ORDER BY 1, 2`),
    indexes: await lines(`SELECT tablename, indexname, indexdef FROM pg_indexes
      WHERE schemaname = $1 AND tablename <> 'fluentorm_migrations' ORDER BY 1, 2`),
    views: await lines(
      'SELECT viewname, definition FROM pg_views WHERE schemaname = $1 ORDER BY 1',
    ),
    materializedViews: await lines(
      'SELECT matviewname, definition FROM pg_matviews WHERE schemaname = $1 ORDER BY 1',
    ),
    types:
      await lines(`SELECT t.typname, t.typtype, format_type(t.typbasetype, t.typtypmod), t.typnotnull,
        (SELECT string_agg(pg_get_constraintdef(con.oid), ', ') FROM pg_constraint con WHERE con.contypid = t.oid),
        (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.oid = t.typrelid AND c.relkind = 'c')
      FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1)
        AND t.typtype IN ('d', 'c', 'e') AND (t.typrelid = 0 OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
      ORDER BY 1`),
    // By definition too: overloads share a name (twice(integer), twice(text)).
    functions: await lines(`SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p
      WHERE p.pronamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) ORDER BY 1, 2`),
    triggers: await lines(`SELECT t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid WHERE c.${own} AND NOT t.tgisinternal ORDER BY 1`),
    enums: await lines(`SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
      FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE t.typnamespace = (SELECT oid FROM pg_namespace WHERE nspname = $1) GROUP BY 1 ORDER BY 1`),
    comments: await lines(`SELECT c.relname, a.attname, d.description
      FROM pg_description d JOIN pg_class c ON c.oid = d.objoid AND d.classoid = 'pg_class'::regclass
      LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.objsubid AND d.objsubid > 0
      WHERE c.${own} ORDER BY 1, 2 NULLS FIRST`),
    partitions:
      await lines(`SELECT c.relname AS name, pg_get_partkeydef(c.oid) AS key, p.relname AS parent,
        pg_get_expr(c.relpartbound, c.oid) AS bound
      FROM pg_class c LEFT JOIN pg_inherits i ON i.inhrelid = c.oid LEFT JOIN pg_class p ON p.oid = i.inhparent
      WHERE c.${own} AND c.relkind IN ('r', 'p') AND (c.relkind = 'p' OR c.relispartition) ORDER BY 1`),
    sequences:
      await lines(`SELECT c.relname, s.seqtypid::regtype, s.seqstart, s.seqincrement, s.seqmin, s.seqmax
      FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid WHERE c.${own} ORDER BY 1`),
  }
}

const opened: Backend[] = []
const dirs: string[] = []
afterAll(async () => {
  for (const backend of opened.splice(0)) await backend.close()
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function project(): Promise<string> {
  // A package.json: config discovery stops here, as in a real project (not at the repository's).
  const dir = await tempProject({ 'package.json': '{ "type": "module" }\n' }, true)
  dirs.push(dir)
  return dir
}

async function open<B extends Backend>(backend: Promise<B>): Promise<B> {
  const opened_ = await backend
  opened.push(opened_)
  return opened_
}

/** A PostgreSQL schema built by `fixtures/adopt/<name>`, and `fluentorm pull` of it into a new project. */
async function pullFixture(name: string) {
  const source = await open(pgBackend())
  await runScript(source, await fixture(name))
  const cwd = await project()
  const pulled = await fluentorm(
    cwd,
    'pull',
    '--url',
    urlFor(source.schema),
    '--schema',
    source.schema,
  )
  return { source, cwd, pulled }
}

describe('fluentorm pull on PostgreSQL: the round trip', () => {
  it('pulls a shop database, and generate + migrate on an empty database make the same catalog', async () => {
    const { source, cwd, pulled } = await pullFixture('shop.sql')
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    const schemaFiles = await readdir(join(cwd, 'schemas'))
    expect(schemaFiles).toEqual([
      '00_functions.ts',
      '01_audit_log.ts',
      '02_categories.ts',
      '03_products.ts',
      '04_product_categories.ts',
      '05_users.ts',
      '06_addresses.ts',
      '07_profiles.ts',
      '08_reviews.ts',
      '09_orders.ts',
      '10_invoices.ts',
      '11_order_items.ts',
      '12_active_products.ts',
    ])
    // The view over schema-file tables is a schema file too, not hand-written SQL.
    expect(pulled.stdout).not.toContain('  view active_products: ')
    const view = await readFile(join(cwd, 'schemas/12_active_products.ts'), 'utf8')
    expect(view).toContain(
      "as: sql('SELECT products.id,\\n    products.sku,\\n    products.name,\\n    products.price\\n   FROM products\\n  WHERE products.is_active'),",
    )
    expect(view).toContain("t.varchar({ name: 'sku', nullable: true, length: 32 })")
    // So are the trigger function and the trigger: t.function in 00_functions.ts, t.trigger in users'.
    for (const object of ['function touch_updated_at()', 'trigger users_touch on users']) {
      expect(pulled.stdout).not.toContain(`  ${object}: `)
    }
    expect(await readFile(join(cwd, 'schemas/00_functions.ts'), 'utf8')).toBe(
      `import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.function({
    name: 'touch_updated_at',
    returns: 'trigger',
    body: '\\nBEGIN\\n  NEW.updated_at := CURRENT_TIMESTAMP;\\n  RETURN NEW;\\nEND\\n',
  })
}
`,
    )
    expect(await readFile(join(cwd, 'schemas/05_users.ts'), 'utf8')).toContain(
      "  t.trigger({\n    name: 'users_touch',\n    timing: 'before',\n    events: ['update'],\n    forEach: 'row',\n    function: 'touch_updated_at',\n  })\n}\n",
    )
    const handWritten = await readFile(join(cwd, 'migrations/0002_adopted_sql.sql'), 'utf8')
    expect(handWritten).not.toContain('active_products')
    expect(handWritten).not.toContain('users_touch')

    // Right after pull: generate writes nothing, migrate applies nothing on the pulled database.
    const generated = await fluentorm(cwd, 'generate', '--json')
    expect(generated.code).toBe(0)
    expect(JSON.parse(generated.stdout)).toMatchObject({ ok: true, written: [], migration: [] })
    const migrated = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(source.schema))
    expect(JSON.parse(migrated.stdout)).toMatchObject({ ok: true, applied: [] })

    // The migrations pull wrote, applied to an empty database, make the same objects.
    const target = await open(pgBackend())
    const built = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(target.schema))
    expect(built.stderr).toBe('')
    expect(JSON.parse(built.stdout).applied).toHaveLength(2)
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    expect(before.views).toHaveLength(1)
    expect(before.functions).toHaveLength(1)
    expect(before.triggers).toHaveLength(1)
  })

  it('pulls functions, triggers and domains into t.function, t.trigger, t.domain, the rest into SQL, and makes them again', async () => {
    const { source, cwd, pulled } = await pullFixture('objects.sql')
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    const declarations = await readFile(join(cwd, 'schemas/00_functions.ts'), 'utf8')
    for (const call of [
      "t.domain({ name: 'quantity', type: 'integer', notNull: true, check: '(VALUE > 0)', default: '1' })",
      "args: [{ name: 'amount', type: 'numeric' }, { name: 'rate', type: 'numeric', default: '0.2' }],",
      "volatility: 'immutable',",
      "security: 'definer',",
      "args: [{ name: 'i', type: 'items' }],",
    ])
      expect(declarations).toContain(call)
    const items = await readFile(join(cwd, 'schemas/02_items.ts'), 'utf8')
    expect(items).toContain("t.custom({ name: 'amount', nullable: true, type: 'quantity' })")
    expect(items).toContain("of: ['title', 'price'],")
    expect(items).toContain("when: 'old.* IS DISTINCT FROM new.*',")
    expect(items).toContain("events: ['truncate'],\n    forEach: 'statement',")
    expect(await readFile(join(cwd, 'schemas/03_item_titles.ts'), 'utf8')).toContain(
      "timing: 'instead of',",
    )
    for (const [object, reason] of [
      ['domain two_checks', 't.domain declares one check, and this domain has several'],
      [
        'function twice(x integer)',
        't.function declares one function per name, and this name has several',
      ],
      ['function twice(x text)', 't.function declares one function per name'],
      [
        'function strict_one(x integer)',
        't.function declares no STRICT, LEAKPROOF, PARALLEL, COST, ROWS or SET',
      ],
      ['function with_path()', 't.function declares no STRICT'],
      [
        'function split_pair(whole text, OUT a text, OUT b text)',
        't.function declares named input arguments only',
      ],
      ['trigger items_noted on items', 't.trigger declares no arguments'],
    ])
      expect(pulled.stdout).toContain(`  ${object}: ${reason}`)
    for (const object of ['domain quantity', 'function stamp()', 'trigger items_stamp on items'])
      expect(pulled.stdout).not.toContain(`  ${object}: `)
    expect(JSON.parse((await fluentorm(cwd, 'generate', '--json')).stdout)).toMatchObject({
      ok: true,
      written: [],
    })
    const target = await open(pgBackend())
    const built = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(target.schema))
    expect(built.stderr).toBe('')
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    expect(before.functions).toHaveLength(10)
    expect(before.triggers).toHaveLength(4)
    // The check of the target reads them back as declared: no drift.
    const check = await fluentorm(cwd, 'check', '--json', '--url', urlFor(target.schema))
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, drift: [] })
  })

  it('pulls partitioned tables into t.partitionBy and t.partition, and makes them again', async () => {
    const { source, cwd, pulled } = await pullFixture('partitions.sql')
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    expect(await readdir(join(cwd, 'schemas'))).toEqual([
      '01_accounts.ts',
      '02_customers.ts',
      '03_events.ts',
      '04_logs.ts',
      '05_members.ts',
      '06_readings.ts',
    ])
    const file = (name: string) => readFile(join(cwd, 'schemas', name), 'utf8')
    const events = await file('03_events.ts')
    for (const call of [
      "t.partitionBy({ kind: 'range', columns: ['happened_on'] })",
      "t.partition({ name: 'events_old', from: 'MINVALUE', to: '2024-01-01' })",
      "t.partition({ name: 'events_2024', from: '2024-01-01', to: '2025-01-01' })",
      "t.partition({ name: 'events_later', default: true })",
      "referencesTable: 'accounts',",
    ])
      expect(events).toContain(call)
    expect(await file('01_accounts.ts')).toContain(
      "t.partition({ name: 'accounts_1', modulus: 2, remainder: 1 })",
    )
    expect(await file('02_customers.ts')).toContain(
      `t.partition({ name: 'customers_eu', in: ['de', 'fr', "it's"] })`,
    )
    expect(await file('04_logs.ts')).toContain(
      `t.partitionBy({ kind: 'list', expression: sql('lower("left"(message, 1))') })`,
    )
    expect(await file('06_readings.ts')).toContain(
      "t.partition({ name: 'readings_before', from: ['MINVALUE', 'MINVALUE'], to: [2024, 1] })",
    )
    // What a schema file cannot say: a key with a collation, a partition's own index.
    for (const object of ['table codes', 'table codes_a_to_m', 'index events_2024_account_idx'])
      expect(pulled.stdout).toContain(`  ${object}: `)
    for (const object of [
      'table events',
      'table events_2024',
      'table logs',
      'constraint members_account_id_fkey',
    ])
      expect(pulled.stdout).not.toContain(`  ${object}: `)

    const generated = await fluentorm(cwd, 'generate', '--json')
    expect(JSON.parse(generated.stdout)).toMatchObject({ ok: true, written: [], migration: [] })
    const target = await open(pgBackend())
    const built = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(target.schema))
    expect(built.stderr).toBe('')
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    expect(before.partitions).toHaveLength(17)
  })

  it('writes schema files a person would: relations both ways, helpers, kept names', async () => {
    const { cwd, pulled } = await pullFixture('shop.sql')
    expect(pulled.code).toBe(0)
    const file = (name: string) => readFile(join(cwd, 'schemas', name), 'utf8')
    const users = await file('05_users.ts')
    expect(users).toContain('t.timestamps()')
    expect(users).toContain('t.softDelete()')
    expect(users).toContain(
      "t.hasOne({ name: 'profile', foreignTable: 'profiles', foreignColumn: 'user_id' })",
    )
    const products = await file('03_products.ts')
    expect(products).toContain(
      "t.manyToMany({ name: 'categories', targetTable: 'categories', through: 'product_categories' })",
    )
    expect(products).toContain("{ name: 'products_tags_idx', columns: ['tags'], method: 'gin' }")
    expect(products).toContain(
      "{ name: 'products_lower_name_idx', columns: [{ expression: 'lower(name)' }] }",
    )
    expect(products).toContain(
      "columns: [{ column: 'sku', opclass: 'varchar_pattern_ops' }], include: ['name'], with: { fillfactor: 70 } }",
    )
    expect(products).toContain(
      "columns: [{ column: 'published_at', order: 'desc', nulls: 'last' }, { expression: 'price * (2)::numeric' }]",
    )
    expect(products).toContain(`generatedAs: "((lower(name) || ' '::text) || lower((sku)::text))",`)
    expect(await file('01_audit_log.ts')).toContain(
      "t.bigIncrements({ name: 'id', primaryKey: true, identity: 'byDefault' })",
    )
    expect(await file('01_audit_log.ts')).toContain(
      "t.custom({ name: 'client_ip', nullable: true, type: 'inet' })",
    )
    expect(await file('06_addresses.ts')).toContain(
      "t.custom({ name: 'country', type: 'character(2)', defaultValue: 'NL' })",
    )
    expect(await file('08_reviews.ts')).toContain("deferrable: 'immediate'")
    expect(users).toContain(`t.comment("Who can sign in; it's one row per person.")`)
    expect(users).toContain("comment: 'Lower-case, checked by the app'")
    const orders = await file('09_orders.ts')
    expect(orders).toContain("onDelete: 'set default'")
    expect(orders).toContain("constraintName: 'orders_invoice_id_fkey'")
    const categories = await file('02_categories.ts')
    expect(categories).toContain(
      "t.unique(['parent_id', 'slug'], { name: 'categories_parent_slug_key' })",
    )
    expect(categories).toContain("referencesTable: 'categories'")
    expect(categories).toContain("t.integer({ name: 'depth', defaultValue: -1 })")
    expect(categories).toContain(
      "t.decimal({ name: 'weight', precision: 4, scale: 2, defaultValue: -0.5 })",
    )
  })

  it('migrate --baseline records migrations as applied without running them', async () => {
    const { cwd, pulled } = await pullFixture('shop.sql')
    expect(pulled.code).toBe(0)
    const copy = await open(pgBackend())
    await runScript(copy, await fixture('shop.sql'))
    const recorded = await fluentorm(
      cwd,
      'migrate',
      '--baseline',
      '2',
      '--json',
      '--url',
      urlFor(copy.schema),
    )
    expect(JSON.parse(recorded.stdout).baseline).toHaveLength(2)
    const again = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(copy.schema))
    expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, applied: [] })
    const bad = await fluentorm(cwd, 'migrate', '--baseline', 'x', '--url', urlFor(copy.schema))
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--baseline takes the number')
  })
})

describe('fluentorm pull: what schema files cannot express comes back through SQL', () => {
  it('domains, composite types, sequences, serial and collated columns, tables without a key, partitions, NOT VALID constraints, special indexes, a materialized view, a procedure', async () => {
    const { source, cwd, pulled } = await pullFixture('edges.sql')
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    expect(pulled.stdout).not.toContain('NOT WRITTEN')
    for (const object of [
      'type money_amount',
      'enum unused_mood',
      'sequence ticket_numbers',
      'column accounts.id',
      'column accounts.code',
      'column accounts.name_lower',
      'table raw_events',
      'table page_views',
      'table page_views_2024',
      'constraint offices_region on offices',
      'constraint offices_hours on offices',
      'constraint offices_unique_hours on offices',
      'materialized view account_names',
      'procedure forget_events(IN before timestamp with time zone)',
      'constraint players_team_id_fkey on players',
      'column api_keys.counter',
      'column api_keys.tiny',
      'comment account_names',
      'row level security offices',
      'policy offices_by_region on offices',
    ]) {
      expect(pulled.stdout).toContain(`  ${object}: `)
    }
    // Why a view stays in SQL: here it reads a column the hand-written migration alters (the
    // serial id's sequence is OWNED BY it there), not that views have no schema call.
    expect(pulled.stdout).toMatch(
      / {2}materialized view account_names: it reads accounts\.\w+, which the hand-written migration makes or alters/,
    )
    expect(pulled.stdout).not.toContain('views are not part of the schema DSL')
    // The domain, its column and the functions are schema files' now, the domain's column t.custom.
    for (const object of [
      'domain email',
      'column accounts.contact',
      'function next_ticket()',
      'function ticket_label(t tickets)',
      'function account_count()',
    ])
      expect(pulled.stdout).not.toContain(`  ${object}: `)
    const declarations = await readFile(join(cwd, 'schemas/00_functions.ts'), 'utf8')
    expect(declarations).toContain(
      `t.domain({ name: 'email', type: 'text', check: "(VALUE ~~ '%@%'::text)" })`,
    )
    expect(declarations).toContain("args: [{ name: 't', type: 'tickets' }],")
    expect(await readFile(join(cwd, 'schemas/01_accounts.ts'), 'utf8')).toContain(
      "t.custom({ name: 'contact', type: 'email' })",
    )
    expect((await fluentorm(cwd, 'generate', '--json')).stdout).toContain('"written":[]')
    const target = await open(pgBackend())
    const built = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(target.schema))
    expect(built.stderr).toBe('')
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
  })
})

/** The models of a pulled project's schema files, as the plugin defines them. */
async function projectModels(cwd: string) {
  const loaded = await loadSchemas({ schemasDir: 'schemas', root: cwd })
  if (!loaded.ok) throw new Error(formatProblems(loaded.problems))
  return defineModels(toModelMetas(loaded.schema))
}

describe('fluentorm pull: serial columns', () => {
  it('keeps their nextval default in the schema file: the model inserts without them, the database numbers them', async () => {
    const { source, cwd, pulled } = await pullFixture('serial.sql')
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    const authors = await readFile(join(cwd, 'schemas/01_authors.ts'), 'utf8')
    for (const call of [
      `t.integer({ name: 'id', primaryKey: true, defaultValue: sql("nextval('authors_id_seq'::regclass)") })`,
      `t.bigInt({ name: 'ticket', defaultValue: sql("nextval('authors_ticket_seq'::regclass)") })`,
      `t.smallInt({ name: 'rank', defaultValue: sql("nextval('authors_rank_seq'::regclass)") })`,
    ])
      expect(authors).toContain(call)
    expect(await readFile(join(cwd, 'fluentorm.d.ts'), 'utf8')).toContain(
      'export interface AuthorCreate {\n    id?: number\n    email: string\n    ticket?: bigint\n    rank?: number\n  }',
    )
    // The sequences, with their options, before the table; OWNED BY once it exists.
    const prelude = await readFile(
      join(cwd, 'migrations/0001_adopted_types_and_functions.sql'),
      'utf8',
    )
    expect(prelude).toContain(
      'CREATE SEQUENCE IF NOT EXISTS authors_ticket_seq AS bigint INCREMENT BY 10 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1000 CACHE 1;',
    )
    const handWritten = await readFile(join(cwd, 'migrations/0003_adopted_sql.sql'), 'utf8')
    for (const column of ['authors.id', 'authors.ticket', 'authors.rank', 'events.n'])
      expect(handWritten).toContain(
        `ALTER SEQUENCE ${column.replace('.', '_')}_seq OWNED BY ${column};`,
      )

    const generated = await fluentorm(cwd, 'generate', '--json')
    expect(JSON.parse(generated.stdout)).toMatchObject({ ok: true, written: [], migration: [] })
    const check = await fluentorm(cwd, 'check', '--json', '--url', urlFor(source.schema))
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, drift: [] })

    const target = await open(pgBackend())
    const built = await fluentorm(cwd, 'migrate', '--json', '--url', urlFor(target.schema))
    expect(built.stderr).toBe('')
    expect(JSON.parse(built.stdout).applied).toHaveLength(3)
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    // Each sequence owned by its column, of the schema-file table and of the one in SQL.
    const owners = async (backend: Backend) =>
      (
        await queryOf(backend)(
          `SELECT t || '.' || c AS "column", pg_get_serial_sequence(t, c) AS sequence
           FROM unnest(ARRAY['authors', 'authors', 'authors', 'events'], ARRAY['id', 'ticket', 'rank', 'n']) u(t, c)`,
        )
      ).map((row) => ({ ...row, sequence: String(row.sequence).replace(`${backend.schema}.`, '') }))
    expect(await owners(target)).toEqual(await owners(source))
    expect(await owners(source)).toEqual([
      { column: 'authors.id', sequence: 'authors_id_seq' },
      { column: 'authors.ticket', sequence: 'authors_ticket_seq' },
      { column: 'authors.rank', sequence: 'authors_rank_seq' },
      { column: 'events.n', sequence: 'events_n_seq' },
    ])

    // On the pulled database and on the one its migrations made, alike.
    const { Author } = await projectModels(cwd)
    for (const backend of [source, target]) {
      const inserted = [
        await Author!.insert(backend.db, { email: 'ann@example.com' }),
        await Author!.insert(backend.db, { email: 'bob@example.com' }),
      ]
      const rows = await queryOf(backend)(
        'SELECT id, email, ticket::text AS ticket, rank FROM authors WHERE email = ANY ($1) ORDER BY id',
        [['ann@example.com', 'bob@example.com']],
      )
      expect(rows, backend.schema).toEqual([
        { id: 1, email: 'ann@example.com', ticket: '1000', rank: 1 },
        { id: 2, email: 'bob@example.com', ticket: '1010', rank: 2 },
      ])
      expect(inserted.map((row) => ({ ...row, ticket: String(row.ticket) }))).toEqual(rows)
    }
  })
})

describe('fluentorm pull: bad input is a message', () => {
  it('an unreachable database, a missing schema, an empty one, a project with schema files', async () => {
    const cwd = await project()
    const down = await fluentorm(cwd, 'pull', '--url', 'postgresql://postgres@127.0.0.1:1/none')
    expect(down.code).toBe(1)
    expect(down.stderr).toMatch(/^fluentorm: /)
    expect(down.stderr).not.toMatch(/\n\s+at /)
    // The advice holds for the CLI too: no 'unset it to use embedded PGlite', which gives 'no database' here.
    expect(down.stderr).toContain('at 127.0.0.1:1/none as postgres')
    expect(down.stderr).toContain('Check the host and port of the database URL.')

    const missing = await fluentorm(
      cwd,
      'pull',
      '--url',
      DATABASE_URL,
      '--schema',
      'no_such_schema',
    )
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain("The database has no schema 'no_such_schema'")

    const empty = await open(pgBackend())
    const nothing = await fluentorm(cwd, 'pull', '--url', DATABASE_URL, '--schema', empty.schema)
    expect(nothing.code).toBe(1)
    expect(nothing.stderr).toContain(`schema ${empty.schema} of the database is empty`)

    const full = await tempProject({ 'package.json': '{}\n', 'schemas/01_users.ts': 'x' }, true)
    dirs.push(full)
    const refused = await fluentorm(full, 'pull', '--url', DATABASE_URL, '--schema', empty.schema)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('schemas already has schema files (01_users.ts)')
  })
})

/** A PGlite made from a fixture and pulled into a fresh project: the source, the project, the pull. */
async function pullFromPglite(name: string) {
  const source = await open(pgliteBackend())
  await runScript(source, await fixture(name))
  const cwd = await project()
  const db = source.db
  const result = await pullProject({
    db: {
      query: async <R>(text: string, values?: readonly unknown[]) =>
        (await db.query<R>(text, values ? [...values] : [])).rows,
    },
    schemasDir: join(cwd, 'schemas'),
    migrationsDir: join(cwd, 'migrations'),
    dtsFile: null,
    root: cwd,
  })
  if (!result.ok) throw new Error(result.message)
  return { source, cwd, result }
}

describe('pull from PGlite', () => {
  it('pulls, and the migrations make the same catalog on another PGlite', async () => {
    const { source, cwd, result } = await pullFromPglite('blog.sql')
    const db = source.db
    expect(result.pulled.tables.map((t) => t.name)).toEqual([
      'authors',
      'posts',
      'tags',
      'posts_tags',
      // A view over schema-file tables is a schema file, made by the schema's migration.
      'live_posts',
    ])
    expect(
      await baseline(db, { migrations: join(cwd, 'migrations'), upTo: result.baselineNumber }),
    ).toEqual(result.baseline)
    expect((await migrate(db, { migrations: join(cwd, 'migrations') })).applied).toEqual([])
    const target = await open(pgliteBackend())
    // The serial key's sequence (tags.id) first, the tables, then its OWNED BY.
    expect(
      (await migrate(target.db, { migrations: join(cwd, 'migrations') })).applied,
    ).toHaveLength(3)
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    // Two PGlite instances start in seconds alone, in tens of seconds on a loaded machine.
  }, 300_000)

  it('pulls functions, triggers and domains and makes them again on another PGlite', async () => {
    const { source, cwd, result } = await pullFromPglite('objects.sql')
    expect(result.pulled.objects?.calls.map((call) => call.method)).toEqual([
      'domain',
      'function',
      'function',
      'function',
      'function',
      'function',
    ])
    const target = await open(pgliteBackend())
    await migrate(target.db, { migrations: join(cwd, 'migrations') })
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    expect(before.triggers).toHaveLength(4)
  }, 300_000)

  it('pulls partitioned tables and makes them again on another PGlite', async () => {
    const { source, cwd, result } = await pullFromPglite('partitions.sql')
    expect(result.pulled.tables.map((t) => t.name)).toEqual([
      'accounts',
      'customers',
      'events',
      'logs',
      'members',
      'readings',
    ])
    const target = await open(pgliteBackend())
    await migrate(target.db, { migrations: join(cwd, 'migrations') })
    const [before, after] = [await catalogOf(source), await catalogOf(target)]
    for (const kind of Object.keys(before))
      expect({ kind, rows: after[kind] }).toEqual({ kind, rows: before[kind] })
    expect(before.partitions).toHaveLength(17)
  }, 300_000)
})
