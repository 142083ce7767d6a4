import { toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * withCount / withExists / withSum … and whereHas / whereDoesntHave: correlated subqueries
 * over a relation, soft-deleted rows left out, each result checked against hand-written SQL.
 */
describe.each(BACKENDS)('relation aggregates and filters on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Post, Comment, Tag, PostTag } = models
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
    const [sqlTag, jsTag] = await Tag.insertMany(db, [{ name: 'sql' }, { name: 'js' }])
    const titles = ['alpha', 'beta', 'gamma', 'delta']
    for (const [i, title] of titles.entries()) {
      const post = await Post.insert(db, { title, user_id: i % 2 ? bob.id : ann.id })
      if (i < 2) await PostTag.insert(db, { post_id: post.id, tag_id: sqlTag!.id })
      if (i > 0) await PostTag.insert(db, { post_id: post.id, tag_id: jsTag!.id })
      for (let c = 0; c < i; c++) {
        const comment = await Comment.insert(db, {
          post_id: post.id,
          user_id: c % 2 ? ann.id : bob.id,
          content: `${title} ${c}`,
          approved: c % 2 === 0,
          likes: BigInt(c + 1) * 3_000_000_000_000_000n,
          score: `${9 + c}.50`,
        })
        // The last comment of gamma is soft-deleted: never counted.
        if (title === 'gamma' && c === i - 1) await Comment.softDelete(db, comment.id)
      }
    }
  })
  afterAll(() => backend.close())

  const live = 'c.deleted_at IS NULL AND c.post_id = p.id'

  it('counts related rows, filtered and named, usable in orderBy and where', async () => {
    const rows = await Post.query()
      .select('title')
      .withCount('comments')
      .withCount('comments', { as: 'approved', where: (q) => q.where('approved', true) })
      .where('comments_count', '>', 0)
      .orderBy('comments_count', 'desc')
      .orderBy('title')
      .fetch(db)
    const comments_count: number | undefined = rows[0]?.comments_count
    expect(typeof comments_count).toBe('number')
    expect(rows).toEqual(
      await hand(`SELECT p.title,
          (SELECT count(*)::int FROM comments c WHERE ${live}) AS comments_count,
          (SELECT count(*)::int FROM comments c WHERE ${live} AND c.approved) AS approved
        FROM posts p WHERE p.deleted_at IS NULL
          AND (SELECT count(*) FROM comments c WHERE ${live}) > 0
        ORDER BY 2 DESC, p.title`),
    )
  })

  it('filters groups by a key of the select list in having', async () => {
    const counted = await User.query()
      .select('id', 'name')
      .withCount('posts')
      .groupBy('id')
      .having('posts_count', '>=', 2)
      .orderBy('name')
      .fetch(db)
    const expected = await hand(`SELECT u.name FROM users u WHERE u.deleted_at IS NULL AND
      (SELECT count(*) FROM posts p WHERE p.user_id = u.id AND p.deleted_at IS NULL) >= 2 ORDER BY u.name`)
    expect(counted.map((row) => row.name)).toEqual(expected.map((row) => row.name))
    expect(expected.length).toBeGreaterThan(0)
    const grouped = await Post.query()
      .select('user_id')
      .selectAggregate('count', '*', 'n')
      .groupBy('user_id')
      .having('n', '>', 1)
      .fetch(db)
    const byHand = await hand(
      'SELECT user_id, count(*)::int AS n FROM posts WHERE deleted_at IS NULL GROUP BY user_id HAVING count(*) > 1',
    )
    expect(grouped).toEqual(expect.arrayContaining(byHand))
    expect(grouped).toHaveLength(byHand.length)
  })

  it('refuses a having on a relation value without groupBy, pointing at where', async () => {
    const query = User.query().select('id').withCount('posts').having('posts_count', '>=', 2)
    await expect(query.fetch(db)).rejects.toThrow(
      /having\('posts_count', …\) without groupBy\(\).*filter on it with where\('posts_count', …\)/s,
    )
    // An aggregate over the whole table needs no groupBy: that having stays.
    const whole = await Post.query()
      .selectAggregate('count', '*', 'n')
      .having('n', '>', 0)
      .fetch(db)
    expect(whole).toHaveLength(1)
  })

  it('tells whether related rows exist, and aggregates their columns exactly', async () => {
    const rows = await Post.query()
      .select('title')
      .withExists('comments')
      .withSum('comments', 'likes')
      .withAvg('comments', 'score')
      .withMax('comments', 'score', { as: 'best' })
      .withMin('comments', 'created_at')
      .orderBy('title')
      .fetch(db)
    const expected = await hand(`SELECT p.title,
        EXISTS (SELECT 1 FROM comments c WHERE ${live}) AS comments_exists,
        (SELECT sum(likes)::text FROM comments c WHERE ${live}) AS comments_sum_likes,
        (SELECT avg(score)::text FROM comments c WHERE ${live}) AS comments_avg_score,
        (SELECT max(score)::text FROM comments c WHERE ${live}) AS best,
        (SELECT min(created_at) FROM comments c WHERE ${live}) AS comments_min_created_at
      FROM posts p WHERE p.deleted_at IS NULL ORDER BY p.title`)
    expect(rows).toEqual(expected)
    expect(rows.find((row) => row.title === 'delta')?.comments_sum_likes).toBe('18000000000000000')
  })

  it('counts manyToMany targets through the junction', async () => {
    const rows = await Post.query().select('title').withCount('tags').orderBy('title').fetch(db)
    expect(rows).toEqual(
      await hand(`SELECT p.title, (SELECT count(*)::int FROM tags t JOIN post_tags pt
          ON pt.tag_id = t.id WHERE pt.post_id = p.id) AS tags_count
        FROM posts p WHERE p.deleted_at IS NULL ORDER BY p.title`),
    )
  })

  it('counts inside an include, correlated with the included row', async () => {
    const users = await User.query()
      .select('name')
      .include('posts', (q) => q.select('title').withCount('comments').orderBy('title'))
      .orderBy('name')
      .fetch(db)
    const expected = await hand(`SELECT u.name, p.title,
        (SELECT count(*)::int FROM comments c WHERE ${live}) AS comments_count
      FROM users u JOIN posts p ON p.user_id = u.id
      WHERE u.deleted_at IS NULL AND p.deleted_at IS NULL ORDER BY u.name, p.title`)
    expect(
      users.flatMap((user) => user.posts.map((post) => ({ name: user.name, ...post }))),
    ).toEqual(expected)
  })

  it('filters rows by their relations, nested and negated', async () => {
    const titles = async (query: { fetch(db: Backend['db']): Promise<{ title: string }[]> }) =>
      (await query.fetch(db)).map((row) => row.title)
    expect(
      await titles(
        Post.query()
          .select('title')
          .whereHas('comments', (q) => q.where('approved', false))
          .orderBy('title'),
      ),
    ).toEqual(
      (
        await hand(`SELECT title FROM posts p WHERE p.deleted_at IS NULL AND EXISTS
          (SELECT 1 FROM comments c WHERE ${live} AND NOT c.approved) ORDER BY title`)
      ).map((row) => row.title),
    )
    expect(
      await titles(Post.query().select('title').whereDoesntHave('comments').orderBy('title')),
    ).toEqual(['alpha'])
    // An orWhere in the nested query stays inside the correlation: alpha has no comments.
    expect(
      await titles(
        Post.query()
          .select('title')
          .whereHas('comments', (q) => q.where('approved', true).orWhere('approved', false))
          .orderBy('title'),
      ),
    ).toEqual(['beta', 'delta', 'gamma'])
    expect(
      await titles(
        Post.query()
          .select('title')
          .whereHas('tags', (q) => q.where('name', 'sql'))
          .orWhereHas('comments', (q) => q.where('content', 'delta 2'))
          .orderBy('title'),
      ),
    ).toEqual(['alpha', 'beta', 'delta'])
    const writers = await User.query()
      .select('name')
      .whereHas('posts', (q) =>
        q.whereHas('tags', (t) => t.where('name', 'js')).where('title', 'gamma'),
      )
      .fetch(db)
    expect(writers).toEqual(
      await hand(`SELECT u.name FROM users u WHERE u.deleted_at IS NULL AND EXISTS (
        SELECT 1 FROM posts p WHERE p.deleted_at IS NULL AND p.user_id = u.id AND p.title = 'gamma'
          AND EXISTS (SELECT 1 FROM tags t JOIN post_tags pt ON pt.tag_id = t.id
            WHERE pt.post_id = p.id AND t.name = 'js'))`),
    )
  })

  it('refuses an unknown relation, a key taken by a column, and a callback that is not one', async () => {
    const attempts: [() => unknown, RegExp][] = [
      [() => Post.query().withCount('comets' as never), /has no relation "comets"/],
      [() => Post.query().withCount('comments', { as: 'title' as never }), /row's "title"/],
      [() => Post.query().whereHas('comments', 'approved' as never), /must be a function/],
      [() => Post.query().withSum('comments', 'nope' as never), /unknown column "nope"/],
      [() => Post.query().include('comments', 5 as never), /include must be a function/],
    ]
    for (const [run, message] of attempts) await expectRefused(run, message)
  })

  it('refuses options that are not { where, as } instead of counting every related row', async () => {
    // A callback where the options go (the form whereHas and include take) was read as no
    // options: withCount counted every comment, withExists said true, withSum summed all.
    const approved = (q: any) => q.where('approved', true)
    const hint = /\{ where: \(q\) => q\.where\(…\)/
    const attempts: [() => unknown, RegExp][] = [
      [
        () => Post.query().withCount('comments', approved as never),
        /must be an object \{ where, as \}, got a function/,
      ],
      [() => Post.query().withExists('comments', approved as never), /got a function/],
      [() => Post.query().withSum('comments', 'likes', approved as never), /got a function/],
      [
        () => Post.query().withCount('comments', { were: approved } as never),
        /withCount has no option "were"/,
      ],
      [
        () => Post.query().withCount('comments', { where: 5 } as never),
        /the where option of withCount must be a function/,
      ],
      [
        () => Post.query().withCount('comments', { as: 5 } as never),
        /the as option of withCount must be a string/,
      ],
      [() => Post.query().withMax('comments', 'likes', 'x' as never), /got x/],
    ]
    for (const [run, message] of attempts) {
      await expectRefused(run, message)
      await expectRefused(run, hint)
    }
    // The documented form still narrows: the approved comments of each post, by hand.
    const counted = await Post.query()
      .select('title')
      .withCount('comments', { where: approved })
      .orderBy('title')
      .fetch(db)
    expect(counted).toEqual(
      await hand(`SELECT p.title, (SELECT count(*)::int FROM comments c
        WHERE c.deleted_at IS NULL AND c.post_id = p.id AND c.approved) AS comments_count
        FROM posts p WHERE p.deleted_at IS NULL ORDER BY p.title`),
    )
    expect(counted.some((row) => row.comments_count > 0)).toBe(true)
  })
})
