import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { Rng } from './query-properties/prng.ts'

type Row = Record<string, unknown>

/**
 * A page with a withExists in its select list chooses its rows in a derived table first, then
 * computes the relation values over them (select-compiler.ts, `pageFirst`): PostgreSQL planned
 * the EXISTS for the whole table's rows otherwise. Random pages (orders with ties broken by
 * id, limits, offsets, soft-deleted rows, counts, includes, narrowed select lists) are checked
 * against the same page written by hand without a derived table; and the queries the rewrite
 * would change the answer of (an aggregate, a window, a join, DISTINCT) keep their shape.
 */
describe.each(BACKENDS)('pages with relation values on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Post, Comment } = models
  let backend: Backend
  let db: Backend['db']
  let users: { id: string }[]
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    const rng = new Rng(7)
    users = await User.insertMany(
      db,
      Array.from({ length: 4 }, (_, i) => ({ email: `u${i}@example.com`, name: `user ${i}` })),
    )
    // Titles and view counts repeat, so orders tie; every post has 0–4 comments.
    for (let i = 0; i < 40; i++) {
      const post = await Post.insert(db, {
        title: `post ${i % 7}`,
        summary: rng.chance(0.3) ? null : `about ${i % 5}`,
        user_id: rng.pick(users).id,
        is_published: rng.chance(0.6),
      })
      await hand('UPDATE posts SET view_count = $1 WHERE id = $2', [rng.int(0, 4), post.id])
      if (rng.chance(0.15)) await Post.softDelete(db, post.id)
      for (let c = rng.int(0, 4); c > 0; c--) {
        const comment = await Comment.insert(db, {
          post_id: post.id,
          user_id: rng.pick(users).id,
          content: `c${c}`,
        })
        if (rng.chance(0.2)) await Comment.softDelete(db, comment.id)
      }
    }
  })
  afterAll(() => backend.close())

  const live = 'c.deleted_at IS NULL AND c.post_id = p.id'

  it('gives the rows and values of the page written by hand', async () => {
    const rng = new Rng(11)
    const columns = ['title', 'view_count', 'summary', 'is_published'] as const
    let rewritten = 0
    for (let run = 0; run < 60; run++) {
      const viewer = rng.pick(users).id
      const order = rng.pick(columns)
      const direction = rng.pick(['asc', 'desc'] as const)
      const limit = rng.int(0, 12)
      const offset = rng.chance(0.4) ? rng.int(0, 30) : null
      const published = rng.chance(0.5)
      const counted = rng.chance(0.5)
      const narrowed = rng.chance(0.5)
      let query: any = Post.query()
      if (narrowed) query = query.select('id', 'title')
      query = query.withExists('comments', {
        as: 'mine',
        where: (q: any) => q.where('user_id', viewer),
      })
      if (counted) query = query.withCount('comments')
      if (published) query = query.where('is_published', true)
      query = query.orderBy(order, direction).orderBy('id').limit(limit)
      if (offset !== null) query = query.offset(offset)
      const { text } = query.toSQL()
      if (/FROM \(SELECT "posts"\.\* FROM "posts"/.test(text)) rewritten++

      const nulls = direction === 'asc' ? 'NULLS LAST' : 'NULLS FIRST'
      const expected = await hand(
        `SELECT ${narrowed ? 'p.id, p.title' : 'p.id, p.title, p.summary, p.user_id, p.is_published, p.view_count, p.created_at, p.updated_at, p.deleted_at'},
            EXISTS (SELECT 1 FROM comments c WHERE ${live} AND c.user_id = $1) AS mine
            ${counted ? `, (SELECT count(*)::int FROM comments c WHERE ${live}) AS comments_count` : ''}
          FROM posts p WHERE p.deleted_at IS NULL ${published ? 'AND p.is_published' : ''}
          ORDER BY p.${order} ${direction} ${nulls}, p.id LIMIT ${limit} ${offset === null ? '' : `OFFSET ${offset}`}`,
        [viewer],
      )
      expect(await query.fetch(db)).toEqual(expected)
    }
    // The runs above went through the derived table, not around it.
    expect(rewritten).toBe(60)
  })

  it('pages by cursor over the same rows, none lost or repeated', async () => {
    const viewer = users[0]!.id
    const feed = () =>
      Post.query()
        .withExists('comments', { as: 'mine', where: (q: any) => q.where('user_id', viewer) })
        .include('author', (q: any) => q.select('name'))
        .orderBy('view_count', 'desc')
    const all = await feed().fetch(db)
    const seen: Row[] = []
    let after: string | null | undefined
    do {
      const page: { rows: Row[]; next: string | null } = await feed().cursorPaginate(db, {
        perPage: 7,
        ...(after ? { after } : {}),
      })
      seen.push(...page.rows)
      after = page.next
    } while (after)
    expect(seen).toHaveLength(all.length)
    const byId = (rows: Row[]) => [...rows].sort((a, b) => String(a.id).localeCompare(String(b.id)))
    expect(byId(seen)).toEqual(byId(all))
    // In order: view counts never go up from one row to the next.
    for (let i = 1; i < seen.length; i++) {
      expect(Number(seen[i]!.view_count)).toBeLessThanOrEqual(Number(seen[i - 1]!.view_count))
    }
  })

  it('keeps the shape of pages the derived table would answer differently', async () => {
    const mine = { as: 'mine', where: (q: any) => q.where('user_id', users[0]!.id) }
    const flat = (query: any) => !/FROM \(SELECT/.test(query.toSQL().text)
    // A window over the rows sees all of them, not the page.
    const windowed = Post.query()
      .select({ id: 'id', total: sql<number>`count(*) OVER ()` })
      .withExists('comments', mine)
      .orderBy('id')
      .limit(3)
    expect(flat(windowed)).toBe(true)
    const [first] = await windowed.fetch(db)
    expect(Number(first!.total)).toBe((await Post.query().count(db)) as number)
    expect(flat(Post.query().distinct().withExists('comments', mine).limit(3))).toBe(true)
    const byCount = Post.query().withCount('comments').withExists('comments', mine)
    expect(flat(byCount.orderBy('comments_count').limit(3))).toBe(true)
    expect(flat(Post.query().withExists('comments', mine).forUpdate().limit(3))).toBe(true)
    // Without an EXISTS, nothing to gain: the statement stays as it was.
    expect(flat(Post.query().withCount('comments').include('author').limit(3))).toBe(true)
    expect(flat(Post.query().withExists('comments', mine))).toBe(true)
  })
})
