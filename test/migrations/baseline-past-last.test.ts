import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { baseline, status } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')

/**
 * `--baseline n` records the migrations up to n that the database already has: an n past the
 * last migration names one that does not exist (a typo, the wrong folder), and is refused.
 */
describe('migrate --baseline past the last migration', () => {
  let backend: Backend
  let url: string
  let dir: string
  const migrations = () => join(dir, 'migrations')
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--url', url], {
      cwd: dir,
      encoding: 'utf8',
    })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }

  beforeAll(async () => {
    backend = await pgBackend()
    url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
    dir = await mkdtemp(join(tmpdir(), 'fluentorm-baseline-past-last-'))
    await mkdir(migrations())
    await writeFile(join(migrations(), '0001_create_users.sql'), 'CREATE TABLE users (id int);\n')
    await writeFile(join(migrations(), '0002_add_email.sql'), 'ALTER TABLE users ADD email text;\n')
  })
  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('is refused, naming the last migration, and records nothing', async () => {
    const result = cli('migrate', '--baseline', '5')
    expect(result.code).toBe(1)
    expect(result.err).toContain(
      'fluentorm: migrate failed: --baseline 5 is past the last migration, 0002_add_email.sql (number 2): there is no migration 5 to record. Nothing was recorded. --baseline takes the number of the last migration the database already has: --baseline 2 records all of them',
    )
    expect((await status(backend.db, migrations())).applied).toEqual([])
    await expect(baseline(backend.db, { migrations: migrations(), upTo: 3 })).rejects.toThrow(
      '--baseline 3 is past the last migration, 0002_add_email.sql (number 2)',
    )
    expect((await status(backend.db, migrations())).applied).toEqual([])
  })

  it('up to the last migration still records them all', async () => {
    const result = cli('migrate', '--baseline', '2')
    expect(result.code).toBe(0)
    expect(result.out).toContain('recorded 0002_add_email.sql as applied (not run)')
    expect((await status(backend.db, migrations())).applied.map((a) => a.name)).toEqual([
      '0001_create_users',
      '0002_add_email',
    ])
  })
})
