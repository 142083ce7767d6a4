import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { generateDts, loadSchemas } from '@fluentorm/core'
import { afterAll, describe, expect, it } from 'vitest'
import { pgBackend } from '../support/backends.ts'
import { runFluentorm } from '../support/fluentorm-cli.ts'
import { ROOT, tempProject } from './support/schema-fixtures.ts'

const VERSION = JSON.parse(readFileSync(resolve(ROOT, 'packages/core/package.json'), 'utf8'))
  .version as string

const fluentorm = runFluentorm

const USERS = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
}
`
const CONFIG = `import { defineConfig } from '@fluentorm/core'

export default defineConfig({ schemas: 'db/schemas', migrations: 'db/migrations', dts: 'types/fluentorm.d.ts' })
`

describe('fluentorm.config.ts and the flags every command shares', () => {
  const dirs: string[] = []
  // Inside the repository when the config imports @fluentorm/core, so that it resolves.
  const project = async (files: Record<string, string>) => {
    const dir = await tempProject(files, files['fluentorm.config.ts']?.includes('@fluentorm/core'))
    dirs.push(dir)
    return dir
  }
  afterAll(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  })

  it('finds the config upward from a subfolder and resolves its paths against its folder', async () => {
    const dir = await project({ 'fluentorm.config.ts': CONFIG, 'db/schemas/01_users.ts': USERS })
    await mkdir(join(dir, 'src/deep'), { recursive: true })
    const result = fluentorm(join(dir, 'src/deep'), 'generate')
    expect(result.err).toBe('')
    expect(result.code).toBe(0)
    expect((await readdir(join(dir, 'db/migrations'))).sort()).toEqual([
      '0001_create_users.down.sql',
      '0001_create_users.sql',
      'meta',
      'users.sql',
    ])
    expect(existsSync(join(dir, 'src/deep/migrations'))).toBe(false)
  })

  it('generate writes the .d.ts the plugin writes (the same function)', async () => {
    const dir = await project({ 'fluentorm.config.ts': CONFIG, 'db/schemas/01_users.ts': USERS })
    expect(fluentorm(dir, 'generate').code).toBe(0)
    const loaded = await loadSchemas({
      schemasDir: join(dir, 'db/schemas'),
      root: join(dir, 'types'),
    })
    if (!loaded.ok) throw new Error('fixture schema invalid')
    expect(await readFile(join(dir, 'types/fluentorm.d.ts'), 'utf8')).toBe(
      generateDts(loaded.schema),
    )
    // --dts overrides the config, relative to the current directory.
    expect(fluentorm(dir, 'generate', '--dts', 'other.d.ts').code).toBe(0)
    expect(existsSync(join(dir, 'other.d.ts'))).toBe(true)
  })

  it('lets flags override the config, and --config pick the file', async () => {
    const dir = await project({
      'conf/custom.config.ts': `export default { schemas: '../s', migrations: '../m' }\n`,
      's/01_users.ts': USERS,
      'elsewhere/01_users.ts': USERS,
    })
    expect(fluentorm(dir, 'generate', '--config', 'conf/custom.config.ts').code).toBe(0)
    expect(existsSync(join(dir, 'm/users.sql'))).toBe(true)
    const flagged = fluentorm(
      dir,
      'generate',
      '--config',
      'conf/custom.config.ts',
      '--schemas',
      'elsewhere',
      '--migrations',
      'out',
    )
    expect(flagged.code).toBe(0)
    expect(existsSync(join(dir, 'out/users.sql'))).toBe(true)
  })

  it('explains a bad config without a stack trace', async () => {
    const dir = await project({
      'fluentorm.config.ts': `export default { schema: 'x' }\n`,
      'schemas/01_users.ts': USERS,
    })
    const result = fluentorm(dir, 'generate')
    expect(result.code).toBe(2)
    expect(result.err).toContain(
      "fluentorm.config.ts: unknown option 'schema'. Did you mean 'schemas'?",
    )
    expect(result.err).toContain('schemas, migrations, dts, url, devDatabase')
    expect(result.err).not.toMatch(/\n\s+at /)
    const missing = fluentorm(dir, 'status', '--config', 'nope.ts')
    expect(missing.code).toBe(2)
    expect(missing.err).toContain('nope.ts does not exist')
  })

  it('says where a config does not parse, and that a named export is not the default one', async () => {
    const broken = await project({
      'fluentorm.config.ts': `export default {\n  schemas: 'schemas',,\n}\n`,
      'schemas/01_users.ts': USERS,
    })
    const parse = fluentorm(broken, 'generate')
    expect(parse.code).toBe(2)
    expect(parse.err).toMatch(/fluentorm\.config\.ts:2:\d+ cannot be evaluated: /)
    expect(parse.err).not.toMatch(/\n\s+at /)

    const named = await project({
      'fluentorm.config.ts': `export const config = { schemas: 'schemas' }\n`,
      'schemas/01_users.ts': USERS,
    })
    const result = fluentorm(named, 'generate')
    expect(result.code).toBe(2)
    expect(result.err).toContain(
      'fluentorm.config.ts has no default export (it exports only config).',
    )
    expect(result.err).not.toContain('unknown option')

    const commonJs = await project({
      'fluentorm.config.js': `module.exports = { schemas: 'schemas', migrations: 'out' }\n`,
      'schemas/01_users.ts': USERS,
    })
    expect(fluentorm(commonJs, 'generate').code).toBe(0)
    expect(existsSync(join(commonJs, 'out/users.sql'))).toBe(true)
  })

  it('prints the version', async () => {
    const dir = await project({})
    expect(fluentorm(dir, '--version')).toMatchObject({ code: 0, out: `${VERSION}\n` })
  })

  it('takes --migrations everywhere, and --dir as a deprecated alias with a warning', async () => {
    const dir = await project({ 'schemas/01_users.ts': USERS })
    const old = fluentorm(dir, 'check', '--dir', 'migrations')
    expect(old.err).toContain('--dir is deprecated; use --migrations')
    for (const command of ['generate', 'migrate', 'status', 'down', 'check']) {
      const help = fluentorm(dir, command, '--help')
      expect(help.code).toBe(0)
      for (const flag of ['--schemas', '--migrations', '--url', '--config', '--json']) {
        expect(help.out, `${command} --help names ${flag}`).toContain(flag)
      }
      expect(help.out).not.toContain('--dir')
    }
  })

  it('prints one JSON object with --json', async () => {
    const dir = await project({ 'schemas/01_users.ts': USERS })
    const generated = fluentorm(dir, 'generate', '--json')
    expect(generated.code).toBe(0)
    const data = JSON.parse(generated.out)
    expect(data.tables).toBe(1)
    expect(data.written).toContain('migrations/users.sql')
    expect(data.migration).toContain('migrations/0001_create_users.sql')
    const checked = fluentorm(dir, 'check', '--json')
    expect(JSON.parse(checked.out)).toMatchObject({ ok: true, failures: [] })
    // A failure is one JSON object too; the message for people stays on stderr.
    const noDatabase = fluentorm(dir, 'status', '--json')
    expect(noDatabase.code).toBe(1)
    expect(JSON.parse(noDatabase.out)).toMatchObject({
      ok: false,
      error: expect.stringContaining('no database'),
    })
    expect(noDatabase.err).toContain('no database')
  })

  it('status, migrate and check read --url from the config, with --json', async () => {
    const backend = await pgBackend()
    try {
      const url = `${process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'}?options=${encodeURIComponent(`-c search_path=${backend.schema}`)}`
      const dir = await project({
        'fluentorm.config.ts': `export default { url: ${JSON.stringify(url)} }\n`,
        'schemas/01_users.ts': USERS,
      })
      expect(fluentorm(dir, 'generate').code).toBe(0)
      const before = JSON.parse(fluentorm(dir, 'status', '--json').out)
      expect(before).toEqual({
        ok: true,
        applied: [],
        pending: ['0001_create_users'],
        problems: [],
      })
      const migrated = JSON.parse(fluentorm(dir, 'migrate', '--json').out)
      expect(migrated.applied).toEqual(['0001_create_users'])
      const after = JSON.parse(fluentorm(dir, 'status', '--json').out)
      expect(after.applied.map((a: { name: string }) => a.name)).toEqual(['0001_create_users'])
    } finally {
      await backend.close()
    }
  })
})
