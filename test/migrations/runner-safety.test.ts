import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { down, FluentOrmError, migrate, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { readDirectives } from '../../packages/runtime/src/migration/migration-format.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { handWritten } from './support/migration-fixtures.ts'

const files = ['001_a', '002_b', '003_c'].map((name) =>
  handWritten(name, `CREATE TABLE t_${name} (id INTEGER);`, `DROP TABLE t_${name};`),
)

/** A function whose body holds the directive's text, then a statement that fails. */
const bodyDirective = handWritten(
  '004_function',
  [
    '-- a migration with a function',
    'CREATE TABLE half_done (id INTEGER);',
    'CREATE FUNCTION answer() RETURNS integer LANGUAGE sql AS $$',
    '-- fluentorm:no-transaction',
    'SELECT 42',
    '$$;',
    'SELECT 1 / 0;',
  ].join('\n'),
)

describe('readDirectives', () => {
  it('reads directives from the header comments only', () => {
    expect(readDirectives('-- generated\n\n-- fluentorm:no-transaction\nCREATE INDEX …;')).toEqual({
      noTransaction: true,
      irreversible: null,
    })
    expect(readDirectives('\uFEFF-- fluentorm:irreversible drops data\n')).toEqual({
      noTransaction: false,
      irreversible: 'drops data',
    })
    expect(readDirectives(bodyDirective.sql).noTransaction).toBe(false)
    expect(readDirectives('SELECT 1;\n-- fluentorm:irreversible\n').irreversible).toBeNull()
  })
})

describe.each(BACKENDS)('migration runner input on $name', ({ open }) => {
  let backend: Backend
  const query = async (text: string) => (await toDriver(backend.db).query({ text })).rows
  const history = async () =>
    (await query('SELECT name FROM fluentorm_migrations ORDER BY name')).map((r) => r.name)

  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend.close())
  beforeEach(async () => {
    await toDriver(backend.db).exec(
      `DROP SCHEMA IF EXISTS ${backend.schema} CASCADE; CREATE SCHEMA ${backend.schema}`,
    )
  })

  it('refuses steps that are not a positive whole number, and rolls nothing back', async () => {
    await migrate(backend.db, files)
    for (const steps of [-1, 0, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '2', null]) {
      const error = await down(backend.db, { migrations: files, steps: steps as never }).catch(
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(FluentOrmError)
      expect(error).toMatchObject({ code: 'INVALID_USAGE', operation: 'down' })
      expect((error as Error).message).toMatch(
        /^down failed: steps must be a positive whole number .*, got .*Pass \{ steps: 1 \}/,
      )
    }
    expect(await history()).toEqual(['001_a', '002_b', '003_c'])
    expect((await down(backend.db, { migrations: files, steps: 2 })).applied).toEqual([
      '003_c',
      '002_b',
    ])
  })

  it('refuses timeout options that are not whole milliseconds', async () => {
    for (const [name, value] of [
      ['lockTimeout', 'x'],
      ['statementTimeout', -1],
      ['lockWaitTimeout', 1.5],
      ['lockTimeout', '1; SELECT 1'],
    ] as const) {
      const error = await migrate(backend.db, { migrations: files, [name]: value } as never).catch(
        (e: unknown) => e,
      )
      expect(error).toMatchObject({ code: 'INVALID_USAGE', operation: 'migrate' })
      const shown = typeof value === 'string' ? JSON.stringify(value) : String(value)
      expect((error as Error).message).toContain(
        `the option ${name} must be a whole number of milliseconds (0 or more), got ${shown}`,
      )
    }
    expect(await query(`SELECT to_regclass('fluentorm_migrations') AS t`)).toEqual([{ t: null }])
  })

  it('keeps a file transactional when the directive is only inside a function body', async () => {
    const error = await migrate(backend.db, [...files, bodyDirective]).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FluentOrmError)
    // The whole file rolled back: its first table is gone, nothing recorded.
    expect(await query(`SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }])
    expect(await history()).toEqual(['001_a', '002_b', '003_c'])
  })
})

describe('fluentorm down n', () => {
  const cwd = mkdtempSync(join(tmpdir(), 'fluentorm-down-'))
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))
  const bin = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')

  it.each(['0', '0x2', '1e1', '1.5', 'two'])('refuses %s before connecting', (n) => {
    const result = spawnSync(process.execPath, [bin, 'down', n], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: 'postgresql://nobody@127.0.0.1:1/none' },
    })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain(`n must be a positive whole number, got '${n}'`)
  })
})
