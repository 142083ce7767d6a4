import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { Model } from '@fluentorm/runtime'
import fluentorm from '@fluentorm/unplugin/vite'
import type { ViteDevServer } from 'vite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureLog, ssrImport, startDevServer, writeFirstBuild } from './support/dev-server.ts'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { waitFor } from './support/wait-for.ts'

type Models = Record<string, Model<any>> & { models: Record<string, Model<any>> }

const PHONE_LINE = "  t.string({ name: 'phone', nullable: true })\n"
const TAGS_SCHEMA = `import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'label' })
}
`

describe('the Vite dev server', () => {
  let project: FixtureProject
  let server: ViteDevServer
  const { logger, errors, infos } = captureLog()

  const importModels = () => ssrImport<Models>(server, 'virtual:fluentorm/models')
  const columnsOf = (model: Model<any> | undefined) => model?.meta.table.columns.map((c) => c.name)
  const schemaFile = (name: string) => join(project.root, 'schemas', name)
  const editSchema = (name: string, edit: (text: string) => string) =>
    project.edit(`schemas/${name}`, edit)

  beforeAll(async () => {
    project = await copyFixture('blog')
    await writeFirstBuild(project.root)
    // The models alone: the dev database has its own test (dev-database.test.ts).
    server = await startDevServer(project.root, {
      logger,
      plugins: [fluentorm({ devDatabase: false })],
    })
  })

  afterAll(async () => {
    await server?.close()
    await project?.remove()
  })

  it('serves the models and writes the .d.ts at start', async () => {
    const { models } = await importModels()
    expect(Object.keys(models)).toEqual(['User', 'Post'])
    expect(await readFile(join(project.root, 'fluentorm.d.ts'), 'utf8')).toContain(
      'export const Post: Model<PostTypes>',
    )
  })

  it('adds a column on save, usable on the next import, and prints the pending SQL', async () => {
    await editSchema('01_users.ts', (text) =>
      text.replace('  t.timestamps()\n', `${PHONE_LINE}  t.timestamps()\n`),
    )
    const { User } = await waitFor('the phone column', async () => {
      const models = await importModels()
      return columnsOf(models.User)?.includes('phone') ? models : undefined
    })
    const db = await PGlite.create()
    try {
      await User!.createTable(db)
      const ada = await User!.insert(db, { email: 'ada@example.com', name: 'Ada', phone: '+44 20' })
      expect((await User!.findById(db, ada.id))?.phone).toBe('+44 20')
    } finally {
      await db.close()
    }
    expect(await readFile(join(project.root, 'fluentorm.d.ts'), 'utf8')).toContain(
      'phone: string | null',
    )
    expect(infos.join('\n')).toMatch(
      /pending migration add_phone_to_users .*\nALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;(\n|$)/m,
    )
  })

  it('picks up an added schema file, follows a rename, and forgets it when deleted', async () => {
    await writeFile(schemaFile('03_tags.ts'), TAGS_SCHEMA)
    await waitFor('the Tag model', async () => ((await importModels()).Tag ? true : undefined))
    // The table name comes from the file name: renaming the file renames the model.
    await rename(schemaFile('03_tags.ts'), schemaFile('03_labels.ts'))
    await waitFor('Label instead of Tag', async () => {
      const models = await importModels()
      return models.Label && !models.Tag ? true : undefined
    })
    await rm(schemaFile('03_labels.ts'))
    await waitFor('Label to go', async () => ((await importModels()).Label ? undefined : true))
    expect(Object.keys((await importModels()).models)).toEqual(['User', 'Post'])
  })

  it('reports a broken schema, keeps serving the last good models, and recovers', async () => {
    const before = columnsOf((await importModels()).Post)
    // What the browser's error overlay receives.
    const overlay: unknown[] = []
    server.environments.client.hot.send = (payload: unknown) => void overlay.push(payload)
    await editSchema('02_posts.ts', (text) =>
      text.replace("columns: ['user_id', 'created_at']", "columns: ['user_idd']"),
    )
    const report = await waitFor('the validation report', () =>
      errors.find((e) => e.includes('user_idd')),
    )
    expect(report).toContain('02_posts.ts')
    expect(overlay).toContainEqual({
      type: 'error',
      err: expect.objectContaining({ message: expect.stringContaining('user_idd') }),
    })
    expect(columnsOf((await importModels()).Post)).toEqual(before)

    await editSchema('02_posts.ts', (text) =>
      text
        .replace("columns: ['user_idd']", "columns: ['user_id']")
        .replace(
          '  t.timestamps()\n',
          "  t.text({ name: 'body', nullable: true })\n  t.timestamps()\n",
        ),
    )
    await waitFor('the fixed schema', async () =>
      columnsOf((await importModels()).Post)?.includes('body') ? true : undefined,
    )
    // The page reloads, which clears the overlay.
    expect(overlay).toContainEqual(expect.objectContaining({ type: 'full-reload' }))
  })

  it('reports a syntax error as one problem, once prefixed, and prints the recovery', async () => {
    errors.length = 0
    infos.length = 0
    const overlay: any[] = []
    server.environments.client.hot.send = (payload: unknown) => void overlay.push(payload)
    const original = await readFile(schemaFile('01_users.ts'), 'utf8')
    await editSchema('01_users.ts', (text) =>
      text.replace("t.string({ name: 'name' })", "t.string({ name: 'name' )"),
    )
    const report = await waitFor('the syntax error', () =>
      errors.find((e) => e.includes('01_users.ts')),
    )
    expect(report).toContain('1 problem in the schema')
    expect(report).toMatch(
      /schemas\/01_users\.ts:\d+:\d+\n {2}The file cannot be evaluated: Expected/,
    )
    expect(report).not.toContain('02_posts.ts')
    expect(report.startsWith('[fluentorm] 1 problem')).toBe(true)
    expect(overlay.filter((p) => p.type === 'error')).toHaveLength(1)
    expect(overlay[0].err.message).not.toContain('fluentorm] fluentorm:')

    await writeFile(schemaFile('01_users.ts'), original)
    await waitFor('the recovery', () =>
      infos.find((i) => i.includes('the schemas are valid again')),
    )
    await new Promise((resolve) => setTimeout(resolve, 300))
    // One page reload for the fix, which also clears the overlay.
    expect(overlay.filter((p) => p.type === 'full-reload')).toHaveLength(1)
    for (const line of [...errors, ...infos]) expect(line).not.toContain('\0')
  })

  it('reloads the bundled migrations when a migration file is written meanwhile', async () => {
    const names = async () =>
      (
        await ssrImport<{ migrations: { name: string }[] }>(server, 'virtual:fluentorm/migrations')
      ).migrations.map((m) => m.name)
    expect(await names()).toEqual(['0001_create_users_and_posts'])
    await writeFile(
      join(project.root, 'migrations/0002_add_tags.sql'),
      'CREATE TABLE tags (id int);\n',
    )
    await waitFor('the new migration', async () =>
      (await names()).includes('0002_add_tags') ? true : undefined,
    )
  })
})
