import { generateDts, generateTableFiles, planMigration, type TableSchema } from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

type Comments = { table?: string; title?: string; renamed?: boolean; generated?: string }
const posts = (c: Comments) => (t: TableSchema) => {
  if (c.table !== undefined) t.comment(c.table)
  t.increments({ name: 'id', primaryKey: true })
  t.string({
    name: c.renamed ? 'headline' : 'title',
    ...(c.renamed ? { renamedFrom: 'title' } : {}),
    ...(c.title === undefined ? {} : { comment: c.title }),
  })
  if (c.generated !== undefined)
    t.string({ name: 'slug', generatedAs: c.generated, comment: 'from the title' })
}
const schema = (c: Comments) => schemaOf(file('posts', posts(c)))

describe('comments', () => {
  it('writes COMMENT ON after the table, the text an escaped literal', () => {
    const text = generateTableFiles(
      schema({ table: "It's \\ the blog", title: 'Shown in lists' }),
    ).get('posts.sql')
    expect(text).toContain(
      ");\n\nCOMMENT ON TABLE posts IS 'It''s \\ the blog';\n\nCOMMENT ON COLUMN posts.title IS 'Shown in lists';\n",
    )
    expect(planMigration(null, schema({ title: 'x' })).up.at(-1)).toBe(
      "COMMENT ON COLUMN posts.title IS 'x';",
    )
  })

  it('shows a column comment in the .d.ts, on one line and unable to end the comment', () => {
    const dts = generateDts(schema({ title: 'Shown */ in\nlists' }))
    expect(dts).toContain('    /** `TEXT NOT NULL` Shown *\\/ in\\nlists */\n    title: string\n')
  })

  it('diffs added, changed and removed comments, and the down step restores them', () => {
    const none = schema({})
    const added = planMigration(none, schema({ table: 'Posts', title: 'Title' }))
    expect(added.up).toEqual([
      "COMMENT ON TABLE posts IS 'Posts';",
      "COMMENT ON COLUMN posts.title IS 'Title';",
    ])
    expect(added.down).toEqual([
      'COMMENT ON TABLE posts IS NULL;',
      'COMMENT ON COLUMN posts.title IS NULL;',
    ])
    const changed = planMigration(schema({ title: 'Title' }), schema({ title: 'Headline' }))
    expect(changed.up).toEqual(["COMMENT ON COLUMN posts.title IS 'Headline';"])
    expect(changed.down).toEqual(["COMMENT ON COLUMN posts.title IS 'Title';"])
    expect(changed.name).toBe('change_comments')
    expect(planMigration(schema({ title: 'T' }), schema({ title: 'T' })).up).toEqual([])
    // A rename keeps the comment (PostgreSQL does too): nothing to write.
    expect(planMigration(schema({ title: 'T' }), schema({ title: 'T', renamed: true })).up).toEqual(
      ['ALTER TABLE posts RENAME COLUMN title TO headline;'],
    )
  })

  it('gives a replaced column its comment again', () => {
    const plan = planMigration(
      schema({ generated: 'lower(title)' }),
      schema({ generated: 'upper(title)' }),
    )
    expect(plan.up.at(-1)).toBe("COMMENT ON COLUMN posts.slug IS 'from the title';")
    expect(plan.down?.at(-1)).toBe("COMMENT ON COLUMN posts.slug IS 'from the title';")
  })

  it('refuses a NUL character and a second t.comment()', () => {
    const messages = problemsOf(
      file('posts', (t) => {
        t.comment('one')
        t.comment('two')
        t.increments({ name: 'id', primaryKey: true, comment: 'a\0b' })
      }),
    ).map((p) => p.message)
    expect(messages).toEqual([
      'The comment contains a NUL character (\\0), which PostgreSQL cannot store.',
      't.comment() is called more than once.',
    ])
  })
})

describe('comments on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  const read = () =>
    catalogRows(
      backend,
      `SELECT obj_description(c.oid, 'pg_class') AS "table",
         col_description(c.oid, (SELECT attnum FROM pg_attribute WHERE attrelid = c.oid AND attname = 'title')) AS title
       FROM pg_class c WHERE c.relname = 'posts' AND c.relnamespace = $1::regnamespace`,
    )

  it('sets, changes and removes them, and the down steps restore them', async () => {
    await migrateUp(backend, null, schema({ table: "It's the blog" }))
    expect(await read()).toEqual([{ table: "It's the blog", title: null }])
    const change = await migrateUp(
      backend,
      schema({ table: "It's the blog" }),
      schema({ title: 'Shown in lists' }),
    )
    expect(await read()).toEqual([{ table: null, title: 'Shown in lists' }])
    await migrateDown(backend, change)
    expect(await read()).toEqual([{ table: "It's the blog", title: null }])
  })
})
