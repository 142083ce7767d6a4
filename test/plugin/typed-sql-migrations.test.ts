import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { createSqlFiles } from '../../packages/unplugin/src/sql-files/sql-files.ts'

/**
 * The typing database applies the migrations in one exchange with PGlite when it can, and
 * through the migration runner, file by file, when it cannot (or when PostgreSQL refuses one,
 * to say which file and statement): the types must be the same either way.
 */
let root: string
const project = () => ({ root, migrationsDir: join(root, 'migrations'), writeDts: true })

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'fluentorm-typed-migrations-'))
  await mkdir(join(root, 'migrations'))
  await mkdir(join(root, 'queries'))
})
afterEach(() => rm(root, { recursive: true, force: true }))

const migration = (name: string, sql: string) => writeFile(join(root, 'migrations', name), sql)

/** The `.sql.d.ts` a fresh instance writes for `source`, or the error it fails with. */
async function typed(source: string): Promise<string> {
  const file = join(root, 'queries/q.sql')
  await writeFile(file, source)
  const sqlFiles = createSqlFiles(project)
  try {
    await sqlFiles.compile(file, null)
    return await readFile(`${file}.d.ts`, 'utf8')
  } finally {
    await sqlFiles.close()
  }
}

it('types on migrations applied in one exchange, without the runner’s history table', async () => {
  await migration(
    '0001_people.sql',
    'CREATE TABLE people (id int4 PRIMARY KEY, name text NOT NULL)',
  )
  await migration('0002_nick.sql', 'ALTER TABLE people ADD COLUMN nick text;\n')
  expect(await typed('-- name: people\nSELECT id, name, nick FROM people\n')).toContain(
    '  nick: string | null\n',
  )
  await expect(typed('-- name: history\nSELECT * FROM fluentorm_migrations\n')).rejects.toThrow(
    'relation "fluentorm_migrations" does not exist',
  )
})

it('applies what one transaction cannot hold file by file, with the same types', async () => {
  await migration('0001_mood.sql', "CREATE TYPE mood AS ENUM ('ok');\n")
  await migration('0002_meh.sql', "ALTER TYPE mood ADD VALUE 'meh';\n")
  // A new enum value cannot be used in the transaction that added it.
  await migration(
    '0003_moods.sql',
    "CREATE TABLE moods (id int4 PRIMARY KEY, mood mood NOT NULL DEFAULT 'meh');\n",
  )
  await migration(
    '0004_index.sql',
    '-- fluentorm:no-transaction\nCREATE INDEX CONCURRENTLY moods_mood ON moods (mood);\n',
  )
  await migration(
    '0005_own_transaction.sql',
    'BEGIN;\nALTER TABLE moods ADD COLUMN note text;\nCOMMIT;\n',
  )
  const dts = await typed('-- name: moods\nSELECT id, mood, note FROM moods\n')
  expect(dts).toContain('  mood: "ok" | "meh"\n')
  expect(dts).toContain('  note: string | null\n')
  await expect(typed('-- name: history\nSELECT * FROM fluentorm_migrations\n')).rejects.toThrow(
    'relation "fluentorm_migrations" does not exist',
  )
})

it('fails on a migration PostgreSQL refuses, naming its file, statement and line', async () => {
  await migration('0001_people.sql', 'CREATE TABLE people (id int4 PRIMARY KEY);\n')
  await migration(
    '0002_broken.sql',
    'ALTER TABLE people ADD COLUMN name text;\n\nALTER TABLE persons ADD COLUMN nick text;\n',
  )
  await expect(typed('-- name: people\nSELECT id FROM people\n')).rejects.toThrow(
    /0002_broken\.sql, statement 2 of 2 \(line 3\): relation "persons" does not exist/,
  )
  // Fixed, it types (the failed start is not kept).
  await migration('0002_broken.sql', 'ALTER TABLE people ADD COLUMN name text;\n')
  expect(await typed('-- name: people\nSELECT id, name FROM people\n')).toContain(
    '  name: string | null\n',
  )
})
