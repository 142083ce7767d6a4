import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadSchemas, type SchemaIR } from '@fluentorm/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createSqlFiles } from '../../packages/unplugin/src/sql-files/sql-files.ts'

/**
 * The typing database's migrated data directory is kept in
 * node_modules/.cache/fluentorm/pglite (data-dir-cache.ts): a start loads it instead of
 * running initdb and the migrations. The types must be the same whichever way the database
 * came up, and a kept directory must never stand for other migrations or be loaded damaged.
 */
const REPO = resolve(import.meta.dirname, '../..')
let root: string
const dataDirs = () => join(root, 'node_modules/.cache/fluentorm/pglite')
const typedResults = () => join(root, 'node_modules/.cache/fluentorm/sql')
const file = () => join(root, 'queries/blog.sql')
const project = () => ({ root, migrationsDir: join(root, 'migrations'), writeDts: true })

const QUERIES = `-- name: postsWithAuthors
SELECT p.id, p.title, u.name AS author, count(c.id) AS comments
  FROM posts p JOIN users u ON u.id = p.user_id LEFT JOIN comments c ON c.post_id = p.id
 WHERE p.user_id = :user GROUP BY p.id, u.name

-- name: recent
WITH recent AS (SELECT * FROM comments WHERE created_at > now() - interval '1 day')
SELECT r.id, r.content, json_build_object('post', p.title) AS post
  FROM recent r JOIN posts p ON p.id = r.post_id

-- name: moods
SELECT id, mood, moods, scores FROM moods WHERE mood = :mood
`

interface Typed {
  readonly code: string
  readonly dts: string
}

/** What a fresh instance (a new build or dev server start) makes of `path`. */
async function typedOnce(path = file(), schema: SchemaIR | null = null): Promise<Typed> {
  const sqlFiles = createSqlFiles(project)
  try {
    const { code } = await sqlFiles.compile(path, schema)
    return { code, dts: await readFile(`${path}.d.ts`, 'utf8') }
  } finally {
    await sqlFiles.close()
  }
}

async function kept(): Promise<string[]> {
  return (await readdir(dataDirs()).catch(() => [])).sort()
}

/** Forgets the typed results, so that the next start types again on its database. */
const forgetTypedResults = () => rm(typedResults(), { recursive: true, force: true })

let nothingKept: Typed

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fluentorm-typed-data-dir-'))
  await cp(join(REPO, 'migrations'), join(root, 'migrations'), { recursive: true })
  await cp(join(REPO, 'schemas'), join(root, 'schemas'), { recursive: true })
  await writeFile(
    join(root, 'migrations/0003_moods.sql'),
    `CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE TABLE moods (id int4 PRIMARY KEY, mood mood NOT NULL, moods mood[] NOT NULL, scores int4[]);
`,
  )
  await mkdir(join(root, 'queries'))
  await writeFile(file(), QUERIES)
  // No node_modules yet: nothing is kept, and nothing is dumped.
  nothingKept = await typedOnce()
  await mkdir(join(root, 'node_modules'))
})
afterAll(() => rm(root, { recursive: true, force: true }))

it('types alike with nothing kept, from the kept data directory, and on a database already up', async () => {
  expect(nothingKept.dts).toContain('  author: string\n')
  expect(nothingKept.dts).toContain('  comments: bigint | null\n')
  expect(nothingKept.dts).toContain('  post: unknown\n')
  expect(nothingKept.dts).toContain('  moods: ("ok" | "meh")[]\n')
  expect(nothingKept.dts).toContain('  scores: number[] | null\n')
  expect(nothingKept.dts).toContain('  mood: "ok" | "meh"\n')

  const filling = await typedOnce()
  const [dataDir] = await kept()
  expect(await kept()).toEqual([expect.stringMatching(/^[0-9a-f]{64}-[0-9a-f]{40}\.pgdata$/)])

  await forgetTypedResults()
  const loaded = await typedOnce()
  // Loaded, not built again: a build would have kept a new dump (its own SHA-1).
  expect(await kept()).toEqual([dataDir])

  const sqlFiles = createSqlFiles(project)
  try {
    await forgetTypedResults()
    await sqlFiles.compile(file(), null)
    await forgetTypedResults()
    const { code } = await sqlFiles.compile(file(), null)
    const warm = { code, dts: await readFile(`${file()}.d.ts`, 'utf8') }
    for (const typed of [filling, loaded, warm]) expect(typed).toEqual(nothingKept)
  } finally {
    await sqlFiles.close()
  }
})

it.each([
  ['truncated', (bytes: Buffer) => bytes.subarray(0, bytes.length >> 1)],
  ['empty', () => Buffer.alloc(0)],
  ['overwritten with garbage', (bytes: Buffer) => Buffer.alloc(bytes.length, 0x5a)],
  [
    'damaged in one byte',
    (bytes: Buffer) => {
      const damaged = Buffer.from(bytes)
      damaged[damaged.length >> 1] = (damaged[damaged.length >> 1] ?? 0) ^ 0xff
      return damaged
    },
  ],
])(
  'builds the database again over a kept data directory %s, and keeps a good one',
  async (_, damage) => {
    const [name] = await kept()
    const path = join(dataDirs(), name!)
    await writeFile(path, damage(await readFile(path)))
    await forgetTypedResults()
    expect(await typedOnce()).toEqual(nothingKept)
    const [rebuilt] = await kept()
    expect(await kept()).toHaveLength(1)
    expect(rebuilt).not.toBe(name)
    expect((await stat(join(dataDirs(), rebuilt!))).size).toBeGreaterThan(1024 * 1024)
    await forgetTypedResults()
    expect(await typedOnce()).toEqual(nothingKept)
    expect(await kept()).toEqual([rebuilt])
  },
)

it('applies the pending change on top of the kept data directory, which stays the migrations alone', async () => {
  const [dataDir] = await kept()
  await writeFile(
    join(root, 'schemas/01_users.ts'),
    (await readFile(join(root, 'schemas/01_users.ts'), 'utf8')).replace(
      "t.string({ name: 'name' })",
      "t.string({ name: 'name' })\n  t.string({ name: 'nickname', notNull: false })",
    ),
  )
  const schemas = await loadSchemas({ schemasDir: join(root, 'schemas') })
  if (!schemas.ok) throw new Error('the edited schemas do not compile')
  const nicknames = join(root, 'queries/nicknames.sql')
  await writeFile(nicknames, '-- name: nicknames\nSELECT id, nickname FROM users\n')
  const pending = await typedOnce(nicknames, schemas.schema)
  expect(pending.dts).toContain('  nickname: string | null\n')
  expect(await kept()).toEqual([dataDir])
  // The migrations alone (no schema given) have no such column, kept data directory or not.
  await expect(typedOnce(nicknames, null)).rejects.toThrow('column "nickname" does not exist')
  expect(await kept()).toEqual([dataDir])
})

it('does not load a data directory kept for other migrations', async () => {
  const [before] = await kept()
  await writeFile(
    join(root, 'migrations/0004_nick.sql'),
    'ALTER TABLE users ADD COLUMN nick text;\n',
  )
  const nicks = join(root, 'queries/nicks.sql')
  await writeFile(nicks, '-- name: nicks\nSELECT id, nick FROM users\n')
  expect((await typedOnce(nicks)).dts).toContain('  nick: string | null\n')
  const [after] = await kept()
  // One data directory, for the new migrations: the other one's was removed.
  expect(await kept()).toHaveLength(1)
  expect(after!.split('-')[0]).not.toBe(before!.split('-')[0])
  await forgetTypedResults()
  expect(await typedOnce()).toEqual(nothingKept)
  expect(await kept()).toEqual([after])
})
