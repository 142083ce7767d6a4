import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readDevState } from '@fluentorm/core'
import { toDriver } from '@fluentorm/runtime'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { remoteHost } from '../../packages/cli/src/commands/reset-command.ts'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'
import { runFluentorm } from '../support/fluentorm-cli.ts'

const users = (extra: string) => `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
${extra}}
`

/** A temp project (schemas/01_users.ts) and a fresh PostgreSQL schema its URL works in. */
function devProject() {
  const project = {
    backend: undefined as unknown as Backend<pg.Pool>,
    dir: '',
    url: '',
    cli: (...args: string[]) => runFluentorm(project.dir, ...args),
    json(...args: string[]) {
      const result = project.cli(...args, '--url', project.url, '--json')
      return { ...result, data: JSON.parse(result.out) }
    },
    schemaFile: (extra: string) =>
      writeFile(join(project.dir, 'schemas/01_users.ts'), users(extra)),
    rows: async (sql: string) => (await project.backend.db.query(sql)).rows,
  }
  beforeAll(async () => {
    project.backend = await pgBackend()
    project.url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${project.backend.schema}`)}`
    project.dir = await mkdtemp(join(tmpdir(), 'fluentorm-dev-commands-'))
    await mkdir(join(project.dir, 'schemas'))
    await project.schemaFile('')
  })
  afterAll(async () => {
    await project.backend?.close()
    await rm(project.dir, { recursive: true, force: true })
  })
  return project
}

describe('fluentorm push', () => {
  const p = devProject()

  it('applies the schemas to the database without writing a migration, printing the SQL', async () => {
    const pushed = p.cli('push', '--url', p.url)
    expect(pushed.err).toBe('')
    expect(pushed.code).toBe(0)
    expect(pushed.out).toContain('CREATE TABLE IF NOT EXISTS users')
    expect(pushed.out).toContain('no migration was written')
    await expect(readdir(join(p.dir, 'migrations'))).rejects.toThrow()
    await p.rows("INSERT INTO users (email) VALUES ('a@x.test')")
    const again = p.json('push')
    expect(again.data).toMatchObject({ ok: true, sql: [], migrated: [] })
    expect(await readDevState(toDriver(p.backend.db))).not.toBeNull()
  })

  it('applies an additive change at once', async () => {
    await p.schemaFile("  t.string({ name: 'phone', notNull: false })\n")
    const pushed = p.json('push')
    expect(pushed.code).toBe(0)
    expect(pushed.data.sql).toEqual(['ALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;'])
    expect(await p.rows('SELECT email, phone FROM users')).toEqual([
      { email: 'a@x.test', phone: null },
    ])
  })

  it('refuses a destructive change without --accept-data-loss, then applies it with it', async () => {
    await p.schemaFile('')
    const refused = p.cli('push', '--url', p.url)
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('drop-column: Drops column phone of users')
    expect(refused.err).toContain('ALTER TABLE users DROP COLUMN IF EXISTS phone;')
    expect(refused.err).toContain('Pass --accept-data-loss')
    const json = p.json('push')
    expect(json.data).toMatchObject({ ok: false, refused: [{ rule: 'drop-column' }] })
    expect(await p.rows('SELECT phone FROM users')).toHaveLength(1)
    const dry = p.json('push', '--accept-data-loss', '--dry-run')
    expect(dry.data).toMatchObject({ ok: true, dryRun: true })
    expect(await p.rows('SELECT phone FROM users')).toHaveLength(1)
    expect(p.json('push', '--accept-data-loss').data).toMatchObject({ ok: true })
    await expect(p.rows('SELECT phone FROM users')).rejects.toThrow(/phone/)
  })

  it('refuses a NOT NULL column without a default, and reports the rows refusing it', async () => {
    await p.schemaFile("  t.string({ name: 'nickname' })\n")
    const refused = p.json('push')
    expect(refused.data.refused).toMatchObject([{ rule: 'add-not-null-column' }])
    const failed = p.cli('push', '--url', p.url, '--accept-data-loss')
    expect(failed.code).toBe(1)
    expect(failed.err).toContain('PostgreSQL refused the change, so nothing was applied')
    expect(failed.err).toContain('fluentorm reset')
    expect(failed.err).not.toMatch(/\n\s+at /)
  })

  it('then generate freezes the pushed change and migrate records it as applied', async () => {
    await p.schemaFile("  t.string({ name: 'phone', notNull: false })\n")
    expect(p.json('push').code).toBe(0)
    expect(p.cli('generate').code).toBe(0)
    const migrated = p.json('migrate')
    expect(migrated.code).toBe(0)
    expect(migrated.data.applied).toEqual([])
    expect(migrated.data.adopted).toHaveLength(1)
    expect(p.json('push').data).toMatchObject({ ok: true, sql: [] })
  })

  it('reports an invalid schema and a missing database without a stack trace', async () => {
    await p.schemaFile("  t.string({ name: 'email' })\n")
    const invalid = p.cli('push', '--url', p.url)
    expect(invalid.code).toBe(1)
    expect(invalid.err).toContain('01_users.ts')
    expect(invalid.err).not.toMatch(/\n\s+at /)
    await p.schemaFile("  t.string({ name: 'phone', notNull: false })\n")
    const none = p.cli('push')
    expect(none.code).toBe(1)
    expect(none.err).toContain('no database. Set DATABASE_URL')
  })
})

describe('fluentorm reset', () => {
  const p = devProject()

  it('drops the schema and runs the numbered migrations again, asking nothing', async () => {
    expect(p.cli('generate').code).toBe(0)
    expect(p.json('migrate').code).toBe(0)
    await p.rows("INSERT INTO users (email) VALUES ('a@x.test')")
    await p.rows('CREATE TABLE scratch (id int)')
    const reset = p.cli('reset', '--url', p.url)
    expect(reset.err).toBe('')
    expect(reset.code).toBe(0)
    expect(reset.out).toContain(`dropped and created schema ${p.backend.schema}`)
    expect(reset.out).toContain('applied 0001_create_users.sql')
    expect(await p.rows('SELECT * FROM users')).toEqual([])
    await expect(p.rows('SELECT * FROM scratch')).rejects.toThrow(/scratch/)
    expect(p.json('status').data).toMatchObject({ ok: true, pending: [] })
    expect(p.json('reset').data).toMatchObject({
      ok: true,
      schema: p.backend.schema,
      applied: ['0001_create_users'],
    })
  })

  it('with --seed, runs the seed files after the migrations', async () => {
    await mkdir(join(p.dir, 'seeds'))
    await writeFile(
      join(p.dir, 'seeds/01_users.ts'),
      "export default async function (db, { User }) { await User.upsert(db, { email: 'seed@x.test' }) }\n",
    )
    const reset = p.json('reset', '--seed')
    expect(reset.err).toBe('')
    expect(reset.data).toMatchObject({ ok: true, seeds: ['seeds/01_users.ts'] })
    expect(await p.rows('SELECT email FROM users')).toEqual([{ email: 'seed@x.test' }])
  })

  it('refuses a host that does not look local, unless --force', () => {
    const refused = p.cli('reset', '--url', 'postgresql://app@db.example.com:5432/app', '--json')
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.out).error).toContain(
      'refusing to reset the database on db.example.com',
    )
    expect(refused.err).toContain('pass --force')
    for (const local of [
      'postgresql://postgres@localhost/app',
      'postgresql://postgres@127.0.0.1:5432/app',
      'postgresql://postgres@[::1]:5432/app',
      'postgresql://postgres@db.local/app',
      'postgresql:///app?host=/var/run/postgresql',
      'postgresql://%2Fvar%2Frun%2Fpostgresql/app',
    ]) {
      expect(remoteHost(local), local).toBeNull()
    }
    expect(remoteHost('postgresql://x@10.0.0.5/app')).toBe('10.0.0.5')
    expect(remoteHost('postgresql://x@localhost/app?host=db.internal')).toBe('db.internal')
  })
})

describe('fluentorm seed', () => {
  const p = devProject()
  const seedFile = (name: string, body: string) => writeFile(join(p.dir, 'seeds', name), body)

  beforeAll(async () => {
    expect(p.cli('push', '--url', p.url).code).toBe(0)
    await mkdir(join(p.dir, 'seeds'))
  })

  it('runs the seed files in name order with the models, and can run again', async () => {
    await seedFile(
      '02_more.ts',
      `export default async function (db, { User }) {
  await User.insert(db, { email: 'b@x.test' }, { onConflict: 'nothing' })
}
`,
    )
    await seedFile(
      '01_users.ts',
      `import type { Transaction } from '@fluentorm/runtime'
export default async function seed(db: Transaction, models: Record<string, any>): Promise<void> {
  const count = await models.User.count(db)
  if (count !== 0 && count !== 2) throw new Error('02_more.ts ran first')
  await models.User.insertMany(db, [{ email: 'a@x.test' }], { onConflict: 'nothing' })
}
`,
    )
    const seeded = p.cli('seed', '--url', p.url)
    expect(seeded.err).toBe('')
    expect(seeded.code).toBe(0)
    expect(seeded.out).toContain('seeded seeds/01_users.ts\nseeded seeds/02_more.ts\n')
    expect(p.json('seed').data).toEqual({
      ok: true,
      seeds: ['seeds/01_users.ts', 'seeds/02_more.ts'],
    })
    expect(await p.rows('SELECT email FROM users ORDER BY email')).toEqual([
      { email: 'a@x.test' },
      { email: 'b@x.test' },
    ])
  })

  it('rolls every file back when one throws, naming the file', async () => {
    await seedFile(
      '03_broken.ts',
      `export default async function (db, { User }) {
  await User.insert(db, { email: 'c@x.test' })
  throw new Error('no posts yet')
}
`,
    )
    const failed = p.json('seed')
    expect(failed.code).toBe(1)
    expect(failed.data).toMatchObject({ ok: false, file: 'seeds/03_broken.ts' })
    expect(failed.err).toContain(
      'seeds/03_broken.ts failed: no posts yet. Nothing was kept: every seed file ran in one transaction, rolled back.',
    )
    expect(await p.rows('SELECT email FROM users')).toHaveLength(2)
  })

  it('names where a seed file that does not parse fails, as schema files are named', async () => {
    await seedFile(
      '03_broken.ts',
      'export default async function (db) {\n  const x = 1\n  return x +\n}\n',
    )
    try {
      const broken = p.cli('seed', '--url', p.url)
      expect(broken.code).toBe(1)
      expect(broken.err).toMatch(/seeds\/03_broken\.ts:4:1: cannot be loaded: \S/)
    } finally {
      await rm(join(p.dir, 'seeds', '03_broken.ts'))
    }
  })

  it('names a file without a default export, and a missing folder (--seeds, config seeds)', async () => {
    await seedFile('03_broken.ts', 'export const seed = 1\n')
    const noDefault = p.cli('seed', '--url', p.url)
    expect(noDefault.code).toBe(1)
    expect(noDefault.err).toContain('seeds/03_broken.ts has no default export function')
    await rm(join(p.dir, 'seeds', '03_broken.ts'))
    const missing = p.cli('seed', '--url', p.url, '--seeds', 'db/seeds')
    expect(missing.code).toBe(1)
    expect(missing.err).toContain('there is no seeds folder at db/seeds')
    await mkdir(join(p.dir, 'db/seeds'), { recursive: true })
    await writeFile(
      join(p.dir, 'db/seeds/01_one.mjs'),
      "export default async (db, { User }) => { await User.upsert(db, { email: 'd@x.test' }) }\n",
    )
    await writeFile(
      join(p.dir, 'fluentorm.config.mjs'),
      "export default { seeds: 'db/seeds', schemas: 'schemas' }\n",
    )
    try {
      expect(p.json('seed').data).toEqual({ ok: true, seeds: ['db/seeds/01_one.mjs'] })
    } finally {
      await rm(join(p.dir, 'fluentorm.config.mjs'))
    }
  })
})
