import { execFile } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { generateDts, type TableSchema } from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { file, problemsOf, ROOT, schemaOf, tempProject } from './support/schema-fixtures.ts'

const run = promisify(execFile)
const TSC = resolve(ROOT, 'node_modules/.bin/tsc')

const profiles = (t: TableSchema) => {
  t.uuid({ name: 'id', primaryKey: true })
  t.jsonb({ name: 'prefs', tsType: '{ theme: string; fontSize?: number }', defaultValue: '{}' })
  t.jsonb({ name: 'layout', nullable: true, tsType: { import: './layout', name: 'Layout' } })
  t.json({ name: 'tags', array: true, tsType: "'a' | 'b'", defaultValue: '{}' })
  t.custom({ name: 'embedding', type: 'vector(3)', nullable: true, tsType: 'number[]' })
}

const USAGE = `import type { Executor } from '@fluentorm/runtime'
import { Profile, type ProfileRow } from 'virtual:fluentorm/models'

export async function theme(db: Executor): Promise<string> {
  const row: ProfileRow = await Profile.insert(db, { prefs: { theme: 'dark' }, layout: { columns: 2 }, tags: ['a'] })
  await Profile.update(db, row.id, { prefs: { theme: 'light', fontSize: 12 } })
  const columns: number | undefined = row.layout?.columns
  const embedding: number[] | null = row.embedding
  return row.prefs.theme + String(columns) + String(embedding) + row.tags.join()
}
`

const MISTAKES = `import type { Executor } from '@fluentorm/runtime'
import { Profile } from 'virtual:fluentorm/models'

export async function mistakes(db: Executor): Promise<void> {
  await Profile.insert(db, { prefs: { theme: 1 } })
  const row = await Profile.insert(db, { prefs: { theme: 'x' }, tags: ['c'] })
  const size: string = row.prefs.fontSize
  console.log(size)
}
`

describe('tsType on json, jsonb and custom columns under tsc', () => {
  let root: string
  beforeAll(async () => {
    root = await tempProject(
      {
        'fluentorm.d.ts': generateDts(schemaOf(file('profiles', profiles))),
        'layout.ts': 'export interface Layout { columns: number }\n',
        'usage.ts': USAGE,
        'mistakes.ts': MISTAKES,
      },
      true,
    )
  })
  afterAll(() => rm(root, { recursive: true, force: true }))

  const typecheck = async (entry: string) => {
    const tsconfig = {
      extends: resolve(ROOT, 'tsconfig.base.json'),
      include: [entry, 'fluentorm.d.ts'],
    }
    await writeFile(join(root, 'tsconfig.json'), JSON.stringify(tsconfig))
    return run(TSC, ['-p', join(root, 'tsconfig.json'), '--noEmit'], { cwd: root }).then(
      () => '',
      (error: { stdout: string }) => error.stdout || String(error),
    )
  }

  it('types rows and inputs with the expression and with the imported type', async () => {
    expect(await typecheck('usage.ts')).toBe('')
  })

  it('makes a value of another type a compile error', async () => {
    const output = await typecheck('mistakes.ts')
    expect(output).toMatch(/mistakes\.ts\(5,\d+\): error TS2322/)
    expect(output).toMatch(/mistakes\.ts\(6,\d+\): error TS2322/)
    expect(output).toMatch(/mistakes\.ts\(7,\d+\): error TS2322/)
  })
})

describe('tsType checks', () => {
  it('refuses text that would not stay one type expression', () => {
    const messages = (tsType: unknown) =>
      problemsOf(
        file('profiles', (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.jsonb({ name: 'prefs', tsType: tsType as string })
        }),
      ).map((p) => p.message)
    expect(messages('string }\n  export const x: 1')).toEqual([
      'The tsType has a newline, a backtick, a backslash or a comment.',
    ])
    expect(messages('{ a: string } } declare const x: {')).toEqual([
      'The tsType has unbalanced brackets.',
    ])
    expect(messages("'a")).toEqual(['The tsType has unbalanced brackets or quotes.'])
    expect(messages({ import: "x'); evil('", name: 'T' })).toEqual([
      'The tsType import needs a module path and an exported type name.',
    ])
    expect(messages('')).toEqual(['The tsType is not a TypeScript type.'])
    expect(
      problemsOf(
        file('profiles', (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.string({ name: 'x', tsType: 'number' } as never)
        }),
      ).map((p) => p.message),
    ).toEqual(["Unknown option 'tsType' on a text column."])
  })

  it('accepts generics, functions, tuples and unions', () => {
    for (const tsType of ['Record<string, number>', '() => void', '[number, string]', 'A | B[]'])
      expect(
        schemaOf(
          file('profiles', (t) => {
            t.uuid({ name: 'id', primaryKey: true })
            t.jsonb({ name: 'prefs', tsType })
          }),
        ).tables[0]?.columns[1]?.tsType,
      ).toBe(tsType)
  })
})
