import { FluentOrmError } from '@fluentorm/runtime'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

describe.each(BACKENDS)('model CRUD on $name', ({ open }) => {
  let backend: Backend
  let db: Backend['db']
  const { User, Post, Tag, PostTag, Comment, Profile }: BlogModels = blogModels()

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, { User, Post, Tag, PostTag, Comment, Profile })
  })
  afterAll(() => backend.close())
  beforeEach(async () => {
    await User.truncate(db)
    await Tag.truncate(db)
  })

  const ann = { email: 'ann@example.com', name: 'Ann' }

  it('names its table and knows whether it exists', async () => {
    expect(User.tableName()).toBe('users')
    expect(await User.tableExists(db)).toBe(true)
    const { Tag: Other } = blogModels()
    await Other.dropTable(db)
    expect(await Other.tableExists(db)).toBe(false)
    await Other.createTable(db)
    await Other.createTable(db)
    expect(await Other.tableExists(db)).toBe(true)
    // DROP … CASCADE took the junction's foreign key to tags with it: put it back.
    await PostTag.createTable(db)
  })

  it('inserts with SQL defaults and returns the whole row', async () => {
    const user = await User.insert(db, ann)
    expect(user).toMatchObject({ ...ann, phone: null, deleted_at: null })
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(user.created_at).toBeInstanceOf(Date)
    const post = await Post.insert(db, { title: 'Hello', user_id: user.id })
    expect(post).toMatchObject({
      title: 'Hello',
      summary: null,
      is_published: false,
      view_count: 0,
    })
  })

  it('rejects excluded, unknown and missing columns with clear errors', async () => {
    const user = await User.insert(db, ann)
    const excluded = Post.insert(db, { title: 'x', user_id: user.id, view_count: 3 } as never)
    await expect(excluded).rejects.toThrow(
      `Post.insert failed: column "view_count" of table posts cannot be set on insert (createInput: 'excluded')`,
    )
    await expect(User.insert(db, { ...ann, emial: 'x' } as never)).rejects.toThrow(
      'User.insert failed: unknown column "emial" on table users. Use one of: id, email, name, phone',
    )
    await expect(User.insert(db, { name: 'No mail' } as never)).rejects.toThrow(
      'User.insert failed: missing required column "email" of table users',
    )
    const identity = Tag.insert(db, { id: 5, name: 'x' } as never)
    await expect(identity).rejects.toMatchObject({ kind: 'invalid_usage', model: 'Tag' })
  })

  it('wraps database errors with the model and operation', async () => {
    await User.insert(db, ann)
    const error = await User.insert(db, ann).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error).toMatchObject({
      kind: 'unique_violation',
      model: 'User',
      operation: 'insert',
      constraint: 'users_email_key',
    })
    expect((error as Error).message).toMatch(/^User\.insert failed: duplicate value/)
  })

  it('finds by id, null when absent, and respects soft delete', async () => {
    const user = await User.insert(db, ann)
    expect(await User.findById(db, user.id)).toEqual(user)
    expect(await User.findById(db, '00000000-0000-0000-0000-000000000000')).toBeNull()
    expect(await User.softDelete(db, user.id)).toBe(true)
    expect(await User.softDelete(db, user.id)).toBe(false)
    expect(await User.findById(db, user.id)).toBeNull()
    expect((await User.findById(db, user.id, { withDeleted: true }))?.deleted_at).toBeInstanceOf(
      Date,
    )
    expect(await User.count(db)).toBe(0)
    expect(await User.count(db, { withDeleted: true })).toBe(1)
    expect(await User.findAll(db)).toEqual([])
    expect(await User.restore(db, user.id)).toBe(true)
    expect(await User.restore(db, user.id)).toBe(false)
    expect(await User.findAll(db)).toEqual([user])
    expect(await User.hardDelete(db, user.id)).toBe(true)
    expect(await User.findById(db, user.id, { withDeleted: true })).toBeNull()
  })

  it('refuses soft delete on a table without deleted_at', async () => {
    const tag = await Tag.insert(db, { name: 'ts' })
    await expect(Tag.softDelete(db, tag.id)).rejects.toThrow(
      'Tag.softDelete failed: table tags has no soft delete (no deleted_at column). Add t.softDelete() to its schema, or use hardDelete().',
    )
  })

  it('updates: undefined keeps, null sets NULL, updated_at moves', async () => {
    const user = await User.insert(db, { ...ann, phone: '555' })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const renamed = await User.update(db, user.id, { name: 'Anna', phone: undefined })
    expect(renamed).toMatchObject({ name: 'Anna', phone: '555', email: ann.email })
    expect(renamed!.updated_at.getTime()).toBeGreaterThan(user.updated_at.getTime())
    const cleared = await User.update(db, user.id, { phone: null })
    expect(cleared).toMatchObject({ name: 'Anna', phone: null })
    expect(await User.update(db, '00000000-0000-0000-0000-000000000000', { name: 'x' })).toBeNull()
    await User.softDelete(db, user.id)
    expect(await User.update(db, user.id, { name: 'ghost' })).toBeNull()
    expect((await User.findById(db, user.id, { withDeleted: true }))?.name).toBe('Anna')
  })

  it('rejects unknown and non-updatable columns in update', async () => {
    const user = await User.insert(db, ann)
    await expect(User.update(db, user.id, { created_at: new Date() } as never)).rejects.toThrow(
      'User.update failed: column "created_at" of table users cannot be updated (updateInput: false)',
    )
    await expect(User.update(db, user.id, { nmae: 'x' } as never)).rejects.toThrow(
      'User.update failed: unknown column "nmae" on table users',
    )
  })

  it('upserts on the first unique column or the given columns', async () => {
    const first = await User.upsert(db, ann)
    const second = await User.upsert(db, { ...ann, name: 'Ann B' })
    expect(second.id).toBe(first.id)
    expect(second.name).toBe('Ann B')
    expect(await User.count(db)).toBe(1)
    const tag = await Tag.upsert(db, { name: 'db' })
    expect(await Tag.upsert(db, { name: 'db' })).toEqual(tag)
    const post = await Post.insert(db, { title: 't', user_id: first.id })
    await PostTag.upsert(db, { post_id: post.id, tag_id: tag.id, position: 1 })
    const moved = await PostTag.upsert(
      db,
      { post_id: post.id, tag_id: tag.id, position: 2 },
      { conflict: ['post_id', 'tag_id'] },
    )
    expect(moved.position).toBe(2)
  })

  it('restores a soft-deleted row an upsert lands on', async () => {
    const user = await User.insert(db, { email: 'gone@example.com', name: 'Gone' })
    expect(await User.softDelete(db, user.id)).toBe(true)
    expect(await User.findById(db, user.id)).toBeNull()
    const back = await User.upsert(db, { email: 'gone@example.com', name: 'Back' })
    expect(back).toMatchObject({ id: user.id, name: 'Back', deleted_at: null })
    expect(await User.findById(db, user.id)).toMatchObject({ name: 'Back' })
  })

  it('lets an upsert set a deleted_at column the schema declares itself', async () => {
    const { Member } = modelsOf({
      members(t) {
        t.increments({ name: 'id', primaryKey: true })
        t.string({ name: 'email', unique: true })
        t.timestamptz({ name: 'deleted_at', notNull: false })
      },
    })
    await Member.createTable(db)
    const deletedAt = new Date('2024-01-02T03:04:05Z')
    const sent = await Member.upsert(db, { email: 'm@example.com', deleted_at: deletedAt })
    expect(sent).toMatchObject({ email: 'm@example.com', deleted_at: deletedAt })
    const again = await Member.upsert(db, { email: 'm@example.com', deleted_at: null })
    expect(again).toMatchObject({ id: sent.id, deleted_at: null })
  })

  it('works with identity and composite primary keys', async () => {
    const [a, b] = await Tag.insertMany(db, [{ name: 'a' }, { name: 'b' }])
    expect([a!.id, b!.id]).toEqual([1, 2])
    expect(await Tag.findById(db, 2)).toEqual(b)
    const user = await User.insert(db, ann)
    const post = await Post.insert(db, { title: 't', user_id: user.id })
    await PostTag.insert(db, { post_id: post.id, tag_id: a!.id })
    const key = { post_id: post.id, tag_id: a!.id }
    expect(await PostTag.findById(db, key)).toEqual({ ...key, position: 0 })
    expect(await PostTag.update(db, key, { position: 7 })).toEqual({ ...key, position: 7 })
    await expect(PostTag.findById(db, post.id as never)).rejects.toThrow(
      'PostTag.findById failed: table post_tags has a composite primary key, so the id must be an object. Pass { post_id, tag_id }.',
    )
    expect(await PostTag.hardDelete(db, key)).toBe(true)
    expect(await PostTag.findById(db, key)).toBeNull()
    const profile = await Profile.insert(db, { user_id: user.id })
    expect(profile).toEqual({ id: 1, user_id: user.id, bio: null })
  })

  it('insertMany applies defaults per row and keeps input order', async () => {
    const rows = await User.insertMany(db, [
      { email: 'b@x', name: 'B', phone: '1' },
      { email: 'a@x', name: 'A' },
    ])
    expect(rows.map((row) => [row.email, row.phone])).toEqual([
      ['b@x', '1'],
      ['a@x', null],
    ])
    expect(await User.insertMany(db, [])).toEqual([])
  })

  it('insertMany chunks 70,000 rows under the parameter limit, in order', async () => {
    const input = Array.from({ length: 70_000 }, (_, i) => ({ name: `tag ${i}` }))
    const rows = await Tag.insertMany(db, input)
    expect(rows).toHaveLength(70_000)
    expect(rows[0]).toEqual({ id: 1, name: 'tag 0' })
    expect(rows[69_999]).toEqual({ id: 70_000, name: 'tag 69999' })
    expect(rows.every((row, i) => row.name === `tag ${i}` && row.id === i + 1)).toBe(true)
    expect(await Tag.count(db)).toBe(70_000)
  })

  it('insertMany is all or nothing across chunks', async () => {
    const input = Array.from({ length: 40_000 }, (_, i) => ({ name: `n${i}` }))
    input.push({ name: 'n1' })
    await expect(Tag.insertMany(db, input)).rejects.toMatchObject({
      kind: 'unique_violation',
      model: 'Tag',
      operation: 'insertMany',
    })
    expect(await Tag.count(db)).toBe(0)
  })

  it('stores hostile strings as data', async () => {
    const hostile = [
      "O'Brien",
      "'; DROP TABLE users; --",
      "back\\slash \\' \\x00",
      '$1 $2 $$ $fluentorm$',
      'unicode ✓ 日本 👩‍💻',
      '"quoted" identifier',
    ]
    const users = await User.insertMany(
      db,
      hostile.map((name, i) => ({ email: `${i}@x`, name })),
    )
    expect(users.map((user) => user.name)).toEqual(hostile)
    for (const user of users) expect((await User.findById(db, user.id))?.name).toBe(user.name)
    const comment = await Comment.insert(db, {
      post_id: (await Post.insert(db, { title: hostile[1]!, user_id: users[0]!.id })).id,
      user_id: users[0]!.id,
      content: hostile[2]!,
      likes: 9_007_199_254_740_993n,
      score: '1234.56',
      attachment: new Uint8Array([0, 1, 255]),
    })
    expect(comment).toMatchObject({ likes: 9_007_199_254_740_993n, score: '1234.56' })
    expect([...comment.attachment!]).toEqual([0, 1, 255])
    expect(await User.tableExists(db)).toBe(true)
    expect(await User.count(db)).toBe(hostile.length)
  })
})
