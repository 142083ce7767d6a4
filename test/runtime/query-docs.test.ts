import { readFileSync } from 'node:fs'
import { placeholder, sql, toDriver } from '@fluentorm/runtime'
import { transformSync } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { type Backend, pgliteBackend } from '../support/backends.ts'
import { recording } from '../support/recording-driver.ts'

/**
 * The docs cannot drift: every ```ts block of docs/MODELS.md, QUERY.md and RELATIONSHIPS.md
 * that is directly followed by a ```sql block is run (in a rolled-back transaction, with
 * `db`, `sql`, `placeholder`, the blog models, `user` and `post` in scope), and the statements it sends must be
 * exactly the SQL block's statements (`;`-separated, whitespace-insensitive, `--` comments
 * ignored).
 */
const DOCS = ['docs/MODELS.md', 'docs/QUERY.md', 'docs/RELATIONSHIPS.md']
const root = new URL('../../', import.meta.url)

interface Example {
  readonly doc: string
  readonly line: number
  readonly code: string
  readonly sql: string[]
}

function examples(doc: string): Example[] {
  const text = readFileSync(new URL(doc, root), 'utf8')
  const pattern = /```ts\n((?:(?!```)[\s\S])*)```\n+```sql\n((?:(?!```)[\s\S])*)```/g
  return [...text.matchAll(pattern)].map((match) => ({
    doc,
    line: text.slice(0, match.index).split('\n').length,
    code: match[1]!,
    sql: statements(match[2]!.replace(/^\s*--.*$/gm, '')),
  }))
}

function statements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((statement) =>
      statement.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim(),
    )
    .filter(Boolean)
}

const AsyncFunction = (async () => {}).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<unknown>

const rollback = new Error('rollback')

describe('doc examples run the SQL the docs show', () => {
  const models = blogModels()
  let backend: Backend

  beforeAll(async () => {
    backend = await pgliteBackend()
    await createBlogTables(backend.db, models)
  })
  afterAll(() => backend.close())

  const all = DOCS.flatMap(examples)
  it('finds examples in every doc', () => {
    for (const doc of DOCS) expect(all.some((example) => example.doc === doc)).toBe(true)
  })

  it.each(all.map((example) => [`${example.doc}:${example.line}`, example] as const))(
    '%s',
    async (_, example) => {
      const texts: string[] = []
      await toDriver(backend.db)
        .transaction(async (tx) => {
          const user = await models.User.insert(tx, { email: 'ann@example.com', name: 'Ann' })
          const post = await models.Post.insert(tx, { title: 'Hello', user_id: user.id })
          const names = ['db', 'sql', 'placeholder', 'user', 'post', ...Object.keys(models)]
          // Examples are TypeScript (`sql<Date>`…): type annotations are stripped first.
          const code = transformSync(example.code, { loader: 'ts', format: 'esm' }).code
          const run = new AsyncFunction(...names, code)
          await run(recording(tx, texts), sql, placeholder, user, post, ...Object.values(models))
          throw rollback
        })
        .catch((error: unknown) => {
          if (error !== rollback) throw error
        })
      expect(texts.flatMap(statements)).toEqual(example.sql)
    },
  )
})
