import { readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { migrate } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgBackend, pgliteBackend } from '../support/backends.ts'
import { type Bundler, buildFixture } from './support/build-fixture.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'

type Fixture = {
  run(db: unknown): Promise<unknown>
  migrations: readonly { name: string; sql: string; checksum: string }[]
}

const EXPECTED = {
  models: ['User', 'Post'],
  posts: [{ title: 'Hello', author: 'Ada', views: 0 }],
}

describe.each(['vite', 'esbuild', 'rollup'] as const)('a %s build', (bundler: Bundler) => {
  let project: FixtureProject
  let output: string

  beforeAll(async () => {
    project = await copyFixture('blog')
    output = await buildFixture(bundler, project.root)
  })
  afterAll(() => project?.remove())

  it('bundles the models, which run on PGlite', async () => {
    const app = (await import(pathToFileURL(output).href)) as Fixture
    const backend = await pgliteBackend()
    try {
      expect(await app.run(backend.db)).toEqual(EXPECTED)
    } finally {
      await backend.close()
    }
  })

  it('bundles the migration the same build writes, which creates the tables', async () => {
    const app = (await import(pathToFileURL(output).href)) as Fixture
    const written = (await readdir(join(project.root, 'migrations')))
      .filter((file) => /^\d{4}_.*(?<!\.down)\.sql$/.test(file))
      .map((file) => file.slice(0, -'.sql'.length))
    expect(written).toHaveLength(1)
    expect(app.migrations.map((migration) => migration.name)).toEqual(written)
    const sql = await readFile(join(project.root, 'migrations', `${written[0]}.sql`), 'utf8')
    expect(app.migrations[0]!.sql).toBe(sql)
    const backend = await pgliteBackend()
    try {
      expect((await migrate(backend.db, app.migrations)).applied).toEqual(written)
      expect(await backend.db.query("SELECT to_regclass('posts') IS NOT NULL AS ok")).toMatchObject(
        {
          rows: [{ ok: true }],
        },
      )
    } finally {
      await backend.close()
    }
  })

  it('inlines the compiled metadata, not the schema files', async () => {
    const code = await readFile(output, 'utf8')
    // The metadata is JSON text in a string literal, its quotes escaped when the bundler re-quotes it.
    expect(code).toMatch(/\\?"?modelName\\?"?:\s*\\?"Post\\?"/)
    expect(code).not.toContain('t.belongsTo(')
  })

  it('writes the per-table SQL and the first migration, and nothing again when unchanged', async () => {
    const migrations = join(project.root, 'migrations')
    const files = (await readdir(migrations)).sort()
    expect(files).toEqual(expect.arrayContaining(['meta', 'posts.sql', 'users.sql']))
    expect(files.filter((f) => /^0001_.*\.sql$/.test(f))).toHaveLength(2)
    const before = await modificationTimes(migrations, files)
    await buildFixture(bundler, project.root)
    expect((await readdir(migrations)).sort()).toEqual(files)
    expect(await modificationTimes(migrations, files)).toEqual(before)
  })

  it('fails on an invalid schema with the validation report, writing nothing', async () => {
    const file = join(project.root, 'schemas/02_posts.ts')
    const valid = await readFile(file, 'utf8')
    await writeFile(
      file,
      valid.replace("columns: ['user_id', 'created_at']", "columns: ['author']"),
    )
    const migrations = join(project.root, 'migrations')
    const files = (await readdir(migrations)).sort()
    try {
      await expect(buildFixture(bundler, project.root)).rejects.toThrow(/02_posts\.ts[\s\S]*author/)
      expect((await readdir(migrations)).sort()).toEqual(files)
    } finally {
      await writeFile(file, valid)
    }
  })
})

describe('an esbuild build on real PostgreSQL', () => {
  it('runs the bundled models on a pg pool', async () => {
    const project = await copyFixture('blog')
    const backend = await pgBackend()
    try {
      const app = (await import(
        pathToFileURL(await buildFixture('esbuild', project.root)).href
      )) as Fixture
      expect(await app.run(backend.db)).toEqual(EXPECTED)
    } finally {
      await backend.close()
      await project.remove()
    }
  })
})

async function modificationTimes(dir: string, files: readonly string[]): Promise<number[]> {
  return Promise.all(files.map(async (f) => (await stat(join(dir, f))).mtimeMs))
}
