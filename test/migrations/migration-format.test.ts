import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  compareMigrations,
  directiveLine,
  isMigrationFile,
  migrationChecksum,
  nextMigrationNumber,
  readAllowedRules,
  readDirectives,
  readHashes,
  readMigrationFiles,
} from '@fluentorm/runtime/migration-format'
import { describe, expect, it } from 'vitest'

/** The one file format the generator writes and the runner, check and the plugin read. */
describe('the migration file format', () => {
  it('orders by number, then name, whatever the padding', () => {
    const names = ['10_c', '0002_b', '001_a', '0002_a']
    expect([...names].sort(compareMigrations)).toEqual(['001_a', '0002_a', '0002_b', '10_c'])
    expect(nextMigrationNumber(names)).toBe('0011')
    expect(nextMigrationNumber([])).toBe('0001')
  })

  it('takes numbered files only, not per-table files or rollbacks', () => {
    expect(
      ['0001_a.sql', 'users.sql', '0001_a.down.sql', '0001_a.txt'].filter(isMigrationFile),
    ).toEqual(['0001_a.sql'])
  })

  it('reads back every directive line it writes', () => {
    const sql = [
      directiveLine.fromTo('aaaa', 'bbbb'),
      directiveLine.noTransaction('CONCURRENTLY cannot run in a transaction'),
      directiveLine.allow('drop-column'),
      '',
      'CREATE INDEX CONCURRENTLY i ON t (c);',
    ].join('\n')
    expect(readHashes(sql)).toEqual({ from: 'aaaa', to: 'bbbb' })
    expect(readDirectives(sql)).toEqual({ noTransaction: true, irreversible: null })
    expect([...readAllowedRules(sql)]).toEqual(['drop-column'])
    expect(readDirectives(directiveLine.irreversible('drops data')).irreversible).toBe('drops data')
  })

  it('keeps the checksum when a finding is acknowledged or line endings change', () => {
    const sql = 'ALTER TABLE t DROP COLUMN c;\n'
    expect(migrationChecksum(`${directiveLine.allow('drop-column')}\n${sql}`)).toBe(
      migrationChecksum(sql),
    )
    expect(migrationChecksum(sql.replace('\n', '\r\n'))).toBe(migrationChecksum(sql))
    expect(migrationChecksum('ALTER TABLE t DROP COLUMN d;\n')).not.toBe(migrationChecksum(sql))
  })

  it('reads a directory in order, each migration with its rollback and checksum', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fluentorm-format-'))
    try {
      await writeFile(join(dir, '0002_b.sql'), 'SELECT 2;')
      await writeFile(join(dir, '001_a.sql'), 'SELECT 1;')
      await writeFile(join(dir, '001_a.down.sql'), 'SELECT -1;')
      await writeFile(join(dir, 'users.sql'), 'SELECT 0;')
      expect(await readMigrationFiles(dir)).toEqual([
        {
          file: '001_a.sql',
          name: '001_a',
          number: 1,
          sql: 'SELECT 1;',
          down: 'SELECT -1;',
          checksum: migrationChecksum('SELECT 1;'),
        },
        {
          file: '0002_b.sql',
          name: '0002_b',
          number: 2,
          sql: 'SELECT 2;',
          checksum: migrationChecksum('SELECT 2;'),
        },
      ])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
