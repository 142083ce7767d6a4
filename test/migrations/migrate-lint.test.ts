import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { migrationChecksum, status } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL, pgBackend } from '../support/backends.ts'

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')

/**
 * `migrate` refuses what `check` refuses, and acknowledging a finding after the file ran is
 * not an edit: the acknowledgement line is left out of the checksum (histories recorded
 * before that still verify).
 */
describe('migrate honours lint', () => {
  let backend: Awaited<ReturnType<typeof pgBackend>>
  let dir: string
  let url: string
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--url', url], {
      cwd: dir,
      encoding: 'utf8',
    })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }
  const write = (file: string, sql: string) => writeFile(join(dir, 'migrations', file), sql)

  beforeAll(async () => {
    backend = await pgBackend()
    url = `${DATABASE_URL}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
    dir = await mkdtemp(join(tmpdir(), 'fluentorm-migrate-lint-'))
    await mkdir(join(dir, 'migrations'))
    await write('0001_people.sql', 'CREATE TABLE people (id int, phone text);\n')
  })
  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses a pending file with an unacknowledged error finding, as check does', async () => {
    await write('0002_drop_phone.sql', 'ALTER TABLE people DROP COLUMN phone;\n')
    const refused = cli('migrate')
    expect(refused.code).toBe(1)
    expect(refused.err).toContain('0002_drop_phone.sql: drop-column is an error')
    expect(refused.err).toContain('-- fluentorm:allow drop-column')
    expect(refused.err).toContain('nothing was applied')
    expect((await status(backend.db, join(dir, 'migrations'))).applied).toEqual([])
  })

  it('applies it with --allow-lint-errors; acknowledging it afterwards keeps the checksum', async () => {
    expect(cli('migrate', '--allow-lint-errors').code).toBe(0)
    const before = migrationChecksum('ALTER TABLE people DROP COLUMN phone;\n')
    await write(
      '0002_drop_phone.sql',
      '-- fluentorm:allow drop-column\nALTER TABLE people DROP COLUMN phone;\n',
    )
    expect(
      migrationChecksum('-- fluentorm:allow drop-column\nALTER TABLE people DROP COLUMN phone;\n'),
    ).toBe(before)
    const after = cli('status')
    expect(after.err).toBe('')
    expect(after.code).toBe(0)
    expect(cli('migrate').out).toContain('Nothing to migrate')
  })

  it('keeps a file without acknowledgement lines at the checksum it always had', () => {
    const sql = 'CREATE TABLE t (id int);\r\n-- a comment\n'
    const legacy = createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex')
    expect(migrationChecksum(sql)).toBe(legacy)
  })

  it('still verifies a history recorded with the acknowledgement inside the checksum', async () => {
    const sql = '-- fluentorm:allow drop-table\nDROP TABLE IF EXISTS nothing_here;\n'
    await write('0003_old.sql', sql)
    expect(cli('migrate').code).toBe(0)
    // As a runner before this change recorded it: the whole text.
    const full = createHash('sha256').update(sql).digest('hex')
    await backend.db.query(
      `UPDATE fluentorm_migrations SET checksum = $1 WHERE name = '0003_old'`,
      [full],
    )
    const result = cli('status')
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
  })
})
