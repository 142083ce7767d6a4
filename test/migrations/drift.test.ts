import { cp, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../core/support/schema-fixtures.ts'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'
import { runFluentorm } from '../support/fluentorm-cli.ts'

const USERS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
  t.boolean({ name: 'is_active', defaultValue: 'true' })
  t.integer({ name: 'score', defaultValue: '0', check: 'score >= 0' })
  t.timestamps()
}
`
const POSTS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.uuid({ name: 'user_id' })
  t.string({ name: 'title' })
  t.enum({ name: 'status', values: ['draft', 'published'], defaultValue: 'draft' })
  t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users', onDelete: 'cascade' })
  t.addIndexes([{ name: 'idx_posts_user', columns: ['user_id'] }])
}
`

/** A project in a fresh PostgreSQL schema; its `cli` runs the fluentorm bin in it. */
function project(files: (dir: string) => Promise<void>) {
  const p = {
    backend: undefined as unknown as Backend<pg.Pool>,
    dir: '',
    url: '',
    cli: (...args: string[]) => runFluentorm(p.dir, ...args),
    check() {
      const result = p.cli('check', '--url', p.url, '--json')
      return { ...result, data: JSON.parse(result.out) }
    },
  }
  beforeAll(async () => {
    p.backend = await pgBackend()
    p.url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${p.backend.schema}`)}`
    // Outside the repository (whose fluentorm.config.ts would be found upward), with its
    // node_modules, so schema files that import sql from @fluentorm/core resolve it.
    p.dir = await mkdtemp(join(tmpdir(), 'fluentorm-drift-'))
    await symlink(join(ROOT, 'node_modules'), join(p.dir, 'node_modules'))
    await files(p.dir)
    expect(p.cli('generate').code).toBe(0)
  })
  afterAll(async () => {
    await p.backend?.close()
    await rm(p.dir, { recursive: true, force: true })
  })
  return p
}

/**
 * `fluentorm check --url` against a real PostgreSQL database migrated from a project, then
 * altered by hand: each change is listed, with what the snapshot expected and what was found.
 */
describe('fluentorm check --url: drift between the database and its migrations', () => {
  const p = project(async (dir) => {
    await mkdir(join(dir, 'schemas'))
    await writeFile(join(dir, 'schemas/01_users.ts'), USERS)
    await writeFile(join(dir, 'schemas/02_posts.ts'), POSTS)
  })
  const sql = (text: string) => p.backend.db.query(text)

  it('does not compare while migrations are pending, and says so', () => {
    const result = p.cli('check', '--url', p.url)
    expect(result.code).toBe(0)
    expect(result.out).toContain('drift not compared: 1 migration is pending')
    expect(p.check().data.drift).toBeNull()
  })

  it('finds no difference in a database its migrations made', () => {
    expect(p.cli('migrate', '--url', p.url).code).toBe(0)
    const result = p.check()
    expect(result.data).toMatchObject({ ok: true, drift: [] })
    expect(result.code).toBe(0)
  })

  it('lists exactly what was changed by hand, with what was expected and found, exit 1', async () => {
    await sql('ALTER TABLE users ADD COLUMN nickname TEXT')
    await sql('ALTER TABLE users ALTER COLUMN is_active SET DEFAULT false')
    await sql('DROP INDEX idx_posts_user')
    const result = p.check()
    expect(result.code).toBe(1)
    expect(result.data.ok).toBe(false)
    expect(result.data.drift).toEqual([
      {
        object: 'column users.is_active',
        expected: 'is_active BOOLEAN NOT NULL DEFAULT true',
        found: 'is_active BOOLEAN NOT NULL DEFAULT false',
      },
      { object: 'column users.nickname', expected: '(none)', found: 'nickname TEXT' },
      { object: 'index idx_posts_user on posts', expected: 'INDEX (user_id)', found: '(none)' },
    ])
    const text = p.cli('check', '--url', p.url)
    expect(text.code).toBe(1)
    expect(text.err).toContain(
      'check: drift: column users.nickname: expected (none), found nickname TEXT',
    )
    expect(text.err).toContain('differs from the schema of its migrations')
  })

  it('is consistent again once the database is put back', async () => {
    await sql('ALTER TABLE users DROP COLUMN nickname')
    await sql('ALTER TABLE users ALTER COLUMN is_active SET DEFAULT true')
    await sql('CREATE INDEX idx_posts_user ON posts (user_id)')
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
  })
})

describe('fluentorm check --url reads defaults and checks back as PostgreSQL stores them', () => {
  // Intervals, times, casts and expressions PostgreSQL deparses in its own words.
  const p = project((dir) =>
    cp(join(ROOT, 'test/core/fixtures/golden'), join(dir, 'schemas'), { recursive: true }),
  )

  it('finds no difference in a database the golden schemas migrated', () => {
    expect(p.cli('migrate', '--url', p.url).code).toBe(0)
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
  })

  it('finds a check changed by hand', async () => {
    await p.backend.db.query('ALTER TABLE profiles DROP CONSTRAINT profiles_balance_check')
    await p.backend.db.query(
      'ALTER TABLE profiles ADD CONSTRAINT profiles_balance_check CHECK (balance > 0)',
    )
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      {
        object: 'check profiles_balance_check on profiles',
        expected: 'CHECK (balance >= (0)::numeric)',
        found: '(none)',
      },
      {
        object: 'check profiles_balance_check on profiles',
        expected: '(none)',
        found: 'CHECK (balance > (0)::numeric)',
      },
    ])
  })
})

describe('fluentorm check --url compares views', () => {
  const STATS = `import { sql } from '@fluentorm/core'
export function build(t) {
  t.view({ as: sql\`SELECT u.id, count(p.id)::int AS posts FROM users u LEFT JOIN posts p ON p.user_id = u.id GROUP BY u.id\`, materialized: true })
  t.uuid({ name: 'id', primaryKey: true })
  t.integer({ name: 'posts' })
  t.addIndexes([{ name: 'user_stats_id', columns: ['id'], unique: true }])
}
`
  const p = project(async (dir) => {
    await mkdir(join(dir, 'schemas'))
    await writeFile(join(dir, 'schemas/01_users.ts'), USERS)
    await writeFile(join(dir, 'schemas/02_posts.ts'), POSTS)
    await writeFile(join(dir, 'schemas/03_user_stats.ts'), STATS)
  })

  it('finds no difference in the view its migrations made, and the body changed by hand', async () => {
    expect(p.cli('migrate', '--url', p.url).code).toBe(0)
    // A view of a hand-written migration, which no schema file declares, is not compared.
    await p.backend.db.query('CREATE VIEW user_emails AS SELECT id, email FROM users')
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
    await p.backend.db.query('DROP MATERIALIZED VIEW user_stats')
    await p.backend.db.query(
      'CREATE MATERIALIZED VIEW user_stats AS SELECT u.id, 0 AS posts FROM users u',
    )
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      {
        object: 'view user_stats',
        expected: expect.stringMatching(
          /^MATERIALIZED VIEW AS SELECT u\.id,\s+count\(p\.id\)::integer AS posts/,
        ),
        found: expect.stringMatching(
          /^MATERIALIZED VIEW AS SELECT u\.id,\s+0 AS posts\s+FROM users u$/,
        ),
      },
    ])
    // Its index, gone with it, is told when the body is the same again.
    await p.backend.db.query('DROP MATERIALIZED VIEW user_stats')
    await p.backend.db.query(
      'CREATE MATERIALIZED VIEW user_stats AS SELECT u.id, count(p.id)::int AS posts FROM users u LEFT JOIN posts p ON p.user_id = u.id GROUP BY u.id',
    )
    expect(p.check().data.drift).toEqual([
      {
        object: 'index user_stats_id on user_stats',
        expected: 'UNIQUE INDEX (id)',
        found: '(none)',
      },
    ])
  })
})

describe('fluentorm check --url compares partitions', () => {
  const EVENTS = `export function build(t) {
  t.bigInt({ name: 'id' })
  t.date({ name: 'happened_on' })
  t.primaryKey(['id', 'happened_on'])
  t.partitionBy({ kind: 'range', columns: ['happened_on'] })
  t.partition({ name: 'events_2024', from: '2024-01-01', to: '2025-01-01' })
  t.partition({ name: 'events_2025', from: '2025-01-01', to: '2026-01-01' })
}
`
  const p = project(async (dir) => {
    await mkdir(join(dir, 'schemas'))
    await writeFile(join(dir, 'schemas/01_events.ts'), EVENTS)
  })
  const sql = (text: string) => p.backend.db.query(text)

  it('finds a missing, an extra and a re-bounded partition, and none once put back', async () => {
    expect(p.cli('migrate', '--url', p.url).code).toBe(0)
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
    await sql('DROP TABLE events_2025')
    await sql(
      "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    )
    await sql('ALTER TABLE events DETACH PARTITION events_2024')
    await sql('DROP TABLE events_2024')
    await sql(
      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')",
    )
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      {
        object: 'partition events_2025 of events',
        expected: "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        found: '(none)',
      },
      {
        object: 'partition events_2026 of events',
        expected: '(none)',
        found: "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
      },
      {
        object: 'partition events_2024 of events',
        expected: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        found: "FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')",
      },
    ])
    await sql('DROP TABLE events_2026')
    await sql('DROP TABLE events_2024')
    await sql(
      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    )
    await sql(
      "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    )
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
  })

  it('finds the table partitioned on another key', async () => {
    await sql('DROP TABLE events')
    await sql(
      'CREATE TABLE events (id BIGINT NOT NULL, happened_on DATE NOT NULL, PRIMARY KEY (id, happened_on)) PARTITION BY HASH (id)',
    )
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      { object: 'partitioning of events', expected: 'RANGE (happened_on)', found: 'HASH (id)' },
    ])
  })
})

describe('fluentorm check --url compares declared functions, triggers and domains', () => {
  const FUNCTIONS = `export function build(t) {
  t.domain({ name: 'score_value', type: 'integer', check: 'VALUE >= 0' })
  t.function({ name: 'touch', returns: 'trigger', body: 'BEGIN NEW.updated_at := now(); RETURN NEW; END' })
}
`
  const SCORED = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.custom({ name: 'score', type: 'score_value' })
  t.timestamps()
  t.trigger({ name: 'scored_touch', timing: 'before', events: ['update'], forEach: 'row', function: 'touch' })
}
`
  const p = project(async (dir) => {
    await mkdir(join(dir, 'schemas'))
    await writeFile(join(dir, 'schemas/00_functions.ts'), FUNCTIONS)
    await writeFile(join(dir, 'schemas/01_scored.ts'), SCORED)
  })

  it('finds none in what its migrations made, then a body, a trigger and a check changed by hand', async () => {
    expect(p.cli('migrate', '--url', p.url).code).toBe(0)
    // Those of a hand-written migration are not compared.
    await p.backend.db.query(
      "CREATE FUNCTION by_hand() RETURNS int LANGUAGE sql AS 'SELECT 1'; CREATE DOMAIN by_hand_text AS text",
    )
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
    await p.backend.db.query(`
      CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
      DROP TRIGGER scored_touch ON scored;
      CREATE TRIGGER scored_touch AFTER UPDATE ON scored FOR EACH ROW EXECUTE FUNCTION touch();
      ALTER DOMAIN score_value DROP CONSTRAINT score_value_check;`)
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      {
        object: 'domain score_value',
        expected:
          'CREATE DOMAIN score_value AS integer CONSTRAINT score_value_check CHECK ((VALUE >= 0))',
        found: 'CREATE DOMAIN score_value AS integer',
      },
      {
        object: 'function touch',
        expected: expect.stringContaining(
          'AS $fluentorm$BEGIN NEW.updated_at := now(); RETURN NEW; END$fluentorm$',
        ),
        found: expect.stringContaining('AS $fluentorm$BEGIN RETURN NEW; END$fluentorm$'),
      },
      {
        object: 'trigger scored_touch on scored',
        expected:
          'CREATE TRIGGER scored_touch BEFORE UPDATE ON scored FOR EACH ROW EXECUTE FUNCTION touch()',
        found:
          'CREATE TRIGGER scored_touch AFTER UPDATE ON scored FOR EACH ROW EXECUTE FUNCTION touch()',
      },
    ])
  })
})
