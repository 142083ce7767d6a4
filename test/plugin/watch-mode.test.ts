import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import fluentormEsbuild from '@fluentorm/unplugin/esbuild'
import fluentormRollup from '@fluentorm/unplugin/rollup'
import * as esbuild from 'esbuild'
import { type RollupWatcher, watch } from 'rollup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyFixture, type FixtureProject } from './support/fixture-project.ts'
import { waitFor } from './support/wait-for.ts'

const TAGS_SCHEMA = `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'label' })
}
`

/**
 * In watch mode each schema edit, new file and deleted file must rebuild the bundle with the
 * new models. The entry imports only the models module, so the output holds just its code.
 */
describe.each(['esbuild', 'rollup'] as const)('%s watch mode', (bundler) => {
  let project: FixtureProject
  let stop: () => Promise<void>
  const output = () => readFile(join(project.root, 'out/models.mjs'), 'utf8').catch(() => '')
  const rebuiltWith = (what: string, text: string) =>
    waitFor(what, async () => ((await output()).includes(text) ? true : undefined))

  beforeAll(async () => {
    project = await copyFixture('blog')
    await writeFile(join(project.root, 'models.js'), "export * from 'virtual:fluentorm/models'\n")
    stop =
      bundler === 'esbuild' ? await watchWithEsbuild(project.root) : watchWithRollup(project.root)
    await rebuiltWith('the first build', '"Post"')
  })

  afterAll(async () => {
    await stop?.()
    await project?.remove()
  })

  it('rebuilds when a schema file changes', async () => {
    await project.edit('schemas/01_users.ts', (text) =>
      text.replace(
        '  t.timestamps()',
        "  t.string({ name: 'phone', nullable: true })\n  t.timestamps()",
      ),
    )
    await rebuiltWith('the phone column', '"phone"')
  })

  it('rebuilds when a schema file is added, and when it is deleted', async () => {
    await writeFile(join(project.root, 'schemas/03_tags.ts'), TAGS_SCHEMA)
    await rebuiltWith('the Tag model', '"Tag"')
    await rm(join(project.root, 'schemas/03_tags.ts'))
    // The output is empty while the bundler rewrites it: wait for a whole bundle without Tag.
    await waitFor('Tag to go', async () => {
      const text = await output()
      return text.includes('"Post"') && !text.includes('"Tag"') ? true : undefined
    })
    expect(await output()).toContain('"Post"')
  })
})

async function watchWithEsbuild(root: string): Promise<() => Promise<void>> {
  const context = await esbuild.context({
    absWorkingDir: root,
    entryPoints: ['models.js'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: join(root, 'out/models.mjs'),
    external: ['@fluentorm/runtime'],
    logLevel: 'silent',
    plugins: [fluentormEsbuild()],
  })
  await context.watch()
  return () => context.dispose()
}

function watchWithRollup(root: string): () => Promise<void> {
  const watcher: RollupWatcher = watch({
    input: join(root, 'models.js'),
    plugins: [
      fluentormRollup({
        schemas: join(root, 'schemas'),
        migrations: join(root, 'migrations'),
        dts: join(root, 'fluentorm.d.ts'),
      }),
    ],
    external: ['@fluentorm/runtime'],
    output: { file: join(root, 'out/models.mjs'), format: 'es' },
    onwarn: () => undefined,
  })
  let building = true
  watcher.on('event', (event) => {
    if (event.code === 'START') building = true
    if (event.code === 'END' || event.code === 'ERROR') building = false
    if ('result' in event && event.result) void event.result.close()
  })
  // A build still writing migrations/ when the test removes the project would race it.
  return async () => {
    await waitFor('rollup to finish building', () => (building ? undefined : true))
    await watcher.close()
  }
}
