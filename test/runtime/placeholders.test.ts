import { type FluentOrmError, placeholder, sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { recording } from '../support/recording-driver.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * A query kept in a const with placeholders renders once and runs as one named statement;
 * each run binds its own values, checked against hand-written SQL.
 */
describe.each(BACKENDS)('placeholders on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Post } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    const ann = await User.insert(db, { email: 'ann@example.com', name: 'Ann' })
    const bob = await User.insert(db, { email: 'bob@example.com', name: 'Bob' })
    for (const [title, user] of [
      ['one', ann],
      ['two', ann],
      ['three', bob],
    ] as const) {
      await Post.insert(db, { title, user_id: user.id })
    }
  })
  afterAll(() => backend.close())

  const byTitle = Post.query()
    .select('title', 'user_id')
    .where('title', placeholder('title'))
    .include('author', (q) => q.select('name'))
  const byAuthor = Post.query()
    .select('title')
    .where('user_id', '=', placeholder('author'))
    .orWhere('title', 'like', placeholder('pattern'))
    .orderBy('title')

  it('binds each run its own values, one statement text for all', async () => {
    const texts: string[] = []
    const traced = recording(toDriver(db), texts)
    for (const title of ['one', 'three', 'none']) {
      const row = await byTitle.first(traced, { title })
      const [expected] = await hand(
        `SELECT p.title, p.user_id, u.name FROM posts p JOIN users u ON u.id = p.user_id
         WHERE p.deleted_at IS NULL AND p.title = $1`,
        [title],
      )
      expect(row && { title: row.title, user_id: row.user_id, name: row.author?.name }).toEqual(
        expected ?? null,
      )
    }
    expect(new Set(texts).size).toBe(1)
    // Only the title's placeholder: the include's LIMIT 1 is written into the SQL.
    expect(byTitle.toSQL().values.length).toBe(1)
  })

  it('takes several placeholders and keeps the condition grouping', async () => {
    const [ann] = await hand(`SELECT id FROM users WHERE name = 'Ann'`)
    const rows = await byAuthor.fetch(db, { author: ann!.id as string, pattern: 't%' })
    expect(rows).toEqual(
      await hand(
        `SELECT title FROM posts WHERE deleted_at IS NULL AND (user_id = $1 OR title LIKE $2) ORDER BY title`,
        [ann!.id, 't%'],
      ),
    )
    expect(await byAuthor.count(db, { author: ann!.id as string, pattern: 'x' })).toBe(2)
    expect(await byAuthor.exists(db, { author: ann!.id as string, pattern: 'x' })).toBe(true)
  })

  it('takes placeholders from groups, relation filters and relation values', async () => {
    const kept = User.query()
      .select('name')
      .where((q) => q.where('name', placeholder('name')).orWhere('email', placeholder('email')))
      .whereHas('posts', (q) => q.where('title', '<>', placeholder('not')))
      .withExists('posts', { as: 'wrote', where: (q) => q.where('title', placeholder('title')) })
      .orderBy('name')
    const texts: string[] = []
    const db1 = recording(toDriver(db), texts)
    const a = await kept.fetch(db1, {
      name: 'Ann',
      email: 'bob@example.com',
      not: 'x',
      title: 'one',
    })
    const b = await kept.fetch(db1, { name: 'Ann', email: 'nobody', not: 'one', title: 'three' })
    expect(a).toEqual([
      { name: 'Ann', wrote: true },
      { name: 'Bob', wrote: false },
    ])
    expect(b).toEqual([{ name: 'Ann', wrote: false }])
    expect(new Set(texts).size).toBe(1)
    await expectRefused(
      () => kept.fetch(db, { name: 'Ann', email: 'e', not: 'x' } as never),
      /title/,
    )
  })

  it('refuses a missing value, a value for no placeholder, and an empty name', async () => {
    const attempts: [() => Promise<unknown> | unknown, RegExp][] = [
      [() => byTitle.fetch(db, {} as never), /placeholder "title" has no value/],
      [() => byTitle.fetch(db, { title: 'one', titel: 'x' } as never), /no placeholder "titel"/],
      [() => (byTitle.fetch as (db: unknown) => unknown)(db), /placeholder "title" has no value/],
      [() => Post.query().fetch(db, { x: 1 } as never), /has no placeholders/],
      [() => placeholder('' as string), /non-empty string/],
    ]
    for (const [run, message] of attempts) await expectRefused(run, message)
  })

  it('reads values by own keys only', async () => {
    const inherited = Object.create({ title: 'one' })
    const error = await byTitle.fetch(db, inherited).catch((e: unknown) => e)
    expect((error as FluentOrmError).message).toMatch(/placeholder "title" has no value/)
  })

  it('binds placeholders in a sql statement', async () => {
    const statement = sql<{
      n: number
    }>`SELECT count(*)::int AS n FROM posts WHERE title <> ${placeholder('title')}`
    expect(await statement.first(db, { title: 'one' })).toEqual({ n: 2 })
  })
})
