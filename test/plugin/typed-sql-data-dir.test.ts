import { spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { loadSchemas, type SchemaIR } from '@fluentorm/core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createDataDirCache } from '../../packages/unplugin/src/sql-files/data-dir-cache.ts'
import { createSqlFiles } from '../../packages/unplugin/src/sql-files/sql-files.ts'
import { typingDatabaseStarts } from '../../packages/unplugin/src/sql-files/typing-database.ts'
import { waitFor } from './support/wait-for.ts'

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

/** What is kept for migrations (and being written), the empty data directory aside. */
async function kept(): Promise<string[]> {
  return (await keptAll()).filter((name) => !name.endsWith('.initdb'))
}

/** The empty data directory kept (just after initdb), as a list: none or one. */
async function keptEmpty(): Promise<string[]> {
  return (await keptAll()).filter((name) => name.endsWith('.initdb'))
}

async function keptAll(): Promise<string[]> {
  return (await readdir(dataDirs()).catch(() => [])).sort()
}

/** How the typing databases of `run` came up: loaded for their migrations, from empty, by initdb. */
/** Types the file once; with how the typing database came up meanwhile (typingDatabaseStarts). */
async function typedCountingStarts() {
  const before = { ...typingDatabaseStarts }
  const typed = await typedOnce()
  const starts = {
    kept: typingDatabaseStarts.kept - before.kept,
    empty: typingDatabaseStarts.empty - before.empty,
    initdb: typingDatabaseStarts.initdb - before.initdb,
  }
  return { typed, starts }
}

const MOODS = `CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE TABLE moods (id int4 PRIMARY KEY, mood mood NOT NULL, moods mood[] NOT NULL, scores int4[]);
`

/** Forgets the typed results, so that the next start types again on its database. */
const forgetTypedResults = () => rm(typedResults(), { recursive: true, force: true })

let nothingKept: Typed

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fluentorm-typed-data-dir-'))
  await cp(join(REPO, 'migrations'), join(root, 'migrations'), { recursive: true })
  await cp(join(REPO, 'schemas'), join(root, 'schemas'), { recursive: true })
  await writeFile(join(root, 'migrations/0003_moods.sql'), MOODS)
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

/** The names in a ustar tarball (as PGlite's dumpDataDir writes it). */
function tarNames(tarball: Buffer): string[] {
  const names: string[] = []
  for (let at = 0; at + 512 <= tarball.length; ) {
    const field = (from: number, length: number) =>
      tarball
        .subarray(at + from, at + from + length)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const name = field(0, 100)
    if (name === '') break
    const prefix = field(345, 155)
    names.push(prefix === '' ? name : `${prefix}/${name}`)
    at += 512 + Math.ceil(Number.parseInt(field(124, 12).trim(), 8) / 512) * 512
  }
  return names
}

it('keeps one WAL segment in each data directory, not the ones PostgreSQL renamed for reuse', async () => {
  const all = await keptAll()
  expect(all.map((name) => name.split('.').at(-1))).toEqual(['initdb', 'pgdata'])
  for (const name of all) {
    const names = tarNames(await readFile(join(dataDirs(), name)))
    expect(names).toContainEqual(expect.stringMatching(/(^|\/)PG_VERSION$/))
    const segments = names.filter((entry) => /(^|\/)pg_wal\/[0-9A-F]{24}$/.test(entry))
    expect(segments, name).toHaveLength(1)
  }
})

it('starts from the kept empty data directory, not initdb, once the migrations changed', async () => {
  // The first start with node_modules ran initdb and kept its data directory before migrating.
  const [empty] = await keptEmpty()
  expect(await keptEmpty()).toEqual([expect.stringMatching(/^[0-9a-f]{64}-[0-9a-f]{40}\.initdb$/)])
  const emptyWritten = (await stat(join(dataDirs(), empty!))).mtimeMs
  const [before] = await kept()
  // Another checksum, the same objects: nothing is kept for these migrations.
  await writeFile(join(root, 'migrations/0003_moods.sql'), `${MOODS}-- the same moods\n`)
  await forgetTypedResults()
  const first = await typedCountingStarts()
  expect(first.starts).toEqual({ kept: 0, empty: 1, initdb: 0 })
  expect(first.typed).toEqual(nothingKept)
  // The empty one is neither written again nor removed by the new migrations' keeping.
  expect(await keptEmpty()).toEqual([empty])
  expect((await stat(join(dataDirs(), empty!))).mtimeMs).toBe(emptyWritten)
  const [after] = await kept()
  expect(await kept()).toHaveLength(1)
  expect(after!.split('-')[0]).not.toBe(before!.split('-')[0])
  await forgetTypedResults()
  expect((await typedCountingStarts()).starts).toEqual({ kept: 1, empty: 0, initdb: 0 })
})

/** Types with the migrated data directory removed (and no typed results): a start from empty. */
async function typedWithoutMigratedKept() {
  const [migrated] = await kept()
  await rm(join(dataDirs(), migrated!))
  await forgetTypedResults()
  return typedCountingStarts()
}

it('runs initdb over a damaged empty data directory, and keeps a good one in its place', async () => {
  const [empty] = await keptEmpty()
  const path = join(dataDirs(), empty!)
  await writeFile(path, Buffer.alloc((await readFile(path)).length, 0x5a))
  const first = await typedWithoutMigratedKept()
  expect(first.starts).toEqual({ kept: 0, empty: 0, initdb: 1 })
  expect(first.typed).toEqual(nothingKept)
  expect(await keptEmpty()).toHaveLength(1)
  // The one kept in its place loads: nothing kept for the migrations, no initdb.
  const replaced = await typedWithoutMigratedKept()
  expect(replaced.starts).toEqual({ kept: 0, empty: 1, initdb: 0 })
  expect(replaced.typed).toEqual(nothingKept)
})

it('keys the empty data directory on the installed PGlite version', async () => {
  const other = await mkdtemp(join(tmpdir(), 'fluentorm-typed-empty-'))
  try {
    await mkdir(join(other, 'node_modules'))
    const manifest = join(REPO, 'node_modules/@electric-sql/pglite/package.json')
    const installed = String(JSON.parse(await readFile(manifest, 'utf8')).version)
    const tarball = new Blob([new Uint8Array([1, 2, 3])])
    await createDataDirCache(other).writeEmpty('recipe', tarball)
    const read = (version: string) => createDataDirCache(other, version).readEmpty('recipe')
    expect(await read(installed)).not.toBeNull()
    expect(await read(`${installed}-next`)).toBeNull()
    const names = () => readdir(join(other, 'node_modules/.cache/fluentorm/pglite'))
    const [current] = await names()
    // An upgrade keeps its own, in place of the other version's.
    await createDataDirCache(other, `${installed}-next`).writeEmpty('recipe', tarball)
    const [upgraded] = await names()
    expect(await names()).toHaveLength(1)
    expect(upgraded!.split('-')[0]).not.toBe(current!.split('-')[0])
    expect(await read(installed)).toBeNull()
    expect(await read(`${installed}-next`)).not.toBeNull()
  } finally {
    await rm(other, { recursive: true, force: true })
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

/** The edited schemas of the pending-change test: users get a nullable nickname. */
async function nicknameSchema(): Promise<SchemaIR> {
  const schemas = await loadSchemas({ schemasDir: join(root, 'schemas') })
  if (!schemas.ok) throw new Error('the edited schemas do not compile')
  return schemas.schema
}

const forgetDataDirs = () => rm(dataDirs(), { recursive: true, force: true })

it('keeps the data directory after the types are written, and the next start loads it', async () => {
  await forgetDataDirs()
  await forgetTypedResults()
  await rm(`${file()}.d.ts`, { force: true })
  const first = await typedOnce()
  const [dataDir] = await kept()
  expect(dataDir).toMatch(/\.pgdata$/)
  // Dumped once typing was done: before this change it was written before the first describe.
  const dumped = (await stat(join(dataDirs(), dataDir!))).mtimeMs
  expect(dumped).toBeGreaterThanOrEqual((await stat(`${file()}.d.ts`)).mtimeMs)
  expect(first).toEqual(nothingKept)
  await forgetTypedResults()
  expect(await typedOnce()).toEqual(nothingKept)
  expect(await kept()).toEqual([dataDir])
})

it('keeps the migrations alone when the pending change was on the database, once it goes unused', async () => {
  await forgetDataDirs()
  await forgetTypedResults()
  const schema = await nicknameSchema()
  const nicknames = join(root, 'queries/nicknames.sql')
  const sqlFiles = createSqlFiles(project)
  try {
    await sqlFiles.compile(nicknames, schema)
    // Not closed, as under a dev server: the dump comes when the database goes unused.
    const [dataDir] = await waitFor('the data directory kept', keptWhole, 120_000)
    await forgetTypedResults()
    await sqlFiles.compile(nicknames, schema)
    expect(await readFile(`${nicknames}.d.ts`, 'utf8')).toContain('  nickname: string | null\n')
    await sqlFiles.close()
    // The migrations alone were kept (no nickname), and loaded, not built again.
    await expect(typedOnce(nicknames, null)).rejects.toThrow('column "nickname" does not exist')
    expect(await kept()).toEqual([dataDir])
  } finally {
    await sqlFiles.close()
  }
})

it('ignores a data directory left half-written by a process that died, and removes it', async () => {
  const [good] = await kept()
  const bytes = await readFile(join(dataDirs(), good!))
  const dead = await deadPid()
  const writing = join(dataDirs(), `.writing-${dead}-x`)
  await mkdir(writing)
  await writeFile(join(writing, good!), bytes.subarray(0, bytes.length >> 2))
  await rm(join(dataDirs(), good!))
  await forgetTypedResults()
  expect(await typedOnce()).toEqual(nothingKept)
  const [rebuilt] = await kept()
  expect(await kept()).toEqual([expect.stringMatching(/^[0-9a-f]{64}-[0-9a-f]{40}\.pgdata$/)])
  await forgetTypedResults()
  expect(await typedOnce()).toEqual(nothingKept)
  expect(await kept()).toEqual([rebuilt])
})

it('follows a migration added while it runs, and keeps the new migrations once unused', async () => {
  const [before] = await kept()
  const nicks2 = join(root, 'queries/nicks2.sql')
  await writeFile(nicks2, '-- name: nicks2\nSELECT id, nick2 FROM users\n')
  const sqlFiles = createSqlFiles(project)
  try {
    await forgetTypedResults()
    await sqlFiles.compile(file(), null)
    await writeFile(
      join(root, 'migrations/0005_nick2.sql'),
      'ALTER TABLE users ADD COLUMN nick2 text NOT NULL;\n',
    )
    await sqlFiles.compile(nicks2, null)
    expect(await readFile(`${nicks2}.d.ts`, 'utf8')).toContain('  nick2: string\n')
    const [after] = await waitFor(
      'the new migrations kept',
      async () => {
        const names = await keptWhole()
        return names?.[0] !== before ? names : undefined
      },
      120_000,
    )
    expect(after!.split('-')[0]).not.toBe(before!.split('-')[0])
    await sqlFiles.close()
    await forgetTypedResults()
    expect((await typedOnce(nicks2)).dts).toContain('  nick2: string\n')
    expect(await kept()).toEqual([after])
  } finally {
    await sqlFiles.close()
  }
})

it('keeps what a process typed and closed for the next start, and lets one that never closed exit', async () => {
  await forgetDataDirs()
  await forgetTypedResults()
  expect((await typeInProcess(true)).dts).toBe(nothingKept.dts)
  const [dataDir] = await kept()
  expect(dataDir).toMatch(/\.pgdata$/)
  await forgetTypedResults()
  expect(await typedOnce()).toEqual(nothingKept)
  expect(await kept()).toEqual([dataDir])

  await forgetDataDirs()
  await forgetTypedResults()
  // It exits on its own, its data directory still due (kept if it lived a second longer).
  expect((await typeInProcess(false)).dts).toBe(nothingKept.dts)
  const left = (await kept()).filter((name) => name.endsWith('.pgdata'))
  await forgetTypedResults()
  expect(await typedOnce()).toEqual(nothingKept)
  // Whatever it kept is whole: loaded, not built again.
  expect(await kept()).toEqual(left.length === 0 ? [expect.any(String)] : left)
}, 600_000)

/** What is kept once one data directory is there and nothing is being written; else undefined. */
async function keptWhole(): Promise<string[] | undefined> {
  const names = await kept()
  return names.length === 1 && names[0]!.endsWith('.pgdata') ? names : undefined
}

/** A process id that no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

/** Types `file()` in a process of its own, closing the instance or not; resolves once it exited. */
async function typeInProcess(close: boolean): Promise<{ dts: string }> {
  const script = join(root, `type-${close ? 'closing' : 'leaving'}.ts`)
  const sqlFilesModule = join(REPO, 'packages/unplugin/src/sql-files/sql-files.ts')
  await writeFile(
    script,
    `import { createSqlFiles } from ${JSON.stringify(sqlFilesModule)}
const root = ${JSON.stringify(root)}
const sqlFiles = createSqlFiles(() => ({ root, migrationsDir: root + '/migrations', writeDts: true }))
await sqlFiles.compile(${JSON.stringify(file())}, null)
${close ? 'await sqlFiles.close()' : ''}
`,
  )
  const jiti = join(REPO, 'node_modules/jiti/lib/jiti-cli.mjs')
  const child = spawn(process.execPath, [jiti, script], { cwd: REPO, stdio: 'inherit' })
  const code = await new Promise((resolve) => child.on('exit', resolve))
  expect(code).toBe(0)
  return { dts: await readFile(`${file()}.d.ts`, 'utf8') }
}
