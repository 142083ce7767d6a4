import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { generateDts, loadSchemas } from '@fluentorm/core'
import { DEFAULT_OPTIONS, resolveOptions } from '@fluentorm/unplugin'
import { describe, expect, it } from 'vitest'

const REPO = resolve(import.meta.dirname, '../..')
const doc = await readFile(resolve(REPO, 'docs/PLUGIN.md'), 'utf8')

/** Text with each line trimmed and runs of spaces collapsed: the formatter realigns the doc. */
const normalise = (text: string) =>
  text
    .split('\n')
    .map((line) => line.trim().replace(/ +/g, ' '))
    .join('\n')

/** The fenced block that follows `marker` in the doc. */
function blockAfter(marker: string): string {
  const start = doc.indexOf(marker)
  const match = /```\w*\n([\s\S]*?)```/.exec(doc.slice(start))
  if (start < 0 || match?.[1] === undefined) throw new Error(`no code block after ${marker}`)
  return match[1]
}

describe('docs/PLUGIN.md', () => {
  it('lists every option with its default', () => {
    for (const [option, value] of Object.entries(DEFAULT_OPTIONS)) {
      expect(normalise(doc)).toContain(`| \`${option}\` | \`'${value}'\` |`)
    }
  })

  it('shows what resolveOptions returns', () => {
    expect(blockAfter('`resolveOptions` (exported')).toContain(
      "resolveOptions({ schemas: '../schemas' }, '/app/playground')",
    )
    expect(resolveOptions({ schemas: '../schemas' }, '/app/playground')).toEqual({
      root: '/app/playground',
      schemasDir: '/app/schemas',
      migrationsDir: '/app/playground/migrations',
      dtsFile: '/app/playground/fluentorm.d.ts',
      url: null,
      devDatabase: true,
      seedsDir: '/app/playground/seeds',
      studio: true,
      slowQueryMs: 200,
      repeatedQueries: 5,
    })
    expect(blockAfter('`resolveOptions` (exported')).toContain("seedsDir: '/app/playground/seeds'")
  })

  it("shows the declarations generated for the guide's users table", async () => {
    const result = await loadSchemas({
      schemasDir: resolve(REPO, 'test/plugin/fixtures/blog/schemas'),
    })
    if (!result.ok) throw new Error('the fixture schemas do not compile')
    expect(normalise(generateDts(result.schema))).toContain(
      normalise(blockAfter("For the guide's `users` table:")),
    )
  })

  it('shows the Vite configuration the playground uses', async () => {
    const config = await readFile(resolve(REPO, 'playground/vite.config.ts'), 'utf8')
    const documented = blockAfter('### Vite')
    expect(documented).toContain(
      "fluentorm({ schemas: '../schemas', migrations: '../migrations' })",
    )
    expect(config).toContain("fluentorm({ schemas: '../schemas', migrations: '../migrations' })")
  })

  it('shows the fixture application the bundler tests build', async () => {
    const app = await readFile(resolve(REPO, 'test/plugin/fixtures/blog/main.js'), 'utf8')
    const lines = blockAfter('One export per model').split('\n').slice(2).filter(Boolean)
    for (const line of lines) expect(app).toContain(line.trim())
  })
})
