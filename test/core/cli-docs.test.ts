import { readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { loadConfig } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { COMMANDS } from '../../packages/cli/src/command-list.ts'
import { CONFIG_KEYS } from '../../packages/core/src/config/define-config.ts'
import { ROOT, tempProject } from './support/schema-fixtures.ts'

const doc = await readFile(resolve(ROOT, 'docs/CLI.md'), 'utf8')

/** The part of the doc under `## heading`, up to the next `## `. */
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`)
  if (start < 0) throw new Error(`docs/CLI.md has no section ## ${heading}`)
  const end = doc.indexOf('\n## ', start + 1)
  return doc.slice(start, end < 0 ? undefined : end)
}

describe('docs/CLI.md', () => {
  it('has a section for every command, naming each flag its help names', () => {
    const common = section('Flags every command takes')
    for (const command of COMMANDS) {
      const own = section(`fluentorm ${command.name}`)
      for (const flag of new Set(command.usage.match(/--[a-z-]+/g))) {
        expect(`${own}${common}`, `${command.name} ${flag}`).toContain(`\`${flag}`)
      }
    }
  })

  it('documents every config key, and its example is a config that loads', async () => {
    const config = section('Configuration: fluentorm.config.ts')
    for (const key of Object.keys(CONFIG_KEYS)) expect(config).toContain(`| \`${key}\``)
    const example = /```ts\n([\s\S]*?)```/.exec(config)?.[1] ?? ''
    // Inside the repository, so that its import of @fluentorm/core resolves.
    const dir = await tempProject({}, true)
    try {
      await writeFile(join(dir, 'fluentorm.config.ts'), example)
      expect(loadConfig({ from: dir })?.config).toEqual({
        schemas: join(dir, 'schemas'),
        migrations: join(dir, 'migrations'),
        dts: join(dir, 'fluentorm.d.ts'),
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
