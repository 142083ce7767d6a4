import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { formatProblems } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { main } from '../../packages/cli/src/main.ts'
import { file, problemsOf, schemaOf, tempProject } from './support/schema-fixtures.ts'

const id = (t: Parameters<Parameters<typeof file>[1]>[0]) =>
  t.uuid({ name: 'id', primaryKey: true })

describe('a table name is the file name migrations/<table>.sql', () => {
  it.each(['../escaped', 'a/b', 'a\\b', 'tab\tname'])(
    'refuses %j, naming the file and table',
    (name) => {
      const problems = problemsOf(file(name, id))
      expect(problems).toHaveLength(1)
      expect(problems[0]).toMatchObject({ table: name, file: expect.stringContaining('schemas/') })
      expect(formatProblems(problems)).toMatch(/path separator or a control character/)
    },
  )

  it('accepts names PostgreSQL quotes but a file system takes as they are', () => {
    expect(schemaOf(file('v1.2_events', id), file('Order Lines', id, 2)).tables).toHaveLength(2)
  })

  it('generate writes nothing for a name that climbs out of migrations/', async () => {
    const dir = await tempProject({
      'project/schemas/01_evil.ts': `export const tableName = '../../escaped'\nexport function build(t) { t.uuid({ name: 'id', primaryKey: true }) }\n`,
    })
    const out: string[] = []
    const io = { cwd: join(dir, 'project'), out: (text: string) => out.push(text) }
    const code = await main(['generate'], { ...io, err: io.out })
    expect(code).toBe(1)
    expect(out.join('')).toMatch(/path separator[\s\S]*Nothing was written/)
    expect(await readdir(dir)).toEqual(['project'])
    expect(await readdir(join(dir, 'project'))).toEqual(['schemas'])
  })
})
