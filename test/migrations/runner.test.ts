import { down, type Migration, migrate, status, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Backend, OWN_DATABASE_BACKENDS } from '../support/backends.ts'
import { handWritten } from './support/migration-fixtures.ts'

const one = handWritten(
  '001_create_things',
  'CREATE TABLE things (id INTEGER PRIMARY KEY);',
  'DROP TABLE things;',
)
const two = handWritten(
  '002_add_label',
  "ALTER TABLE things ADD COLUMN label TEXT DEFAULT 'x;y';",
  'ALTER TABLE things DROP COLUMN label;',
)
const three = handWritten(
  '003_add_size',
  'ALTER TABLE things ADD COLUMN size INTEGER;',
  'ALTER TABLE things DROP COLUMN size;',
)

// CREATE INDEX CONCURRENTLY waits for every transaction of the database: one of its own.
describe.each(OWN_DATABASE_BACKENDS)('the migration runner on $name', ({ open }) => {
  let backend: Backend
  const query = async (text: string) => (await toDriver(backend.db).query({ text })).rows
  const history = async () =>
    (await query('SELECT name FROM fluentorm_migrations ORDER BY name')).map((r) => r.name)

  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend.close())
  // A fresh, empty schema per test (one database per file: PGlite takes seconds to start).
  beforeEach(async () => {
    await toDriver(backend.db).exec(
      `DROP SCHEMA IF EXISTS ${backend.schema} CASCADE; CREATE SCHEMA ${backend.schema}`,
    )
  })

  it('applies hand-written files in order, records them, and skips them the second time', async () => {
    expect((await migrate(backend.db, [three, one, two])).applied).toEqual([
      '001_create_things',
      '002_add_label',
      '003_add_size',
    ])
    expect((await migrate(backend.db, [one, two, three])).applied).toEqual([])
    const rows = await query(
      'SELECT name, checksum, started_at <= finished_at AS ordered FROM fluentorm_migrations ORDER BY name',
    )
    expect(rows).toEqual(
      [one, two, three].map((m) => ({ name: m.name, checksum: m.checksum, ordered: true })),
    )
    await query('INSERT INTO things (id) VALUES (1)')
    expect(await query('SELECT label FROM things')).toEqual([{ label: 'x;y' }])
  })

  it('dry run returns the SQL and changes nothing', async () => {
    const result = await migrate(backend.db, { migrations: [one], dryRun: true })
    expect(result.sql).toBe(
      '-- 001_create_things.sql\nCREATE TABLE things (id INTEGER PRIMARY KEY);\n',
    )
    expect(
      await query(`SELECT to_regclass('fluentorm_migrations') AS t, to_regclass('things') AS u`),
    ).toEqual([{ t: null, u: null }])
  })

  it('status lists applied and pending; down rolls back n steps', async () => {
    await migrate(backend.db, [one, two, three])
    await down(backend.db, { migrations: [one, two, three], steps: 2 })
    expect(await history()).toEqual(['001_create_things'])
    const state = await status(backend.db, [one, two, three])
    expect(state.applied.map((a) => a.name)).toEqual(['001_create_things'])
    expect(state.pending).toEqual(['002_add_label', '003_add_size'])
    expect(state.problems).toEqual([])
  })

  it('refuses an edited applied file, naming both checksums', async () => {
    await migrate(backend.db, [one])
    const edited = handWritten(one.name, 'CREATE TABLE things (id BIGINT PRIMARY KEY);')
    const error = await migrate(backend.db, [edited, two]).catch((e: Error) => e)
    expect((error as Error).message).toContain(
      `001_create_things.sql was edited after it was applied (checksum when applied ${one.checksum.slice(0, 12)}…, now ${edited.checksum.slice(0, 12)}…)`,
    )
    expect(await history()).toEqual(['001_create_things'])
  })

  it('refuses when an applied file is missing', async () => {
    await migrate(backend.db, [one, two])
    await expect(migrate(backend.db, [one, three])).rejects.toThrow(
      '002_add_label.sql was applied to this database but is missing from the migrations. Restore it',
    )
    expect(await history()).toEqual(['001_create_things', '002_add_label'])
  })

  it('refuses a new file that sorts before the last applied one', async () => {
    await migrate(backend.db, [one, three])
    await expect(migrate(backend.db, [one, two, three])).rejects.toThrow(
      '002_add_label.sql is not applied but sorts before 003_add_size.sql, which is (probably merged from another branch). Renumber it',
    )
    expect(await history()).toEqual(['001_create_things', '003_add_size'])
  })

  it('refuses two pending files that share a number, before anything runs; down still rolls back', async () => {
    await migrate(backend.db, [one])
    const twin = handWritten('002_add_other', 'ALTER TABLE things ADD COLUMN other TEXT;')
    await expect(migrate(backend.db, [one, two, twin])).rejects.toThrow(
      '002_add_label.sql and 002_add_other.sql share the number 2 (two branches each made one)',
    )
    expect(await history()).toEqual(['001_create_things'])
    await down(backend.db, { migrations: [one, two, twin], steps: 1 })
    expect(await history()).toEqual([])
  })

  it('names the line of a failing first statement, not of the header comments before it', async () => {
    const failing = handWritten(
      '002_broken',
      '-- Generated by hand\n-- for a test\n/* a block\n comment */\nALTER TABLE nowhere ADD COLUMN b TEXT;',
    )
    const error = (await migrate(backend.db, [one, failing]).catch((e: Error) => e)) as Error
    expect(error.message).toMatch(/^migrate failed: 002_broken\.sql, statement 1 of 1 \(line 5\): /)
  })

  it('stops at a failing statement with file, position and the PostgreSQL error; nothing of it stays', async () => {
    const failing = handWritten(
      '002_broken',
      "-- adds two columns\nALTER TABLE things ADD COLUMN a TEXT;\n\nALTER TABLE nowhere ADD COLUMN b TEXT;\nSELECT ';';",
    )
    const error = (await migrate(backend.db, [one, failing, three]).catch((e: Error) => e)) as Error
    expect(error.message).toMatch(
      /^migrate failed: 002_broken\.sql, statement 2 of 3 \(line 4\): .*nowhere.* does not exist/,
    )
    expect(error.message).toContain('ALTER TABLE nowhere ADD COLUMN b TEXT;')
    expect(error.message).toContain('Nothing of 002_broken.sql was applied')
    expect(await history()).toEqual(['001_create_things'])
    expect(
      await query(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'things' AND table_schema = current_schema()`,
      ),
    ).toEqual([{ column_name: 'id' }])
  })

  it('down refuses a migration without a rollback file before running anything', async () => {
    const noDown: Migration = handWritten('002_no_down', 'ALTER TABLE things ADD COLUMN z TEXT;')
    await migrate(backend.db, [one, noDown])
    await expect(down(backend.db, { migrations: [one, noDown], steps: 2 })).rejects.toThrow(
      '002_no_down.sql has no rollback (002_no_down.down.sql)',
    )
    expect(await history()).toEqual(['001_create_things', '002_no_down'])
  })

  it('runs a -- fluentorm:no-transaction file statement by statement (CREATE INDEX CONCURRENTLY)', async () => {
    const concurrent = handWritten(
      '002_index',
      '-- fluentorm:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_things_id ON things (id);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_things_id2 ON things (id);',
    )
    await migrate(backend.db, [one, concurrent])
    expect(
      await query(
        `SELECT count(*)::int AS n FROM pg_indexes WHERE indexname LIKE 'idx_things_id%'`,
      ),
    ).toEqual([{ n: 2 }])
    expect(
      await query(`SELECT transactional FROM fluentorm_migrations WHERE name = '002_index'`),
    ).toEqual([{ transactional: false }])
  })
})
