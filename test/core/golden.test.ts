import { readFile, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { generateTableFiles } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { loadValid, ROOT } from './support/schema-fixtures.ts'

// UPDATE_GOLDEN=1 rewrites the golden files; review the diff before committing it.
const update = process.env.UPDATE_GOLDEN === '1'

describe('golden SQL', async () => {
  const files = generateTableFiles(await loadValid('test/core/fixtures/golden'))

  it('covers every fixture table, in creation order', () => {
    expect([...files.keys()]).toEqual([
      'accounts.sql',
      'groups.sql',
      'accounts_groups.sql',
      'profiles.sql',
      'order.sql',
    ])
  })

  for (const [name, content] of files) {
    it(`${name} matches test/core/golden/${name}`, async () => {
      const path = resolve(ROOT, 'test/core/golden', name)
      if (update) await writeFile(path, content)
      expect(content).toBe(await readFile(path, 'utf8'))
    })
  }
})

describe('the example in schemas/', async () => {
  const files = generateTableFiles(await loadValid('schemas'))

  it('generates exactly the committed migrations/<table>.sql files', async () => {
    expect([...files.keys()]).toEqual(['users.sql', 'posts.sql', 'comments.sql'])
    for (const [name, content] of files) {
      expect(content, name).toBe(await readFile(resolve(ROOT, 'migrations', name), 'utf8'))
    }
  })

  it('is byte-identical when generated again', async () => {
    const again = generateTableFiles(await loadValid('schemas'))
    expect([...again]).toEqual([...files])
  })
})
