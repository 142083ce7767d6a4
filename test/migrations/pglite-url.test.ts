import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connect } from '../../packages/runtime/src/connect.ts'
import { ROOT } from '../core/support/schema-fixtures.ts'
import { runFluentorm } from '../support/fluentorm-cli.ts'

const USERS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
  t.timestamps()
}
`
const POSTS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.uuid({ name: 'user_id' })
  t.string({ name: 'title' })
  t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users', onDelete: 'cascade' })
}
`

let dir: string
const data = () => join(dir, 'data')

const cli = runFluentorm

beforeAll(async () => {
  // Outside the repository (whose fluentorm.config.ts would be found upward), with its node_modules.
  dir = await mkdtemp(join(tmpdir(), 'fluentorm-pglite-url-'))
  await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
  await mkdir(join(dir, 'app/schemas'), { recursive: true })
  await writeFile(join(dir, 'app/schemas/01_users.ts'), USERS)
  await writeFile(join(dir, 'app/schemas/02_posts.ts'), POSTS)
  await symlink(join(ROOT, 'node_modules'), join(dir, 'app/node_modules'))
})
afterAll(() => rm(dir, { recursive: true, force: true }))

describe('connect({ url: "pglite:…" })', () => {
  it('keeps an embedded database in the directory the URL names, in memory for pglite:memory', async () => {
    const first = await connect({ url: `pglite:${data()}-runtime` })
    await first.exec('CREATE TABLE kept (n int); INSERT INTO kept VALUES (7)')
    await first.close()
    const again = await connect({ url: `pglite:${data()}-runtime` })
    expect((await again.query({ text: 'SELECT n FROM kept' })).rows).toEqual([{ n: 7 }])
    expect(again.kind).toBe('pglite')
    await again.close()
    const memory = await connect({ url: 'pglite:memory' })
    expect((await memory.query({ text: "SELECT to_regclass('kept') AS t" })).rows).toEqual([
      { t: null },
    ])
    await memory.close()
  })

  it('refuses replicas for a PGlite URL', async () => {
    await expect(
      connect({ url: 'pglite:memory', replicas: ['postgresql://127.0.0.1/x'] }),
    ).rejects.toMatchObject({ code: 'INVALID_OPTION' })
  })
})

describe('the CLI on a PGlite directory (--url pglite:./data)', () => {
  const url = () => `pglite:${data()}`

  it('migrates it, reports its status and finds no drift', () => {
    const app = join(dir, 'app')
    expect(cli(app, 'generate').code).toBe(0)
    const migrated = cli(app, 'migrate', '--url', url())
    expect(migrated.err).toBe('')
    expect(migrated.code).toBe(0)
    const status = cli(app, 'status', '--url', url())
    expect(status.out).toContain('applied  0001_')
    expect(status.out).not.toContain('pending')
    const check = cli(app, 'check', '--url', url(), '--json')
    expect(JSON.parse(check.out)).toMatchObject({ drift: [] })
  })

  it('pulls a database made by hand into schema files that generate nothing new', async () => {
    const handMade = `pglite:${data()}-hand`
    const db = await connect({ url: handMade })
    await db.exec(`CREATE TABLE users (id uuid PRIMARY KEY, email text NOT NULL UNIQUE);
      CREATE TABLE posts (id uuid PRIMARY KEY, title text NOT NULL,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE)`)
    await db.close()
    const adopted = join(dir, 'adopted')
    await mkdir(adopted)
    await symlink(join(ROOT, 'node_modules'), join(adopted, 'node_modules'))
    const pulled = cli(adopted, 'pull', '--url', handMade)
    expect(pulled.err).toBe('')
    expect(pulled.code).toBe(0)
    expect((await readdir(join(adopted, 'schemas'))).sort()).toEqual(['01_users.ts', '02_posts.ts'])
    const generated = cli(adopted, 'generate')
    expect(generated.code).toBe(0)
    expect(generated.out).not.toMatch(/wrote migrations\/0\d+_/)
    // Baselined: migrate applies nothing to the database it was pulled from.
    const migrated = cli(adopted, 'migrate', '--url', handMade)
    expect(migrated.code).toBe(0)
    expect(migrated.out).toContain('Nothing to migrate')
  })
})
