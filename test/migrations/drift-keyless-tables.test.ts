import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT } from '../core/support/schema-fixtures.ts'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'
import { runFluentorm } from '../support/fluentorm-cli.ts'

const USERS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email' })
}
`

/** A project outside the repository, on a fresh PostgreSQL schema; `check` runs `check --url --json`. */
function project() {
  const p = {
    backend: undefined as unknown as Backend<pg.Pool>,
    dir: '',
    url: '',
    cli: (...args: string[]) => runFluentorm(p.dir, ...args),
    check() {
      const result = p.cli('check', '--url', p.url, '--json')
      return { code: result.code, err: result.err, data: JSON.parse(result.out) }
    },
    sql: (text: string) => p.backend.db.query(text),
  }
  beforeAll(async () => {
    p.backend = await pgBackend()
    p.url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${p.backend.schema}`)}`
    p.dir = await mkdtemp(join(tmpdir(), 'fluentorm-drift-keyless-'))
    await symlink(join(ROOT, 'node_modules'), join(p.dir, 'node_modules'))
  })
  afterAll(async () => {
    await p.backend?.close()
    await rm(p.dir, { recursive: true, force: true })
  })
  return p
}

/**
 * `fluentorm check --url` reports every table added by hand, with a primary key or without
 * (which schema files cannot declare, so the check once left it out); the tables a
 * hand-written migration makes are the migrations', with a key or without.
 */
describe('fluentorm check --url: tables without a primary key', () => {
  const p = project()

  it('migrates a schema and a hand-written migration with a keyed and a keyless table: no drift', async () => {
    await mkdir(join(p.dir, 'schemas'))
    await writeFile(join(p.dir, 'schemas/01_users.ts'), USERS)
    expect(p.cli('generate').code).toBe(0)
    await writeFile(
      join(p.dir, 'migrations/0002_audit.sql'),
      `-- Audit tables, written by hand.
-- fluentorm:allow drop-table
CREATE TABLE audit (id int PRIMARY KEY, note text);
CREATE TABLE IF NOT EXISTS "Audit_Log" (at timestamptz, line text);
CREATE TABLE scratch (n int);
DROP TABLE scratch;
`,
    )
    expect(p.cli('migrate', '--url', p.url).code).toBe(0)
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
  })

  it('reports a table without a primary key created by hand, as one with a key', async () => {
    await p.sql('CREATE TABLE stray (id int)')
    const keyless = p.check()
    expect(keyless.code).toBe(1)
    expect(keyless.data.drift).toEqual([
      { object: 'table stray', expected: '(none)', found: 'TABLE (id)' },
    ])
    expect(p.cli('check', '--url', p.url).err).toContain(
      'check: drift: table stray: expected (none), found TABLE (id)',
    )
    await p.sql('DROP TABLE stray')
    await p.sql('CREATE TABLE stray (id int PRIMARY KEY)')
    expect(p.check().data.drift).toEqual([
      { object: 'table stray', expected: '(none)', found: 'TABLE (id)' },
    ])
    await p.sql('DROP TABLE stray')
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
  })

  it('compares a table whose primary key was dropped by hand', async () => {
    await p.sql('ALTER TABLE users DROP CONSTRAINT users_pkey')
    await p.sql('ALTER TABLE users ADD COLUMN nickname text')
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      { object: 'column users.nickname', expected: '(none)', found: 'nickname TEXT' },
      {
        object: 'primary key users_pkey on users',
        expected: 'PRIMARY KEY (id)',
        found: '(none)',
      },
    ])
    await p.sql('ALTER TABLE users DROP COLUMN nickname')
    await p.sql('ALTER TABLE users ADD PRIMARY KEY (id)')
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
  })

  it("reports a hand-written migration's table dropped by hand, keyless or not", async () => {
    await p.sql('DROP TABLE "Audit_Log", audit')
    const { code, data } = p.check()
    expect(code).toBe(1)
    expect(data.drift).toEqual([
      { object: 'table audit', expected: 'TABLE made by 0002_audit.sql', found: '(none)' },
      { object: 'table Audit_Log', expected: 'TABLE made by 0002_audit.sql', found: '(none)' },
    ])
  })
})

describe('fluentorm check --url after pull of a database with a keyless table', () => {
  const p = project()

  it('finds no drift right after pull, and a keyless table added by hand afterwards', async () => {
    await p.sql('CREATE TABLE accounts (id uuid PRIMARY KEY, name text NOT NULL)')
    await p.sql('CREATE TABLE events (at timestamptz NOT NULL, line text)')
    const pulled = p.cli('pull', '--url', p.url, '--schema', p.backend.schema)
    expect(pulled.err).toBe('')
    expect(pulled.code).toBe(0)
    expect(p.check()).toMatchObject({ code: 0, data: { ok: true, drift: [] } })
    await p.sql('CREATE TABLE stray (id int)')
    expect(p.check().data.drift).toEqual([
      { object: 'table stray', expected: '(none)', found: 'TABLE (id)' },
    ])
  })
})
