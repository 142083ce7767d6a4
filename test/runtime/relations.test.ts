import { toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type BlogModels,
  blogModels,
  type CommentRow,
  createBlogTables,
  type PostRow,
  type UserRow,
} from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { recording } from '../support/recording-driver.ts'

const models: BlogModels = blogModels()
const { User, Profile, Post, Tag, PostTag, Comment } = models

describe('include SQL', () => {
  it('is one statement with correlated JSON subqueries, values bound', () => {
    const { text, values } = Post.query()
      .select('id')
      .include('author', (q) => q.select('name'))
      .include('comments', (q) => q.select('content').orderBy('created_at', 'desc'))
      .toSQL()
    expect(text).toBe(
      'SELECT "posts"."id", ' +
        '(SELECT json_build_array("users"."name") FROM "users" WHERE "users"."id" = "posts"."user_id" AND "users"."deleted_at" IS NULL LIMIT 1) AS "author", ' +
        `(SELECT COALESCE(json_agg(json_build_array("comments"."content") ORDER BY "comments"."created_at" DESC), '[]') FROM "comments" WHERE "comments"."post_id" = "posts"."id" AND "comments"."deleted_at" IS NULL) AS "comments" ` +
        'FROM "posts" WHERE "posts"."deleted_at" IS NULL',
    )
    expect(values).toEqual([])
  })

  it('limits a many relation in a derived table, ordered by its hidden order columns', () => {
    const { text, values } = Post.query()
      .select('id')
      .include('comments', (q) => q.select('content').orderBy('created_at', 'desc').limit(3))
      .toSQL()
    expect(text).toBe(
      'SELECT "posts"."id", ' +
        `(SELECT COALESCE(json_agg("comments_1".* ORDER BY "comments_1"."__o1" DESC), '[]') FROM (SELECT "comments"."content", "comments"."created_at" AS "__o1" FROM "comments" WHERE "comments"."post_id" = "posts"."id" AND "comments"."deleted_at" IS NULL ORDER BY "__o1" DESC LIMIT 3) AS "comments_1") AS "comments" ` +
        'FROM "posts" WHERE "posts"."deleted_at" IS NULL',
    )
    expect(values).toEqual([])
  })

  it('names the relations a table has when one is unknown', () => {
    expect(() => Post.query().include('auther' as never)).toThrow(
      'Post.include failed: table posts has no relation "auther". Use one of: author, comments, tags.',
    )
  })
})

describe.each(BACKENDS)('relations on $name', ({ open }) => {
  let backend: Backend
  let db: Backend['db']
  let ann: UserRow
  let bob: UserRow
  let post: PostRow
  let other: PostRow
  let comments: CommentRow[]

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    const users = await User.insertMany(db, [
      { email: 'ann@x', name: 'Ann' },
      { email: 'bob@x', name: 'Bob' },
    ])
    ;[ann, bob] = users as [UserRow, UserRow]
    await Profile.insert(db, { user_id: ann!.id, bio: 'writes' })
    const posts = await Post.insertMany(db, [
      { title: 'first', user_id: ann!.id },
      { title: 'second', user_id: bob!.id },
    ])
    ;[post, other] = posts as [PostRow, PostRow]
    comments = await Comment.insertMany(db, [
      {
        post_id: post!.id,
        user_id: bob!.id,
        content: 'c1',
        approved: true,
        likes: 9_007_199_254_740_993n,
        score: '1234.56',
        attachment: new Uint8Array([0, 127, 255]),
        edited_at: new Date('2024-05-06T07:08:09.123Z'),
      },
      { post_id: post!.id, user_id: ann!.id, content: 'c2', approved: true },
      { post_id: post!.id, user_id: bob!.id, content: 'c3' },
      { post_id: post!.id, user_id: bob!.id, content: 'deleted', approved: true },
    ])
    await Comment.softDelete(db, comments[3]!.id)
    const [ts, sql] = await Tag.insertMany(db, [{ name: 'ts' }, { name: 'sql' }])
    await PostTag.insertMany(db, [
      { post_id: post!.id, tag_id: ts!.id, position: 2 },
      { post_id: post!.id, tag_id: sql!.id, position: 1 },
    ])
  })
  afterAll(() => backend.close())

  it('loads belongsTo, hasMany and manyToMany in one round trip', async () => {
    const texts: string[] = []
    const driver = recording(toDriver(db), texts)
    const rows = await Post.query()
      .orderBy('title')
      .include('author')
      .include('comments', (q) => q.orderBy('content'))
      .include('tags', (q) => q.orderBy('name'))
      .fetch(driver)
    expect(texts).toHaveLength(1)
    expect(rows).toHaveLength(2)
    const [first, second] = rows
    expect(first!.author).toEqual(ann)
    expect(first!.comments.map((c) => c.content)).toEqual(['c1', 'c2', 'c3'])
    expect(first!.tags).toEqual([
      { id: 2, name: 'sql' },
      { id: 1, name: 'ts' },
    ])
    expect(second!.author).toEqual(bob)
    expect(second!.comments).toEqual([])
    expect(second!.tags).toEqual([])
    expect(first).toMatchObject({ ...post, author: ann })
    expect(second).toMatchObject(other!)
  })

  it('decodes included rows exactly like top-level rows', async () => {
    const row = await Post.query()
      .where('id', post.id)
      .include('comments', (q) => q.withDeleted().orderBy('content'))
      .first(db)
    expect(row!.comments).toEqual(
      await Comment.query().withDeleted().where('post_id', post.id).orderBy('content').fetch(db),
    )
    const decoded = row!.comments[0]!
    expect(decoded.likes).toBe(9_007_199_254_740_993n)
    expect(decoded.score).toBe('1234.56')
    expect(decoded.attachment).toEqual(new Uint8Array([0, 127, 255]))
    expect(decoded.edited_at).toEqual(new Date('2024-05-06T07:08:09.123Z'))
    expect(decoded.created_at).toBeInstanceOf(Date)
  })

  it('applies per-relation where, orderBy and limit, and nests', async () => {
    const user = await User.query()
      .where('id', ann.id)
      .include('profile')
      .include('posts', (q) =>
        q.include('comments', (c) =>
          c
            .where('approved', true)
            .orderBy('content', 'desc')
            .limit(1)
            .include('author', (a) => a.select('name')),
        ),
      )
      .first(db)
    expect(user!.profile).toEqual({ id: 1, user_id: ann.id, bio: 'writes' })
    expect(user!.posts).toHaveLength(1)
    expect(user!.posts[0]!.comments).toEqual([
      expect.objectContaining({ content: 'c2', author: { name: 'Ann' } }),
    ])
    const bobs = await User.query().where('id', bob.id).include('profile').first(db)
    expect(bobs!.profile).toBeNull()
  })

  it('excludes soft-deleted children unless the nested query says withDeleted', async () => {
    const withoutDeleted = await Post.query()
      .where('id', post.id)
      .include('comments', (q) => q.where('approved', true).orWhere('content', 'deleted'))
      .first(db)
    expect(withoutDeleted!.comments.map((c) => c.content).sort()).toEqual(['c1', 'c2'])
    const withDeleted = await Post.query()
      .where('id', post.id)
      .include('comments', (q) => q.withDeleted().where('content', 'deleted'))
      .first(db)
    expect(withDeleted!.comments.map((c) => c.content)).toEqual(['deleted'])
    await User.softDelete(db, bob.id)
    const orphan = await Post.query().where('id', other.id).include('author').first(db)
    expect(orphan!.author).toBeNull()
    await User.restore(db, bob.id)
  })

  it('goes from a junction back through manyToMany the other way', async () => {
    const tags = await Tag.query()
      .orderBy('name')
      .include('posts', (q) => q.select('title'))
      .fetch(db)
    expect(tags).toEqual([
      { id: 2, name: 'sql', posts: [{ title: 'first' }] },
      { id: 1, name: 'ts', posts: [{ title: 'first' }] },
    ])
  })
})

describe('include misuse', () => {
  it('refuses a nested query on another model', () => {
    expect(() => Post.query().include('author', () => Comment.query() as never)).toThrow(
      'Post.include failed: the query built for relation "author" is on table comments, not users',
    )
  })
})
