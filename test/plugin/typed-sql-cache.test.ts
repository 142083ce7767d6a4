import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSqlFiles } from '../../packages/unplugin/src/sql-files/sql-files.ts'

/**
 * Typed `.sql` results are kept in node_modules/.cache/fluentorm/sql (typed-cache.ts), and
 * must never outlive what they were typed from: the file's text and the migrations.
 */
let root: string
const cacheDir = () => join(root, 'node_modules/.cache/fluentorm/sql')
const file = () => join(root, 'queries/people.sql')
const project = () => ({ root, migrationsDir: join(root, 'migrations'), writeDts: false })

/** The module code of a fresh instance (as a new build or dev server start gets it). */
async function compiled(): Promise<string> {
  const sqlFiles = createSqlFiles(project)
  try {
    return (await sqlFiles.compile(file(), null)).code
  } finally {
    await sqlFiles.close()
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fluentorm-typed-cache-'))
  await mkdir(join(root, 'node_modules'))
  await mkdir(join(root, 'queries'))
  await mkdir(join(root, 'migrations'))
  await writeFile(
    join(root, 'migrations/0001_people.sql'),
    'CREATE TABLE people (id int4 PRIMARY KEY, name text NOT NULL);\n',
  )
  await writeFile(file(), '-- name: people\nSELECT * FROM people\n')
})
afterAll(() => rm(root, { recursive: true, force: true }))

it('keeps what it typed, and a later start reads it', async () => {
  const first = await compiled()
  expect(first).toContain('"rows":true')
  expect(await readdir(cacheDir())).toHaveLength(1)
  expect(await compiled()).toBe(first)
  expect(await readdir(cacheDir())).toHaveLength(1)
})

it('types again when the migrations change what the statement reads', async () => {
  await writeFile(
    join(root, 'migrations/0002_nick.sql'),
    'ALTER TABLE people ADD COLUMN nick text;\n',
  )
  const sqlFiles = createSqlFiles(() => ({ ...project(), writeDts: true }))
  try {
    await sqlFiles.compile(file(), null)
  } finally {
    await sqlFiles.close()
  }
  expect(await readFile(`${file()}.d.ts`, 'utf8')).toContain('nick: string | null')
  expect(await readdir(cacheDir())).toHaveLength(2)
})

it('types again when the file changes, and fails where the new text is wrong', async () => {
  await writeFile(file(), '-- name: people\nSELECT id, nickname FROM people\n')
  await expect(compiled()).rejects.toThrow('queries/people.sql:2:12: people: column "nickname"')
  await writeFile(file(), '-- name: people\nSELECT id FROM people\n')
  expect(await compiled()).toContain('SELECT id FROM people')
})

it('types again over a cache entry that is not JSON', async () => {
  for (const entry of await readdir(cacheDir())) {
    await writeFile(join(cacheDir(), entry), '{ not json')
  }
  expect(await compiled()).toContain('SELECT id FROM people')
})
