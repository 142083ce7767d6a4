import { generateDts, generateTableFiles, planMigration, type TableSchema } from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adoptCatalog } from '../../packages/core/src/introspect/adopt-catalog.ts'
import { readCatalog } from '../../packages/core/src/introspect/catalog-queries.ts'
import { type Backend, pgDatabaseBackend, pgliteBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

const hosts = (extra?: (t: TableSchema) => void) => (t: TableSchema) => {
  t.extension('citext')
  t.increments({ name: 'id', primaryKey: true })
  t.custom({ name: 'name', type: 'citext', unique: true })
  t.custom({ name: 'address', type: 'inet', nullable: true })
  t.custom({ name: 'aliases', type: 'inet[]', defaultValue: '{}' })
  t.custom({ name: 'words', type: 'tsvector', nullable: true, tsType: 'unknown' })
  extra?.(t)
}
const checks = (t: TableSchema) => {
  t.increments({ name: 'id', primaryKey: true })
  t.belongsTo({ name: 'host', column: 'host_id', referencesTable: 'hosts' })
  t.integer({ name: 'host_id' })
}
const schema = (extra?: (t: TableSchema) => void) =>
  schemaOf(file('hosts', hosts(extra)), file('checks', checks, 2))

describe('t.custom and t.extension', () => {
  it('writes the type as given, arrays from [] or array: true, and the extension first', () => {
    const [, name, address, aliases] = schema().tables[0]?.columns ?? []
    expect([name?.sqlType, address?.sqlType, aliases?.sqlType, aliases?.array]).toEqual([
      'citext',
      'inet',
      'inet[]',
      true,
    ])
    expect(generateTableFiles(schema()).get('hosts.sql')).toContain(
      "CREATE EXTENSION IF NOT EXISTS citext;\n\nCREATE TABLE IF NOT EXISTS hosts (\n  id INTEGER PRIMARY KEY GENERATED ALWAYS AS IDENTITY,\n  name citext NOT NULL UNIQUE,\n  address inet,\n  aliases inet[] NOT NULL DEFAULT '{}',\n  words tsvector\n);",
    )
    const plan = planMigration(null, schema())
    expect(plan.up[0]).toBe('CREATE EXTENSION IF NOT EXISTS citext;')
    // The rollback leaves the extension: other objects may use it, it may have been there before.
    expect(plan.down).not.toContain('DROP EXTENSION')
    expect(plan.down?.join('\n')).not.toMatch(/EXTENSION/)
  })

  it('types rows with tsType (default string)', () => {
    const dts = generateDts(schema())
    const row = dts.slice(dts.indexOf('interface HostRow {')).split('}')[0]
    expect(row).toContain('name: string\n')
    expect(row).toContain('address: string | null\n')
    expect(row).toContain('aliases: string[]\n')
    expect(row).toContain('words: unknown\n')
  })

  it('refuses what is not a type name, and types the runtime decodes otherwise', () => {
    const messages = (type: string, more: object = {}) =>
      problemsOf(
        file('hosts', (t) => {
          t.increments({ name: 'id', primaryKey: true })
          t.custom({ name: 'c', type, ...more })
        }),
      ).map((p) => p.message)
    for (const bad of ['inet; DROP TABLE x', 'text DEFAULT 1', "varchar('x')", 'inet)', '', '"x"'])
      expect(messages(bad)[0], bad).toMatch(/is not a PostgreSQL type name\.$/)
    expect(messages('int4')).toEqual([
      "type 'int4' has a builder, whose values the runtime decodes (a custom column's are text).",
    ])
    // numeric would be a JSON number in an include (digits lost); serials are integers.
    for (const typed of ['decimal', 'numeric(40,20)', 'serial8', 'bigserial', 'serial', 'float'])
      expect(messages(typed)[0], typed).toMatch(/has a builder/)
    expect(messages('inet[]', { array: true })).toEqual([
      "type 'inet[]' is an array type and the column has array: true.",
    ])
    for (const good of ['vector(3)', 'geometry(Point, 4326)', 'public.citext', 'bit varying(8)[]'])
      expect(
        schemaOf(file('g', (t) => t.custom({ name: 'id', type: good, primaryKey: true }))).tables[0]
          ?.columns[0]?.sqlType,
        good,
      ).toBe(good)
    const extension = problemsOf(
      file('hosts', (t) => {
        t.extension('citext; DROP')
        t.increments({ name: 'id', primaryKey: true })
      }),
    )
    expect(extension.map((p) => p.message)).toEqual([
      'Extension name "citext; DROP" is not an extension name.',
    ])
  })

  it('diffs a type change as a retype, the extension of a new table before it', () => {
    const withNote = schema((t) => t.custom({ name: 'note', type: 'varchar(4)', nullable: true }))
    const longer = schema((t) => t.custom({ name: 'note', type: 'varchar(8)', nullable: true }))
    expect(planMigration(withNote, longer).up).toEqual([
      'ALTER TABLE hosts ALTER COLUMN note TYPE varchar(8) USING note::varchar(8);',
    ])
    const bare = schemaOf(file('others', (t) => t.increments({ name: 'id', primaryKey: true })))
    expect(planMigration(bare, schema()).up.slice(0, 2)).toEqual([
      'CREATE EXTENSION IF NOT EXISTS citext;',
      expect.stringMatching(/^CREATE TABLE IF NOT EXISTS hosts/),
    ])
  })
})

describe('custom columns on PostgreSQL', () => {
  // CREATE EXTENSION is per database: a database of its own, not a schema of the shared one.
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgDatabaseBackend()
  })
  afterAll(() => backend.close())

  it('creates the extension and the columns, and binds and reads their values as text', async () => {
    const plan = await migrateUp(backend, null, schema())
    const types = await catalogRows(
      backend,
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relname = 'hosts' AND a.attnum > 0 AND c.relnamespace = $1::regnamespace ORDER BY a.attnum`,
    )
    expect(types.map((r) => `${r.name} ${r.type}`)).toEqual([
      'id integer',
      'name citext',
      'address inet',
      'aliases inet[]',
      'words tsvector',
    ])
    const { Host, Check } = modelsOf({ hosts: hosts(), checks })
    const host = await Host.insert(backend.db, {
      name: 'Web-1',
      address: '10.0.0.1',
      aliases: ['10.0.0.2', '::1'],
      words: 'quick brown fox',
    })
    // An array's elements read as the type prints them, as the scalar (inet's own cast to
    // text would add the netmask).
    expect(host).toMatchObject({
      name: 'Web-1',
      address: '10.0.0.1',
      aliases: ['10.0.0.2', '::1'],
      words: "'brown' 'fox' 'quick'",
    })
    // citext compares without case, through a bound parameter.
    expect((await Host.query().where('name', 'WEB-1').fetch(backend.db)).length).toBe(1)
    await Host.insertMany(backend.db, [{ name: 'db-1', aliases: [] }, { name: 'db-2' }])
    expect(await Host.count(backend.db)).toBe(3)
    await Check.insert(backend.db, { host_id: host.id })
    const [included] = await Check.query().include('host').fetch(backend.db)
    expect(included.host).toMatchObject({
      address: '10.0.0.1',
      aliases: ['10.0.0.2', '::1'],
    })

    await migrateDown(backend, plan)
    const left = await catalogRows(
      backend,
      "SELECT count(*)::int AS tables, (SELECT count(*)::int FROM pg_extension WHERE extname = 'citext') AS citext FROM pg_class WHERE relname = 'hosts' AND relnamespace = $1::regnamespace",
    )
    expect(left).toEqual([{ tables: 0, citext: 1 }])
  })

  it('is what pull writes for a column of an extension type, with the extension', async () => {
    await backend.db.query(
      'CREATE TABLE tags (id INTEGER PRIMARY KEY, label citext NOT NULL, seen inet[])',
    )
    const catalog = await readCatalog(
      { query: async (text, values) => (await backend.db.query(text, values as unknown[])).rows },
      backend.schema,
    )
    const tags = adoptCatalog(catalog).tables.find((t) => t.name === 'tags')
    expect(tags?.calls.slice(0, 4)).toEqual([
      { method: 'extension', args: ['citext'] },
      { method: 'integer', args: [{ name: 'id', primaryKey: true }] },
      { method: 'custom', args: [{ name: 'label', type: 'citext' }] },
      { method: 'custom', args: [{ name: 'seen', nullable: true, type: 'inet[]' }] },
    ])
  })
})

describe('custom columns on PGlite', () => {
  let backend: Backend<import('@electric-sql/pglite').PGlite>
  beforeAll(async () => {
    backend = await pgliteBackend()
  })
  afterAll(() => backend.close())

  it('binds and reads them as text, as on PostgreSQL', async () => {
    const { Device } = modelsOf({
      devices: (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t.custom({ name: 'address', type: 'inet' })
        t.custom({ name: 'aliases', type: 'inet[]', defaultValue: '{}' })
      },
    })
    await Device.createTable(backend.db)
    const device = await Device.insert(backend.db, { address: '10.0.0.1', aliases: ['::1'] })
    expect(device).toMatchObject({ address: '10.0.0.1', aliases: ['::1'] })
    expect(await Device.query().where('address', '10.0.0.1').count(backend.db)).toBe(1)
  }, 300_000)
})
