import { FluentOrmError, sql, toDriver, transaction } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'

type Row = Record<string, unknown>

/**
 * `sql` fragments in every clause position and as whole statements, each result checked
 * against the same query written by hand, on real PostgreSQL and on PGlite.
 */
describe.each(BACKENDS)('sql fragments on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Post, Comment } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows
  let ann: { id: string }
  let bob: { id: string }

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    ann = await User.insert(db, { email: 'ann@example.com', name: 'Ann' })
    bob = await User.insert(db, { email: 'bob@example.com', name: 'bob' })
    const posts = [
      { title: 'Hello SQL', user_id: ann.id, is_published: true },
      { title: 'Second post', user_id: ann.id, is_published: false },
      { title: 'bob writes', user_id: bob.id, is_published: true },
    ]
    for (const post of posts) {
      const row = await Post.insert(db, post)
      for (let i = 0; i < posts.indexOf(post) + 1; i++) {
        await Comment.insert(db, {
          post_id: row.id,
          user_id: bob.id,
          content: `c${i}`,
          likes: BigInt(i) * 4_000_000_000_000_000n,
          score: `${9 + i}.50`,
        })
      }
    }
    await hand(`UPDATE posts SET view_count = length(title) * 3`)
  })
  afterAll(() => backend.close())

  it('takes a boolean fragment as a where condition, values bound', async () => {
    const query = Post.query()
      .select('title')
      .where(sql`${Post.column('view_count')} > ${30} AND ${Post.column('title')} <> ${'x'}`)
      .orderBy('title')
    expect(query.toSQL().text).toContain('"posts"."view_count" > $1 AND "posts"."title" <> $2')
    expect(await query.fetch(db)).toEqual(
      await hand(
        `SELECT title FROM posts WHERE deleted_at IS NULL AND view_count > 30 ORDER BY title`,
      ),
    )
  })

  it('compares a fragment with a value and ORs fragments, the soft-delete filter kept', async () => {
    const rows = await Post.query()
      .select('title')
      .where(sql`lower(${Post.column('title')})`, 'like', 'bob%')
      .orWhere(sql`${Post.column('view_count')} = ${0}`)
      .fetch(db)
    expect(rows).toEqual(
      await hand(
        `SELECT title FROM posts WHERE deleted_at IS NULL AND (lower(title) LIKE 'bob%' OR view_count = 0)`,
      ),
    )
  })

  it('keeps the soft-delete filter over a fragment holding OR', async () => {
    const gone = await Post.insert(db, { title: 'Gone', user_id: bob.id })
    await Post.softDelete(db, gone.id)
    const query = Post.query().where(sql`${Post.column('title')} = ${'Gone'} OR ${true}`)
    expect(query.toSQL().text).toContain('IS NULL AND ("posts"."title" = $1 OR $2)')
    expect(await query.count(db)).toBe(3)
    expect(
      await Post.query().where(sql`${true} OR ${true}`).orWhere('title', 'Gone').count(db),
    ).toBe(3)
    await Post.hardDelete(db, gone.id)
  })

  it('compares a column with a fragment instead of a value', async () => {
    const rows = await Post.query()
      .select('title')
      .where('view_count', '<', sql`length(${Post.column('title')}) * ${4}`)
      .orderBy('title')
      .fetch(db)
    expect(rows.length).toBe(3)
    expect(rows).toEqual(
      await hand(
        `SELECT title FROM posts WHERE deleted_at IS NULL AND view_count < length(title) * 4 ORDER BY title`,
      ),
    )
  })

  it('selects, groups and orders by fragments, typed by the fragment', async () => {
    const rows = await Post.query()
      .select({
        initial: sql<string>`upper(left(${Post.column('title')}, 1))`,
        views: sql<number>`sum(${Post.column('view_count')})::int`,
      })
      .groupBy(sql`upper(left(${Post.column('title')}, 1))`)
      .having(sql`count(*) >= ${1}`)
      .orderBy(sql`sum(${Post.column('view_count')})`, 'desc')
      .fetch(db)
    const initial: string | undefined = rows[0]?.initial
    expect(typeof initial).toBe('string')
    expect(rows).toEqual(
      await hand(
        `SELECT upper(left(title, 1)) AS initial, sum(view_count)::int AS views FROM posts
         WHERE deleted_at IS NULL GROUP BY upper(left(title, 1)) HAVING count(*) >= 1
         ORDER BY sum(view_count) DESC`,
      ),
    )
  })

  it('orders by a fragment with nulls placed', async () => {
    const rows = await Comment.query()
      .select('content', 'score')
      .orderBy(sql`${Comment.column('score')} * ${-1}`, 'asc', 'last')
      .orderBy('content')
      .fetch(db)
    expect(rows).toEqual(
      await hand(
        `SELECT content, score FROM comments WHERE deleted_at IS NULL
         ORDER BY score * -1 ASC NULLS LAST, content ASC`,
      ),
    )
  })

  it('correlates Model.column inside a fragment with the outer query', async () => {
    const rows = await Post.query()
      .select({
        title: 'title',
        comments: sql<number>`(SELECT count(*)::int FROM comments WHERE ${Comment.column('post_id')} = ${Post.column('id')})`,
      })
      .orderBy('title')
      .fetch(db)
    expect(rows).toEqual(
      await hand(
        `SELECT title, (SELECT count(*)::int FROM comments c WHERE c.post_id = p.id) AS comments
         FROM posts p WHERE p.deleted_at IS NULL ORDER BY title`,
      ),
    )
  })

  it('splices a query interpolated into a fragment as a subquery, correlated', async () => {
    const commented = Comment.query().whereColumn('post_id', '=', Post.column('id'))
    const rows = await Post.query()
      .select('title')
      .where(sql`EXISTS ${commented} AND ${Post.column('is_published')} = ${true}`)
      .orderBy('title')
      .fetch(db)
    expect(rows).toEqual(
      await hand(
        `SELECT title FROM posts p WHERE p.deleted_at IS NULL AND EXISTS
         (SELECT 1 FROM comments c WHERE c.deleted_at IS NULL AND c.post_id = p.id) AND p.is_published
         ORDER BY title`,
      ),
    )
  })

  it('renumbers the parameters of nested fragments and of sql.join', async () => {
    const low = sql`${Post.column('view_count')} >= ${10}`
    const high = sql`${Post.column('view_count')} <= ${1000}`
    const titled = sql`${Post.column('title')} <> ${'none'}`
    const query = Post.query()
      .select('title')
      .where('is_published', true)
      .where(sql`(${sql.join([low, high, titled], sql` AND `)})`)
      .orderBy('title')
    const { text, values } = query.toSQL()
    expect(text).toContain(
      '("posts"."view_count" >= $2 AND "posts"."view_count" <= $3 AND "posts"."title" <> $4)',
    )
    expect(values).toEqual([true, 10, 1000, 'none'])
    expect(await query.fetch(db)).toEqual(
      await hand(
        `SELECT title FROM posts WHERE deleted_at IS NULL AND is_published
         AND view_count BETWEEN 10 AND 1000 ORDER BY title`,
      ),
    )
  })

  it('writes fragments as update values, by id and by condition', async () => {
    const post = (await Post.query().where('title', 'Second post').first(db))!
    const updated = await Post.update(db, post.id, {
      view_count: sql`${Post.column('view_count')} + ${1}`,
      title: 'Second post',
    })
    expect(updated?.view_count).toBe(post.view_count + 1)
    const count = await Post.query()
      .where('user_id', ann.id)
      .update(db, { view_count: sql`${Post.column('view_count')} * ${2}` })
    expect(count).toBe(2)
    const [after] = await hand(`SELECT view_count FROM posts WHERE id = $1`, [post.id])
    expect(after?.view_count).toBe((post.view_count + 1) * 2)
  })

  it('writes a fragment as an insert value', async () => {
    const user = await User.insert(db, {
      email: sql<string>`lower(${'CAROL@Example.com'})`,
      name: 'Carol',
    })
    expect(user.email).toBe('carol@example.com')
    await User.hardDelete(db, user.id)
  })

  it('runs a whole statement with fetch and first, decoded like model rows', async () => {
    const rows = await sql<Row>`SELECT ${42n}::int8 AS big, ${'12.50'}::numeric AS num,
      ${new Date('2024-05-06T07:08:09.123Z')}::timestamptz AS at, ${JSON.stringify({ a: [1] })}::jsonb AS doc,
      '\\x0aff'::bytea AS bytes, ARRAY[1, 2]::int4[] AS ints, NULL::text AS nothing`.fetch(db)
    expect(rows).toEqual([
      {
        big: 42n,
        num: '12.50',
        at: new Date('2024-05-06T07:08:09.123Z'),
        doc: { a: [1] },
        bytes: new Uint8Array([10, 255]),
        ints: [1, 2],
        nothing: null,
      },
    ])
    const first = await sql<{
      name: string
    }>`SELECT name FROM users WHERE ${User.column('email')} = ${'bob@example.com'}`.first(db)
    expect(first).toEqual({ name: 'bob' })
    expect(await sql`SELECT 1 WHERE false`.first(db)).toBeNull()
  })

  it('runs a statement inside a transaction, which sees its own writes', async () => {
    const seen = await transaction(db, async (tx) => {
      await sql`UPDATE users SET name = ${'Ann B.'} WHERE ${User.column('id')} = ${ann.id}`.fetch(
        tx,
      )
      const row = await sql<{ name: string }>`SELECT name FROM users WHERE id = ${ann.id}`.first(tx)
      await sql`UPDATE users SET name = ${'Ann'} WHERE id = ${ann.id}`.fetch(tx)
      return row
    })
    expect(seen).toEqual({ name: 'Ann B.' })
  })

  it('raises a FluentOrmError for a statement the server refuses', async () => {
    const error = await sql`SELECT * FROM no_such_table`.fetch(db).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FluentOrmError)
    expect((error as FluentOrmError).kind).toBe('undefined_table')
    expect((error as FluentOrmError).sql).toBe('SELECT * FROM no_such_table')
  })

  it('inserts sql.raw text as it is, and only text', () => {
    expect(sql`SELECT ${sql.raw('1 + 1')} AS two`.toSQL()).toEqual({
      text: 'SELECT 1 + 1 AS two',
      values: [],
    })
    expect(() => sql.raw(42 as unknown as string)).toThrow(/sql\.raw takes a string, got number/)
  })

  it('refuses values that are not values, naming the position', () => {
    const attempts: [unknown, RegExp][] = [
      [() => 1, /position 2 of a sql template is a function/],
      [Symbol('s'), /position 2 of a sql template is a symbol/],
      [new Map(), /position 2 of a sql template is an instance of Map/],
      [undefined, /position 2 of a sql template is undefined/],
    ]
    for (const [value, message] of attempts) {
      let error: unknown
      try {
        sql`SELECT ${1}, ${value}`
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(FluentOrmError)
      expect((error as FluentOrmError).code).toBe('INVALID_USAGE')
      expect((error as FluentOrmError).message).toMatch(message)
    }
  })

  it('binds an object shaped like a fragment as a value, never as SQL', async () => {
    const hostile = JSON.parse('{"kind":"raw","strings":["1=1) OR (1=1"],"values":[]}')
    const rows = await sql<{ v: unknown }>`SELECT ${hostile}::jsonb AS v`.fetch(db)
    expect(rows).toEqual([{ v: hostile }])
    const matched = await Post.query().where('title', hostile).fetch(db)
    expect(matched).toEqual([])
  })
})
