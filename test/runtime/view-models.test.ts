import type { TableSchema } from '@fluentorm/core'
import { copyRows, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { recording } from '../support/recording-driver.ts'
import { expectRefused } from '../support/usage-error.ts'

const BODY =
  'SELECT p.id, p.title, count(c.id)::int AS comments FROM posts p LEFT JOIN comments c ON c.post_id = p.id GROUP BY p.id'

/**
 * A view's model reads as a table's (findById, findAll, query, includes both ways) and refuses
 * every write before sending anything; a materialized view's is brought up to date by refresh().
 */
describe.each(BACKENDS)('view models on $name', ({ open }) => {
  const build = (name: string, materialized: boolean) => (t: TableSchema) => {
    t.view({ as: BODY, materialized })
    t.integer({ name: 'id', primaryKey: true })
    t.string({ name: 'title' })
    t.integer({ name: 'comments' })
    t.belongsTo({ name: 'post', column: 'id', referencesTable: 'posts', constraint: false })
    if (materialized) t.addIndexes([{ name: `${name}_id`, columns: ['id'], unique: true }])
  }
  const models = modelsOf({
    posts: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'title' })
      t.hasOne({ name: 'stats', foreignTable: 'post_stats', foreignColumn: 'id' })
    },
    comments: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'post_id' })
      t.belongsTo({ name: 'post', column: 'post_id', referencesTable: 'posts' })
    },
    post_stats: build('post_stats', false),
    post_totals: build('post_totals', true),
  })
  const { Post, Comment, PostStat, PostTotal } = models
  let backend: Backend
  let db: Backend['db']

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    // Twice: a view's DDL re-runs as a table's does.
    for (const model of [Post, Comment, PostStat, PostTotal, PostStat, PostTotal]) {
      await model.createTable(db)
      await model.createIndexes(db)
    }
    const [first, second] = await Post.insertMany(db, [{ title: 'First' }, { title: 'Second' }])
    await Comment.insertMany(db, [{ post_id: first.id }, { post_id: first.id }])
    expect(second).toBeDefined()
  })
  afterAll(() => backend.close())

  it('reads a view through findById, findAll, query() and includes', async () => {
    expect(await PostStat.findAll(db)).toEqual([
      { id: 1, title: 'First', comments: 2 },
      { id: 2, title: 'Second', comments: 0 },
    ])
    expect(await PostStat.findById(db, 2)).toEqual({ id: 2, title: 'Second', comments: 0 })
    expect(await PostStat.findById(db, 3)).toBeNull()
    expect(await PostStat.query().where('comments', '>', 0).pluck(db, 'title')).toEqual(['First'])
    expect(await PostStat.count(db)).toBe(2)
    const withPost = await PostStat.query().include('post').orderBy('id').first(db)
    expect(withPost.post).toEqual({ id: 1, title: 'First' })
    const post = await Post.query().include('stats').where('id', 2).first(db)
    expect(post.stats).toEqual({ id: 2, title: 'Second', comments: 0 })
  })

  it('refuses every write on a view before sending it', async () => {
    for (const Model of [PostStat, PostTotal]) {
      await expectRefused(
        () => Model.insert(db, { id: 9 }),
        /is a (materialized )?view: .* cannot be written/,
      )
      await expectRefused(() => Model.insertMany(db, [{ id: 9 }]), /cannot be written/)
      await expectRefused(() => Model.update(db, 1, { title: 'x' }), /cannot be written/)
      await expectRefused(() => Model.upsert(db, { id: 1 }), /cannot be written/)
      await expectRefused(() => Model.upsertMany(db, [{ id: 1 }]), /cannot be written/)
      await expectRefused(() => Model.hardDelete(db, 1), /cannot be written/)
      await expectRefused(() => Model.truncate(db), /cannot be written/)
      await expectRefused(() => Model.query().where('id', 1).delete(db), /query.delete failed/)
      await expectRefused(
        () => Model.query().where('id', 1).update(db, { title: 'x' }),
        /cannot be written/,
      )
    }
    // A bulk load too, before anything is sent (COPY into a view is PostgreSQL's error otherwise).
    const texts: string[] = []
    for (const Model of [PostStat, PostTotal]) {
      await expectRefused(
        () => copyRows(recording(toDriver(db), texts), Model, [{ id: 9, title: 'x', comments: 0 }]),
        /copyRows failed: post_(stats|totals) is a (materialized )?view: .* cannot be written/,
      )
    }
    // Even a row setting nothing, which insert's column rules would let through.
    await expectRefused(() => copyRows(recording(toDriver(db), texts), PostStat, [{}]), /is a view/)
    expect(texts).toEqual([])
    await expectRefused(() => PostTotal.insert(db, {}), /then PostTotal\.refresh\(db\)/)
    expect(PostStat.refresh).toBeUndefined()
    expect(await Post.count(db)).toBe(2)
  })

  it('refreshes a materialized view, concurrently with its unique index', async () => {
    // Filled when created, before the posts were inserted.
    expect(await PostTotal.findById(db, 2)).toBeNull()
    await PostTotal.refresh(db)
    expect(await PostTotal.findById(db, 2)).toEqual({ id: 2, title: 'Second', comments: 0 })
    await Comment.insert(db, { post_id: 2 })
    // Stored rows: the new comment shows after a refresh only.
    expect((await PostTotal.findById(db, 2)).comments).toBe(0)
    expect((await PostStat.findById(db, 2)).comments).toBe(1)
    await PostTotal.refresh(db)
    expect((await PostTotal.findById(db, 2)).comments).toBe(1)
    await Comment.insert(db, { post_id: 2 })
    await PostTotal.refresh(db, { concurrently: true })
    expect((await PostTotal.findById(db, 2)).comments).toBe(2)
    await expectRefused(
      () => PostTotal.refresh(db, { concurrently: 'yes' }),
      /concurrently must be true or false/,
    )
  })
})
