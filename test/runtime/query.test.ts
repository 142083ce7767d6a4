import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BlogModels,
  blogModels,
  createBlogTables,
  type UserRow,
} from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'

const models: BlogModels = blogModels()
const { User, Post, Comment } = models

describe('query SQL', () => {
  it('renders conditions as bound parameters with quoted identifiers', () => {
    const query = Post.query()
      .select('id', 'title')
      .where('view_count', '>', 10)
      .orWhere('title', 'like', "%'; DROP TABLE posts; --%")
      .orderBy('created_at', 'desc', 'last')
      .limit(20)
    expect(query.toSQL()).toEqual({
      text: 'SELECT "posts"."id", "posts"."title" FROM "posts" WHERE "posts"."deleted_at" IS NULL AND ("posts"."view_count" > $1 OR "posts"."title" LIKE $2) ORDER BY "posts"."created_at" DESC NULLS LAST LIMIT 20',
      values: [10, "%'; DROP TABLE posts; --%"],
    })
  })

  it('renders lists as one array parameter, null as IS NULL', () => {
    const query = User.query()
      .where('name', 'in', ['a', 'b'])
      .where('phone', null)
      .where('email', 'not in', [])
      .whereNotNull('updated_at')
    expect(query.toSQL().text).toBe(
      `SELECT ${userColumns} FROM "users" WHERE "users"."deleted_at" IS NULL AND "users"."name" = ANY($1) AND "users"."phone" IS NULL AND "users"."email" <> ALL($2) AND "users"."updated_at" IS NOT NULL`,
    )
    expect(query.toSQL().values).toEqual([['a', 'b'], []])
  })

  it('is immutable: each call returns a new builder', () => {
    const base = User.query()
    base.where('name', 'x')
    expect(base.toSQL().values).toEqual([])
  })

  it('renders a kept builder once: its statement is the same frozen object on every call', () => {
    const query = Post.query().where('title', 'a').include('comments')
    expect(query.toSQL()).toBe(query.toSQL())
    expect(Object.isFrozen(query.toSQL().values)).toBe(true)
    expect(query.limit(1).toSQL()).not.toBe(query.toSQL())
  })

  it('names the column, table and what to do for an unknown column', () => {
    expect(() => Post.query().where('titel' as never, 'x' as never)).toThrow(
      'Post.where failed: unknown column "titel" on table posts. Use one of: id, title, summary',
    )
    expect(() => Post.query().orderBy('users.name' as never)).toThrow(
      'Post.orderBy failed: unknown table "users" in column "users.name". Qualify columns with posts, or join the table first.',
    )
    expect(() => Post.query().where('title', '~~' as never, 'x')).toThrow(/unknown operator "~~"/)
  })

  it('refuses update and delete without a where unless all: true', async () => {
    await expect(Post.query().delete({} as never)).rejects.toThrow(
      'Post.query.delete failed: delete() without a where condition would affect every row. Add a where, or pass { all: true } to delete them all.',
    )
    await expect(Post.query().update({} as never, { title: 'x' })).rejects.toThrow(
      /update\(\) without a where condition/,
    )
  })
})

const userColumns = ['id', 'email', 'name', 'phone', 'created_at', 'updated_at', 'deleted_at']
  .map((column) => `"users"."${column}"`)
  .join(', ')

describe.each(BACKENDS)('query builder on $name', ({ open }) => {
  let backend: Backend
  let db: Backend['db']
  let ann: UserRow
  let bob: UserRow
  let gone: UserRow

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    const users = await User.insertMany(db, [
      { email: 'ann@x', name: 'Ann', phone: '1' },
      { email: 'bob@x', name: 'Bob' },
      { email: 'gone@x', name: 'Gone' },
    ])
    ;[ann, bob, gone] = users as [UserRow, UserRow, UserRow]
    await User.softDelete(db, gone!.id)
    const posts = await Post.insertMany(db, [
      { title: 'a1', user_id: ann!.id, is_published: true },
      { title: 'a2', user_id: ann!.id },
      { title: 'b1', user_id: bob!.id, is_published: true },
      { title: 'g1', user_id: gone!.id, is_published: true },
    ])
    for (const [i, post] of posts.entries())
      await Post.update(db, post.id, { view_count: (i + 1) * 10 })
    await Post.softDelete(db, posts[1]!.id)
    await Comment.insertMany(db, [
      { post_id: posts[0]!.id, user_id: bob!.id, content: 'nice' },
      { post_id: posts[0]!.id, user_id: ann!.id, content: 'thanks' },
    ])
  })
  afterAll(() => backend.close())

  it('filters soft-deleted rows, also through orWhere', async () => {
    const titles = await Post.query().where('title', 'a2').orWhere('title', 'b1').pluck(db, 'title')
    expect(titles).toEqual(['b1'])
    const grouped = await Post.query()
      .where((q) => q.where('title', 'a2').orWhere('view_count', '>=', 20))
      .orderBy('title')
      .pluck(db, 'title')
    expect(grouped).toEqual(['b1', 'g1'])
    expect(await Post.query().withDeleted().orderBy('title').pluck(db, 'title')).toEqual([
      'a1',
      'a2',
      'b1',
      'g1',
    ])
    expect(await Post.query().onlyDeleted().pluck(db, 'title')).toEqual(['a2'])
  })

  it('compares with every operator', async () => {
    const titles = (q: ReturnType<typeof Post.query>) => q.orderBy('title').pluck(db, 'title')
    expect(await titles(Post.query().where('view_count', '!=', 10))).toEqual(['b1', 'g1'])
    expect(await titles(Post.query().where('view_count', '<>', 10))).toEqual(['b1', 'g1'])
    expect(await titles(Post.query().where('view_count', '<', 30))).toEqual(['a1'])
    expect(await titles(Post.query().where('view_count', '<=', 30))).toEqual(['a1', 'b1'])
    expect(await titles(Post.query().where('view_count', '>', 30))).toEqual(['g1'])
    expect(await titles(Post.query().where('title', 'like', 'a%'))).toEqual(['a1'])
    expect(await titles(Post.query().where('title', 'ilike', 'B%'))).toEqual(['b1'])
    expect(await titles(Post.query().where('title', 'not like', 'a%'))).toEqual(['b1', 'g1'])
    expect(await titles(Post.query().where('view_count', 'between', [5, 30]))).toEqual(['a1', 'b1'])
    expect(await titles(Post.query().where('view_count', 'not between', [5, 30]))).toEqual(['g1'])
    expect(await titles(Post.query().where('title', 'in', ['a1', 'g1', 'zz']))).toEqual([
      'a1',
      'g1',
    ])
    expect(await titles(Post.query().where('title', 'not in', ['a1']))).toEqual(['b1', 'g1'])
    expect(await titles(Post.query().whereIn('title', []))).toEqual([])
    expect(await titles(Post.query().whereNotIn('title', []))).toEqual(['a1', 'b1', 'g1'])
    expect(await User.query().whereNull('phone').pluck(db, 'name')).toEqual(['Bob'])
    expect(await User.query().whereNotNull('phone').pluck(db, 'name')).toEqual(['Ann'])
  })

  it('selects, narrows, distinct, limits, offsets and paginates', async () => {
    const rows = await Post.query().select('title', 'view_count').orderBy('title').fetch(db)
    expect(rows).toEqual([
      { title: 'a1', view_count: 10 },
      { title: 'b1', view_count: 30 },
      { title: 'g1', view_count: 40 },
    ])
    const owners = await Post.query().withDeleted().select('user_id').distinct().count(db)
    expect(owners).toBe(3)
    expect(await Post.query().orderBy('title').offset(1).limit(1).pluck(db, 'title')).toEqual([
      'b1',
    ])
    const page = await Post.query().orderBy('title').paginate(db, 2, 2)
    expect(page).toMatchObject({ total: 3, page: 2, perPage: 2, pages: 2 })
    expect(page.rows.map((row) => row.title)).toEqual(['g1'])
    expect(await Post.query().orderBy('title', 'desc').first(db)).toMatchObject({ title: 'g1' })
    expect(await Post.query().where('title', 'none').first(db)).toBeNull()
  })

  it('counts, checks existence and aggregates', async () => {
    expect(await Post.query().count(db)).toBe(3)
    expect(await Post.query().where('view_count', '>', 100).exists(db)).toBe(false)
    expect(await Post.query().where('view_count', '>', 30).exists(db)).toBe(true)
    expect(await Post.query().sum(db, 'view_count')).toBe(80)
    expect(await Post.query().avg(db, 'view_count')).toBeCloseTo(26.667, 2)
    expect(await Post.query().min(db, 'view_count')).toBe(10)
    expect(await Post.query().max(db, 'created_at')).toBeInstanceOf(Date)
    expect(await Comment.query().sum(db, 'likes')).toBe('0')
    expect(await Post.query().where('title', 'none').sum(db, 'view_count')).toBeNull()
    expect(await Post.query().orderBy('view_count', 'desc').pluck(db, 'view_count')).toEqual([
      40, 30, 10,
    ])
  })

  it('joins models and filters on joined columns', async () => {
    const rows = await Post.query()
      .join(User, 'users.id', 'posts.user_id')
      .where('users.name', 'Ann')
      .select('title', 'users.email')
      .fetch(db)
    expect(rows).toEqual([{ title: 'a1', email: 'ann@x' }])
    // The author of g1 is soft-deleted: an inner join drops the post, a left join keeps it.
    expect(await Post.query().join(User, 'users.id', 'user_id').count(db)).toBe(2)
    const left = await Post.query()
      .leftJoin(User, 'users.id', 'user_id')
      .whereNull('users.id')
      .pluck(db, 'title')
    expect(left).toEqual(['g1'])
  })

  it('names selected columns with the object form: joined, own, and inside an include', async () => {
    const query = Post.query()
      .join(User, 'users.id', 'posts.user_id')
      .where('users.name', 'Ann')
      .select({ title: 'title', author: 'users.name', views: 'view_count' })
    expect(query.toSQL().text).toMatch(
      /^SELECT "posts"\."title", "users"\."name" AS "author", "posts"\."view_count" AS "views" FROM/,
    )
    expect(await query.fetch(db)).toEqual([{ title: 'a1', author: 'Ann', views: 10 }])
    // In an include (a JSON array per row) and in its derived form (limit), the names hold.
    for (const shape of [(q: any) => q, (q: any) => q.orderBy('title').limit(5)]) {
      const [user] = await User.query()
        .where('name', 'Ann')
        .include('posts', (q: any) => shape(q.select({ heading: 'title', views: 'view_count' })))
        .fetch(db)
      expect(user?.posts).toEqual([{ heading: 'a1', views: 10 }])
    }
  })

  it('returns what the types say: a first select replaces the columns, later ones add', async () => {
    expect(await Post.query().selectAggregate('count', '*', 'n').fetch(db)).toEqual([{ n: 3 }])
    const twice = await Post.query().select('id').select({ heading: 'title' }).orderBy('title')
    expect(Object.keys((await twice.first(db)) ?? {})).toEqual(['id', 'heading'])
    const [post] = await Post.query().include('author').select('title').orderBy('title').fetch(db)
    expect(post).toEqual({ title: 'a1', author: expect.objectContaining({ name: 'Ann' }) })
  })

  it('refuses two selected values that would be the same property of a row', () => {
    const joined = Post.query().join(User, 'users.id', 'posts.user_id')
    expect(() => joined.select('id', 'users.id')).toThrow(
      `Post.select failed: two selected values would both be the row's "id". Give one a name of its own with the object form, e.g. select({ users_id: 'users.id' }).`,
    )
    expect(() => Post.query().select('title').selectAggregate('count', '*', 'title')).toThrow(
      /the row's "title"\. Give the aggregate another alias/,
    )
    expect(() => joined.select({ id: 'id', users_id: 'users.id' })).not.toThrow()
  })

  it('groups with aggregates and having', async () => {
    const rows = await Post.query()
      .withDeleted()
      .select('user_id')
      .selectAggregate('count', '*', 'posts')
      .selectAggregate('sum', 'view_count', 'views')
      .groupBy('user_id')
      .having('count', '*', '>', 1)
      .fetch(db)
    expect(rows).toEqual([{ user_id: ann.id, posts: 2, views: 30 }])
    const ordered = await Post.query()
      .select('user_id')
      .selectAggregate('max', 'view_count', 'top')
      .groupBy('user_id')
      .orderBy('top', 'desc')
      .pluck(db, 'user_id')
    expect(ordered).toHaveLength(3)
  })

  it('correlates subqueries with whereExists and whereIn', async () => {
    const commented = Post.query().whereExists(
      Comment.query().whereColumn('post_id', '=', Post.column('id')),
    )
    expect(commented.toSQL().text).toContain('EXISTS (SELECT 1 FROM "comments"')
    expect(commented.toSQL().text).toContain('"comments"."post_id" = "posts"."id"')
    expect(await commented.pluck(db, 'title')).toEqual(['a1'])
    const silent = Post.query().whereNotExists(
      Comment.query().whereColumn('post_id', '=', Post.column('id')),
    )
    expect(await silent.orderBy('title').pluck(db, 'title')).toEqual(['b1', 'g1'])
    const authors = await User.query()
      .whereIn('id', Post.query().select('user_id').where('is_published', true))
      .orderBy('name')
      .pluck(db, 'name')
    expect(authors).toEqual(['Ann', 'Bob'])
  })

  it('correlates a subquery on the same table: the subquery is aliased, refs name the outer row', async () => {
    // Posts with a more viewed post by the same author (withDeleted: a2 counts, 20 views).
    const outviewed = Post.query()
      .withDeleted()
      .whereExists(
        Post.query()
          .withDeleted()
          .whereColumn('user_id', '=', Post.column('user_id'))
          .whereColumn('view_count', '>', Post.column('view_count')),
      )
    expect(outviewed.toSQL().text).toContain(
      'EXISTS (SELECT 1 FROM "posts" AS "posts_1" WHERE "posts_1"."user_id" = "posts"."user_id" AND "posts_1"."view_count" > "posts"."view_count")',
    )
    expect(await outviewed.pluck(db, 'title')).toEqual(['a1'])
    // Soft-delete filters apply to each level under its own name.
    const live = Post.query().whereNotExists(
      Post.query()
        .whereColumn('user_id', '=', Post.column('user_id'))
        .whereColumn('view_count', '>', Post.column('view_count')),
    )
    expect(live.toSQL().text).toContain('WHERE "posts_1"."deleted_at" IS NULL AND')
    expect(await live.orderBy('title').pluck(db, 'title')).toEqual(['a1', 'b1', 'g1'])
    // Three levels: the middle query is on another table, so it keeps its name for the inner ref.
    const repliedToSelf = User.query().whereExists(
      Post.query()
        .whereColumn('user_id', '=', User.column('id'))
        .whereExists(
          Comment.query()
            .whereColumn('post_id', '=', Post.column('id'))
            .whereColumn('user_id', '=', User.column('id')),
        ),
    )
    expect(await repliedToSelf.pluck(db, 'name')).toEqual(['Ann'])
    // An update by condition whose subquery reads the same table.
    const { Tag } = models
    await Tag.insertMany(db, [{ name: 'first' }, { name: 'second' }])
    const older = Tag.query().whereExists(
      Tag.query().where('name', 'second').whereColumn('id', '>', Tag.column('id')),
    )
    expect(await older.update(db, { name: 'older' })).toBe(1)
    expect(await Tag.query().orderBy('id').pluck(db, 'name')).toEqual(['older', 'second'])
    expect(await Tag.query().delete(db, { all: true })).toBe(2)
  })

  it('aliases a same-table subquery inside an include too', async () => {
    // Each user's posts, but only for users whose own row has phone '1' (Ann): the ref names
    // the outer user, not the subquery's row.
    const query = User.query()
      .where('name', 'in', ['Ann', 'Bob'])
      .orderBy('name')
      .include('posts', (q) =>
        q
          .orderBy('title')
          .whereExists(User.query().whereColumn('id', '=', User.column('id')).where('phone', '1')),
      )
    expect(query.toSQL().text).toMatch(/FROM "users" AS "users_\d+"/)
    const rows = await query.fetch(db)
    expect(rows.map((row) => [row.name, row.posts.map((post) => post.title)])).toEqual([
      ['Ann', ['a1']],
      ['Bob', []],
    ])
  })

  it('orders by a key select({ key: column }) named, and refuses an include on a taken key', async () => {
    const titles = await Post.query()
      .select({ heading: 'title' })
      .orderBy('heading', 'desc')
      .fetch(db)
    expect(titles.map((row) => row.heading)).toEqual(['g1', 'b1', 'a1'])
    expect(() => Post.query().select({ author: 'title' }).include('author')).toThrow(
      `Post.include failed: two selected values would both be the row's "author": a selected value and the include`,
    )
  })

  it('updates, soft-deletes and deletes by condition', async () => {
    const { Tag } = models
    await Tag.insertMany(db, [{ name: 'x1' }, { name: 'x2' }, { name: 'y1' }])
    expect(
      await Tag.query()
        .where('name', 'like', 'x%')
        .update(db, { name: 'z' } as never)
        .catch((e) => e.kind),
    ).toBe('unique_violation')
    expect(await Tag.query().where('name', 'y1').update(db, { name: 'y2' })).toBe(1)
    expect(await Tag.query().where('name', 'like', 'x%').delete(db)).toBe(2)
    expect(await Tag.query().delete(db, { all: true })).toBe(1)
    const user = await User.insert(db, { email: 'tmp@x', name: 'Tmp' })
    expect(await User.query().where('email', 'tmp@x').softDelete(db)).toBe(1)
    expect(await User.query().where('email', 'tmp@x').softDelete(db)).toBe(0)
    expect(await User.query().withDeleted().where('id', user.id).update(db, { name: 'T' })).toBe(1)
    expect(await User.query().where('email', 'tmp@x').delete(db)).toBe(0)
    expect(await User.query().withDeleted().where('email', 'tmp@x').delete(db)).toBe(1)
  })

  it('binds hostile values as data', async () => {
    for (const value of ["'; DROP TABLE users; --", "O'Brien\\", '$1', '日本 ✓', '" OR 1=1 --']) {
      expect(await User.query().where('name', value).orWhere('email', value).count(db)).toBe(0)
      expect(await User.query().where('name', 'in', [value, 'Ann']).pluck(db, 'name')).toEqual([
        'Ann',
      ])
    }
    expect(await User.tableExists(db)).toBe(true)
  })
})
