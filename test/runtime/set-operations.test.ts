import { placeholder, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * union / unionAll / intersect / except and with / withRecursive: each result against the same
 * query written by hand in SQL.
 */
describe.each(BACKENDS)('set operations and CTEs on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Post, Comment } = models
  const { Category } = modelsOf({
    categories: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'parent_id', nullable: true })
      t.string({ name: 'name' })
      t.softDelete()
      t.belongsTo({ name: 'parent', column: 'parent_id', referencesTable: 'categories' })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows
  const titles = (rows: readonly object[]) => rows.map((row) => (row as Row).title)

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    await Category.createTable(db)
    const ann = await User.insert(db, { email: 'ann@example.com', name: 'Ann' })
    const bob = await User.insert(db, { email: 'bob@example.com', name: 'Bob' })
    for (let i = 0; i < 12; i++) {
      const post = await Post.insert(db, {
        title: `p${String(i).padStart(2, '0')}`,
        user_id: i % 3 === 0 ? bob.id : ann.id,
        is_published: i % 2 === 0,
      })
      for (let c = 0; c < i % 4; c++) {
        await Comment.insert(db, { post_id: post.id, user_id: ann.id, content: `c${c}` })
      }
    }
    await hand('UPDATE posts SET view_count = (substr(title, 2)::int * 7) % 10')
    await hand("UPDATE posts SET deleted_at = now() WHERE title = 'p10'")
    // A tree with a soft-deleted branch and, apart from it, a cycle.
    await hand(`INSERT INTO categories (id, parent_id, name) OVERRIDING SYSTEM VALUE VALUES
      (1, NULL, 'root'), (2, 1, 'a'), (3, 1, 'b'), (4, 2, 'a1'), (5, 2, 'a2'), (6, 4, 'a1x'),
      (7, 3, 'b1'), (8, NULL, 'loop1'), (9, 8, 'loop2')`)
    await hand('UPDATE categories SET parent_id = 9 WHERE id = 8')
    await hand('UPDATE categories SET deleted_at = now() WHERE id = 3')
  })
  afterAll(() => backend.close())

  const published = () => Post.query().where('is_published', true)
  const viewed = () => Post.query().where('view_count', '>=', 5)
  const cases: [string, () => any, string][] = [
    [
      'union',
      () => published().union(viewed()).orderBy('title'),
      'SELECT title FROM posts WHERE deleted_at IS NULL AND is_published UNION SELECT title FROM posts WHERE deleted_at IS NULL AND view_count >= 5 ORDER BY title',
    ],
    [
      'unionAll, duplicates kept, ordered and limited as a whole',
      () => published().unionAll(viewed()).orderBy('title', 'desc').limit(5),
      '(SELECT title FROM posts WHERE deleted_at IS NULL AND is_published UNION ALL SELECT title FROM posts WHERE deleted_at IS NULL AND view_count >= 5) ORDER BY title DESC LIMIT 5',
    ],
    [
      'intersect',
      () => published().intersect(viewed()).orderBy('title'),
      'SELECT title FROM posts WHERE deleted_at IS NULL AND is_published INTERSECT SELECT title FROM posts WHERE deleted_at IS NULL AND view_count >= 5 ORDER BY title',
    ],
    [
      'except',
      () => published().except(viewed()).orderBy('title'),
      'SELECT title FROM posts WHERE deleted_at IS NULL AND is_published EXCEPT SELECT title FROM posts WHERE deleted_at IS NULL AND view_count >= 5 ORDER BY title',
    ],
    [
      'a union then an intersect, left to right',
      () =>
        published()
          .union(viewed())
          .intersect(Post.query().where('title', '<', 'p06'))
          .orderBy('title'),
      "(SELECT title FROM posts WHERE deleted_at IS NULL AND is_published UNION SELECT title FROM posts WHERE deleted_at IS NULL AND view_count >= 5) INTERSECT SELECT title FROM posts WHERE deleted_at IS NULL AND title < 'p06' ORDER BY title",
    ],
    [
      'parts with their own order and limit, then a where over the whole',
      () =>
        Post.query()
          .orderBy('view_count', 'desc')
          .orderBy('title')
          .limit(3)
          .unionAll(Post.query().orderBy('title').limit(2))
          .where('is_published', false)
          .orderBy('title'),
      'SELECT title FROM ((SELECT * FROM posts WHERE deleted_at IS NULL ORDER BY view_count DESC, title LIMIT 3) UNION ALL (SELECT * FROM posts WHERE deleted_at IS NULL ORDER BY title LIMIT 2)) AS u WHERE NOT is_published ORDER BY title',
    ],
    [
      'a CTE read with conditions and an order',
      () =>
        Post.query()
          .with('popular', Post.query().where('view_count', '>', 3))
          .where('is_published', true)
          .orderBy('view_count')
          .orderBy('title'),
      'WITH popular AS (SELECT * FROM posts WHERE deleted_at IS NULL AND view_count > 3) SELECT title FROM popular WHERE is_published ORDER BY view_count, title',
    ],
  ]

  it.each(cases)('%s', async (_, build, text) => {
    const expected = titles(await hand(text))
    expect(expected.length).toBeGreaterThan(0)
    expect(titles(await build().fetch(db))).toEqual(expected)
    expect(await build().count(db)).toBe(expected.length)
  })

  it('flattens a chain of one operator into one set', () => {
    const text = published().union(viewed()).union(Post.query().where('title', 'p01')).toSQL().text
    expect(text.match(/ UNION /g)).toHaveLength(2)
    expect(text.match(/FROM \(\(/g)).toHaveLength(1)
  })

  it('carries selected keys and relation counts through, usable by key; includes after', async () => {
    const query = Post.query()
      .select('id', 'title', 'user_id')
      .withCount('comments')
      .where('user_id', 'in', Post.query().select('user_id').where('title', 'p00'))
      .union(
        Post.query().select('id', 'title', 'user_id').withCount('comments').where('title', 'p01'),
      )
      .where('comments_count', '>', 0)
      .orderBy('comments_count', 'desc')
      .orderBy('title')
      .include('author', (q) => q.select('name'))
    const rows = await query.fetch(db)
    const expected = await hand(`SELECT u.title, u.n::int AS n, users.name FROM (
        SELECT id, title, user_id, (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL) AS n
        FROM posts p WHERE deleted_at IS NULL AND user_id IN (SELECT user_id FROM posts WHERE title = 'p00' AND deleted_at IS NULL)
        UNION SELECT id, title, user_id, (SELECT count(*) FROM comments c WHERE c.post_id = p.id AND c.deleted_at IS NULL)
        FROM posts p WHERE deleted_at IS NULL AND title = 'p01') u
      JOIN users ON users.id = u.user_id WHERE u.n > 0 ORDER BY u.n DESC, u.title`)
    expect(
      rows.map((row: any) => [row.title, row.comments_count, row.author?.name ?? null]),
    ).toEqual(expected.map((row) => [row.title, row.n, row.name]))
    expect(rows.length).toBeGreaterThan(1)
  })

  it('takes placeholders from every part, and pages the whole', async () => {
    const kept = Post.query()
      .where('title', placeholder('first'))
      .unionAll(Post.query().where('title', placeholder('second')))
      .orderBy('title')
    const rows = await kept.fetch(db, { first: 'p02', second: 'p03' })
    expect(titles(rows)).toEqual(['p02', 'p03'])
    const page = await published().union(viewed()).orderBy('title').paginate(db, 2, 3)
    const all = titles(await published().union(viewed()).orderBy('title').fetch(db))
    expect(titles(page.rows)).toEqual(all.slice(3, 6))
    expect(page.total).toBe(all.length)
  })

  it('walks a self-referencing tree with withRecursive, stopping at soft-deleted rows and cycles', async () => {
    const descendants = (root: number) =>
      Category.query()
        .withRecursive('tree', Category.query().where('id', root), (q: any, tree: any) =>
          q.whereColumn('parent_id', '=', tree.column('id')),
        )
        .orderBy('id')
    const walk = async (root: number) =>
      (
        await hand(`WITH RECURSIVE tree AS (SELECT * FROM categories WHERE id = ${root} AND deleted_at IS NULL
        UNION SELECT c.* FROM categories c JOIN tree ON c.parent_id = tree.id WHERE c.deleted_at IS NULL)
        SELECT id FROM tree ORDER BY id`)
      ).map((row) => row.id)
    for (const root of [1, 2, 8]) {
      const got = (await descendants(root).fetch(db)).map((row: Row) => row.id)
      expect(got).toEqual(await walk(root))
    }
    // By id: the soft-deleted branch b (3) and its child b1 (7) are not reached.
    expect((await descendants(1).fetch(db)).map((row: Row) => row.name)).toEqual([
      'root',
      'a',
      'a1',
      'a2',
      'a1x',
    ])
    expect(await descendants(8).count(db)).toBe(2)
    // Ancestors: the step follows parent_id upwards; includes on the rows found.
    const ancestors = await Category.query()
      .withRecursive('up', Category.query().where('id', 6), (q: any, up: any) =>
        q.whereColumn('id', '=', up.column('parent_id')),
      )
      .include('parent', (q: any) => q.select('name'))
      .orderBy('id')
      .fetch(db)
    expect(ancestors.map((row: any) => [row.name, row.parent?.name ?? null])).toEqual([
      ['root', null],
      ['a', 'root'],
      ['a1', 'a'],
      ['a1x', 'a1'],
    ])
  })

  it('refuses what it cannot combine, before any SQL is sent', async () => {
    await expectRefused(() => Post.query().union(User.query() as never), /same model|both queries/)
    await expectRefused(
      () =>
        Post.query()
          .select('title')
          .union(Post.query().select('id') as never),
      /different values/,
    )
    await expectRefused(
      () =>
        Post.query()
          .include('author')
          .union(Post.query() as never),
      /includes/,
    )
    const narrow = Post.query().select('title').union(Post.query().select('title'))
    await expectRefused(() => narrow.include('author'), /"user_id" is not among/)
    await expectRefused(() => narrow.where('view_count', 1), /"view_count" is not among/)
    await expectRefused(() => narrow.withCount('comments'), /"id" is not among/)
    await expectRefused(() => published().union(viewed()).forUpdate().fetch(db), /union or a CTE/)
    await expectRefused(
      () => published().union(viewed()).update(db, { title: 'x' }),
      /update\(\) by condition cannot use union: it changes the rows/,
    )
    await expectRefused(
      () => User.query().include('posts', (q) => q.union(Post.query())),
      /union or a CTE/,
    )
    await expectRefused(() => Post.query().with('posts', Post.query()), /table of the schema/)
    await expectRefused(() => Post.query().with('x; DROP', Post.query()), /plain SQL name/)
    await expectRefused(() => Post.query().with('rows_1', Post.query()), /plain SQL name/)
    await expectRefused(
      () => Post.query().with('p', Post.query().select('title') as never),
      /whole rows/,
    )
    await expectRefused(
      () => Category.query().withRecursive('t', Category.query(), (q: any) => q),
      /no condition/,
    )
    await expectRefused(
      () =>
        Category.query().withRecursive('t', Category.query(), (q: any, t: any) =>
          q.whereColumn('parent_id', '=', t.column('id')).limit(1),
        ),
      /cannot order, limit/,
    )
  })
})
