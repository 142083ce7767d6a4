import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { status } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')

const SHARED =
  'Migrations 0003_add_a_col.sql and 0003_add_b_col.sql share the number 3 (two branches). If 0003_add_b_col.sql is yours and not applied anywhere shared: delete it and its .down.sql'

/** Two files with one number (two branches): status and migrate refuse them as check does. */
describe('two migrations with one number', () => {
  let backend: Backend
  let url: string
  let dir: string
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--url', url], {
      cwd: dir,
      encoding: 'utf8',
    })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }
  const write = (file: string, sql: string) => writeFile(join(dir, 'migrations', file), sql)
  const applied = async () =>
    (await status(backend.db, join(dir, 'migrations'))).applied.map((a) => a.name)

  beforeAll(async () => {
    backend = await pgBackend()
    url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
    dir = await mkdtemp(join(tmpdir(), 'fluentorm-shared-number-'))
    await mkdir(join(dir, 'migrations'))
    await mkdir(join(dir, 'schemas'))
    await write('0001_create_t.sql', 'CREATE TABLE t (id int);\n')
    await write('0002_add_c.sql', 'ALTER TABLE t ADD COLUMN c int;\n')
    expect(cli('migrate').code).toBe(0)
    await write('0003_add_a_col.sql', 'ALTER TABLE t ADD COLUMN a int;\n')
    await write('0003_add_b_col.sql', 'ALTER TABLE t ADD COLUMN b int;\n')
  })
  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('check refuses them (as it did)', () => {
    const result = cli('check')
    expect(result.code).toBe(1)
    expect(result.err).toContain(`check: ${SHARED}`)
  })

  it('status lists them pending and exits 1 with the same problem', () => {
    const result = cli('status')
    expect(result.code).toBe(1)
    expect(result.out).toContain('pending  0003_add_a_col.sql')
    expect(result.err).toContain(`problem  ${SHARED}`)
    const json = JSON.parse(cli('status', '--json').out)
    expect(json.ok).toBe(false)
    expect(json.problems[0]).toContain(SHARED)
  })

  it('migrate refuses them and applies nothing', async () => {
    const result = cli('migrate')
    expect(result.code).toBe(1)
    expect(result.err).toContain(`migrate: ${SHARED}`)
    expect(result.err).toContain('fluentorm migrate: nothing was applied.')
    expect(await applied()).toEqual(['0001_create_t', '0002_add_c'])
    const baseline = cli('migrate', '--baseline', '3')
    expect(baseline.code).toBe(1)
    expect(baseline.err).toContain('fluentorm migrate: nothing was recorded.')
    expect(await applied()).toEqual(['0001_create_t', '0002_add_c'])
  })

  it('migrate applies both once one is renumbered', async () => {
    const { rename } = await import('node:fs/promises')
    await rename(
      join(dir, 'migrations', '0003_add_b_col.sql'),
      join(dir, 'migrations', '0004_add_b_col.sql'),
    )
    expect(cli('status').code).toBe(0)
    expect(cli('migrate').code).toBe(0)
    expect(await applied()).toEqual([
      '0001_create_t',
      '0002_add_c',
      '0003_add_a_col',
      '0004_add_b_col',
    ])
  })
})
