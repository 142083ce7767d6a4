import { execFile } from 'node:child_process'
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packPackages } from '../../scripts/pack-packages.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
/** Inside the repository, so the app finds pg, PGlite and Vite in its node_modules. */
const out = join(root, '.pack', 'test')
const app = join(out, 'app')

const SCHEMA = `import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
}
`

const VITE_CONFIG = `import fluentorm from '@fluentorm/unplugin/vite'

export default { plugins: [fluentorm()], build: { ssr: 'src/main.js', outDir: 'dist' } }
`

const MAIN = `import { connect, migrate } from '@fluentorm/runtime'
import { User } from 'virtual:fluentorm/models'
import { migrations } from 'virtual:fluentorm/migrations'

const db = await connect()
await migrate(db, migrations)
await User.insert(db, { email: 'ada@example.com' })
console.log(JSON.stringify(await User.query().select('email').fetch(db)))
await db.close()
`

/**
 * A module resolve hook that fails the process on an import of any of `refused` (a package
 * and its subpaths; `=name`: the package's main entry only), and the file registering it.
 */
async function writeRefusingHook(dir: string, refused: readonly string[]): Promise<string> {
  const hook = `const refused = ${JSON.stringify(refused)}

export async function resolve(specifier, context, next) {
  const hit = refused.some((name) =>
    name.startsWith('=') ? specifier === name.slice(1) : specifier === name || specifier.startsWith(name + '/'),
  )
  if (hit) throw new Error('loaded ' + specifier)
  return next(specifier, context)
}
`
  await writeFile(join(dir, 'refuse-hook.mjs'), hook)
  await writeFile(
    join(dir, 'refuse.mjs'),
    "import { register } from 'node:module'\nregister('./refuse-hook.mjs', import.meta.url)\n",
  )
  return './refuse.mjs'
}

const BUILD_PACKAGES = [
  '@fluentorm/core',
  '@fluentorm/cli',
  '@fluentorm/unplugin',
  'esbuild',
  'jiti',
  'typescript',
]

/** Embedded PGlite, the migrations folder, one statement through the sql template. */
const PRODUCTION_MAIN = `import { connect, migrate, sql } from '@fluentorm/runtime'

const db = await connect() // no DATABASE_URL: embedded PGlite, in memory
const { applied } = await migrate(db, { migrations: 'migrations' })
await sql\`INSERT INTO notes (body) VALUES (\${'hi'})\`.fetch(db)
const rows = await sql\`SELECT body FROM notes\`.fetch(db)
console.log(JSON.stringify({ applied, rows }))
await db.close()
`

/** Core on its own: a schema compiled, its first migration planned and read back from a directory. */
const CORE_ONLY = `import { compileSchema, readMigrationDirectory, writeNextMigration } from '@fluentorm/core'

const compiled = compileSchema([{ path: 'schemas/01_users.ts', tableName: 'users', order: 1, build: (t) => t.uuid({ name: 'id', primaryKey: true }) }])
const dir = 'core-only-migrations'
await writeNextMigration({ migrationsDir: dir, schema: compiled.schema })
const [file] = (await readMigrationDirectory(dir)).files
console.log(file.file, file.sql.split('\\n\\n')[1])
`

/** `from 'x'`, `import('x')`, `import 'x'` with a bare specifier x. */
// The specifier must be shaped like an npm package name (optionally scoped, with a subpath), so a
// SQL string such as `' from ' || p.relname` is not read as an import.
const BARE_IMPORT =
  /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'((?:@[a-z0-9][\w.~-]*\/)?[a-z0-9][\w.~-]*(?:\/[^'\s]*)?|(?:node|virtual):[^'\s]+)'/g

/** Every bare import of a package's JavaScript, as `name` or `@scope/name`. */
async function importedPackages(dir: string): Promise<Set<string>> {
  const names = new Set<string>()
  for (const entry of await readdir(dir, { recursive: true })) {
    if (!entry.endsWith('.js')) continue
    const code = await readFile(join(dir, entry), 'utf8')
    for (const [, specifier] of code.matchAll(BARE_IMPORT)) {
      // node: builtins, the plugin's own virtual modules (the studio imports the models through
      // Vite's runner), and code that the generators write for the app (`${MODELS_MODULE_ID}`).
      if (/^(node|virtual):/.test(specifier!) || specifier!.includes('${')) continue
      const parts = specifier!.split('/')
      names.add(specifier!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!)
    }
  }
  return names
}

async function packageManifest(name: string) {
  return JSON.parse(await readFile(join(app, 'node_modules', name, 'package.json'), 'utf8'))
}

/**
 * The packages as npm would publish them (scripts/pack-packages.ts), unpacked into a fresh
 * app that uses them from plain Node: no TypeScript loader, no workspace links. This is what
 * a user installing fluentorm gets.
 */
describe('the packed packages in a fresh app', () => {
  let tarballs: Record<string, string>

  beforeAll(async () => {
    tarballs = packPackages(out)
    await mkdir(join(app, 'schemas'), { recursive: true })
    await mkdir(join(app, 'src'), { recursive: true })
    await writeFile(
      join(app, 'package.json'),
      '{ "name": "app", "private": true, "type": "module" }',
    )
    await writeFile(join(app, 'schemas', '01_users.ts'), SCHEMA)
    await writeFile(join(app, 'vite.config.js'), VITE_CONFIG)
    await writeFile(join(app, 'src', 'main.js'), MAIN)
    for (const [name, tarball] of Object.entries(tarballs)) {
      const target = join(app, 'node_modules', name)
      await mkdir(target, { recursive: true })
      await run('tar', ['-xzf', tarball, '--strip-components=1', '-C', target])
    }
  }, 120_000)
  afterAll(() => rm(out, { recursive: true, force: true }))

  it('builds with Vite from a plain vite.config.js and runs on Node, migrations included', async () => {
    await run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build'], {
      cwd: app,
    })
    const { stdout } = await run(process.execPath, ['dist/main.js'], { cwd: app })
    expect(JSON.parse(stdout)).toEqual([{ email: 'ada@example.com' }])
    const migrations = await readdir(join(app, 'migrations'))
    expect(migrations).toEqual(expect.arrayContaining(['users.sql', '0001_create_users.sql']))
  })

  it('ships the fluentorm command in @fluentorm/cli, runnable without a TypeScript loader', async () => {
    const manifest = await packageManifest('@fluentorm/cli')
    expect(manifest.bin).toEqual({ fluentorm: './bin/fluentorm.mjs' })
    expect((await packageManifest('@fluentorm/core')).bin).toBeUndefined()
    const cli = join(app, 'node_modules/@fluentorm/cli', manifest.bin.fluentorm)
    const { stdout } = await run(process.execPath, [cli, 'check'], { cwd: app })
    expect(stdout).toContain('schemas, migrations and history are consistent')
    const version = await run(process.execPath, [cli, '--version'], { cwd: app })
    expect(version.stdout.trim()).toBe(manifest.version)
  })

  it('runs @fluentorm/runtime alone: pg its one dependency, core never loaded', async () => {
    const manifest = await packageManifest('@fluentorm/runtime')
    expect(Object.keys(manifest.dependencies)).toEqual(['pg'])
    expect(manifest.peerDependenciesMeta['@fluentorm/core']).toEqual({ optional: true })
    const imported = await importedPackages(join(app, 'node_modules/@fluentorm/runtime/dist'))
    imported.delete('@fluentorm/runtime')
    expect([...imported].sort()).toEqual(['@electric-sql/pglite', 'pg'])
    // A production app: the runtime and its migrations, with every build-time package refused.
    const prod = join(out, 'production')
    await mkdir(join(prod, 'migrations'), { recursive: true })
    await mkdir(join(prod, 'node_modules/@fluentorm/runtime'), { recursive: true })
    await run('tar', [
      '-xzf',
      tarballs['@fluentorm/runtime']!,
      '--strip-components=1',
      '-C',
      join(prod, 'node_modules/@fluentorm/runtime'),
    ])
    await writeFile(join(prod, 'package.json'), '{ "name": "prod", "type": "module" }')
    const refuse = await writeRefusingHook(prod, BUILD_PACKAGES)
    await writeFile(
      join(prod, 'migrations', '0001_create_notes.sql'),
      'CREATE TABLE notes (body TEXT);',
    )
    await writeFile(join(prod, 'main.js'), PRODUCTION_MAIN)
    const env = { ...process.env }
    delete env.DATABASE_URL
    const { stdout } = await run(process.execPath, ['--import', refuse, 'main.js'], {
      cwd: prod,
      env,
    })
    expect(JSON.parse(stdout)).toEqual({ applied: ['0001_create_notes'], rows: [{ body: 'hi' }] })
  })

  it('loads no runtime from core but the migration file format, and no CLI', async () => {
    const refuse = await writeRefusingHook(app, ['=@fluentorm/runtime', '@fluentorm/cli', 'pg'])
    await writeFile(join(app, 'core-only.mjs'), CORE_ONLY)
    const { stdout } = await run(process.execPath, ['--import', refuse, 'core-only.mjs'], {
      cwd: app,
    })
    expect(stdout.trim()).toMatch(/^0001_create_users\.sql CREATE TABLE IF NOT EXISTS users/)
  })

  it('ships a README and the LICENSE in every package', async () => {
    for (const name of Object.keys(tarballs)) {
      const files = await readdir(join(app, 'node_modules', name))
      expect({ name, files }).toEqual({
        name,
        files: expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'dist']),
      })
    }
  })

  it('declares every package its JavaScript imports', async () => {
    for (const name of Object.keys(tarballs)) {
      const dir = join(app, 'node_modules', name)
      const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
      const declared = new Set([
        name,
        ...Object.keys(manifest.dependencies ?? {}),
        ...Object.keys(manifest.peerDependencies ?? {}),
      ])
      const missing = [...(await importedPackages(join(dir, 'dist')))].filter(
        (p) => !declared.has(p),
      )
      expect({ name, missing }).toEqual({ name, missing: [] })
    }
  })
})
