import { execFile } from 'node:child_process'
import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { ROOT, tempProject } from './support/schema-fixtures.ts'

const BIN = resolve(ROOT, 'packages/cli/bin/fluentorm.mjs')

/** Runs the CLI in `cwd`; resolves with the exit code and output, whatever the code. */
async function fluentorm(cwd: string, ...args: string[]) {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', [BIN, ...args], { cwd })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

const USERS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
}
`

describe('fluentorm generate', () => {
  const dirs: string[] = []
  afterEach(async () => {
    for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
  })
  const project = async (files: Record<string, string>) => {
    const dir = await tempProject(files)
    dirs.push(dir)
    return dir
  }

  it('writes migrations/<table>.sql, then only what changed', async () => {
    const cwd = await project({ 'schemas/01_users.ts': USERS })
    const first = await fluentorm(cwd, 'generate')
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^wrote migrations\/users\.sql\n/)
    expect(first.stdout).toContain('wrote fluentorm.d.ts\n')
    expect(first.stdout).toContain('fluentorm: 1 table, 2 files written\n')
    const sql = await readFile(join(cwd, 'migrations/users.sql'), 'utf8')
    expect(sql).toContain(
      'CREATE TABLE IF NOT EXISTS users (\n  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n  email TEXT NOT NULL UNIQUE\n);\n',
    )
    const written = (await stat(join(cwd, 'migrations/users.sql'))).mtimeMs
    const second = await fluentorm(cwd, 'generate')
    expect(second.stdout).toContain('fluentorm: 1 table, all files up to date\n')
    expect(second.stdout).not.toContain('wrote migrations/users.sql')
    expect((await stat(join(cwd, 'migrations/users.sql'))).mtimeMs).toBe(written)
  })

  it('honours --schemas and --migrations and keeps other files', async () => {
    const cwd = await project({ 'db/01_users.ts': USERS, 'out/0001_manual.sql': 'SELECT 1;\n' })
    const result = await fluentorm(cwd, 'generate', '--schemas', 'db', '--migrations', 'out')
    expect(result.code).toBe(0)
    expect(await readdir(join(cwd, 'out'))).toEqual(
      expect.arrayContaining(['0001_manual.sql', 'users.sql']),
    )
    expect(await readFile(join(cwd, 'out/0001_manual.sql'), 'utf8')).toBe('SELECT 1;\n')
  })

  it('prints the report, exits 1 and writes nothing for an invalid schema', async () => {
    const cwd = await project({
      'schemas/01_users.ts': USERS,
      'schemas/02_posts.ts': `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
}
`,
    })
    const result = await fluentorm(cwd, 'generate')
    expect(result.code).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`fluentorm: 1 problem in the schema

schemas/02_posts.ts:3:5 (table posts, column user_id)
  belongsTo 'author' uses column 'user_id', which table 'posts' does not have.
  Fix: Columns of posts: id.
Nothing was written.
`)
    expect(await readdir(cwd)).toEqual(['schemas'])
  })

  it('explains usage errors with exit code 2', async () => {
    const cwd = await project({})
    const unknownCommand = await fluentorm(cwd, 'generat')
    expect(unknownCommand.code).toBe(2)
    expect(unknownCommand.stderr).toMatch(
      /^fluentorm: unknown command 'generat'\.\n\nUsage: fluentorm <command>/,
    )
    const unknownFlag = await fluentorm(cwd, 'generate', '--schema', 'x')
    expect(unknownFlag.code).toBe(2)
    expect(unknownFlag.stderr).toMatch(/^fluentorm generate: Unknown option '--schema'/)
    const help = await fluentorm(cwd, '--help')
    expect(help).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('generate  write migrations/<table>.sql'),
    })
  })
})
