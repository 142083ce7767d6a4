import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { down, migrate, status, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'
import { handWritten } from './support/migration-fixtures.ts'

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')

const one = handWritten(
  '0001_create_things',
  'CREATE TABLE things (id INTEGER);',
  'DROP TABLE things;',
)
const brokenDown = handWritten(
  '0002_add_size',
  'ALTER TABLE things ADD COLUMN size INTEGER;',
  'ALTER TABLE things DROP COLUMN sise;',
)
const brokenNoTransactionDown = handWritten(
  '0002_add_index',
  '-- fluentorm:no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS idx_things_id ON things (id);',
  '-- fluentorm:no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS idx_things_id;\nDROP INDEX CONCURRENTLY idx_things_gone;',
)

/** A failing rollback says `down`, what stays, and to run down again: not migrate. */
describe('a failed down', () => {
  let backend: Backend
  let url: string
  let dir: string

  beforeAll(async () => {
    backend = await pgBackend()
    url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
    dir = await mkdtemp(join(tmpdir(), 'fluentorm-down-failure-'))
    await mkdir(join(dir, 'migrations'))
  })
  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })
  beforeEach(async () => {
    await toDriver(backend.db).exec(
      `DROP SCHEMA IF EXISTS ${backend.schema} CASCADE; CREATE SCHEMA ${backend.schema}`,
    )
  })

  it('in a transaction: names down, the file, and that the migration stays applied', async () => {
    await migrate(backend.db, [one, brokenDown])
    const error = await down(backend.db, { migrations: [one, brokenDown] }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toMatch(/^down failed: 0002_add_size\.down\.sql, statement 1 of 1 \(line 1\): /)
    expect(message).toContain(
      'Nothing of 0002_add_size.down.sql was applied (its transaction was rolled back). Fix it and run down again (0002_add_size.sql is still recorded as applied).',
    )
    expect(message).not.toContain('migrate')
    expect((await status(backend.db, [one, brokenDown])).applied.map((a) => a.name)).toEqual([
      '0001_create_things',
      '0002_add_size',
    ])
  })

  it('without a transaction: says the statements before it stay applied, and to run down again', async () => {
    await migrate(backend.db, [one, brokenNoTransactionDown])
    const error = await down(backend.db, { migrations: [one, brokenNoTransactionDown] }).catch(
      (e: Error) => e,
    )
    const message = (error as Error).message
    expect(message).toMatch(
      /^down failed: 0002_add_index\.down\.sql, statement 2 of 2 \(line 3\): /,
    )
    expect(message).toContain(
      '0002_add_index.down.sql runs without a transaction: the statements before this one stay applied',
    )
    expect(message).toContain(
      'Statement 1 dropped the index idx_things_id: it stays dropped until 0002_add_index.down.sql runs to its end.',
    )
    expect(message).toContain(
      'Fix the cause, then run down again (0002_add_index.sql is still recorded as applied).',
    )
    expect(message).not.toContain('migrate')
  })

  it('fluentorm down prints it so', async () => {
    await writeFile(join(dir, 'migrations', '0001_create_things.sql'), one.sql)
    await writeFile(join(dir, 'migrations', '0001_create_things.down.sql'), one.down!)
    await writeFile(join(dir, 'migrations', '0002_add_size.sql'), brokenDown.sql)
    await writeFile(join(dir, 'migrations', '0002_add_size.down.sql'), brokenDown.down!)
    await migrate(backend.db, join(dir, 'migrations'))
    const result = spawnSync(process.execPath, [BIN, 'down', '--url', url], {
      cwd: dir,
      encoding: 'utf8',
    })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain(
      'fluentorm: down failed: 0002_add_size.down.sql, statement 1 of 1',
    )
    expect(result.stderr).toContain(
      'run down again (0002_add_size.sql is still recorded as applied)',
    )
    expect(result.stderr).not.toContain('migrate')
  })
})
