import { FluentOrmError, toDriver, transaction } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend, pgBackend } from '../support/backends.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/** forUpdate and its kin: the SQL they render, and what PostgreSQL then does with the rows. */
describe.each(BACKENDS)('row locks on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Post, Tag } = models
  let backend: Backend
  let db: Backend['db']

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    await Tag.insertMany(
      db,
      ['a', 'b', 'c'].map((name) => ({ name })),
    )
  })
  afterAll(() => backend.close())

  it('renders each strength with its wait policy and tables', () => {
    const base = Tag.query().where('name', 'a')
    expect(base.forUpdate().toSQL().text).toMatch(/ FOR UPDATE$/)
    expect(base.forNoKeyUpdate({ skipLocked: true }).toSQL().text).toMatch(
      / FOR NO KEY UPDATE SKIP LOCKED$/,
    )
    expect(base.forShare({ noWait: true }).toSQL().text).toMatch(/ FOR SHARE NOWAIT$/)
    expect(base.forKeyShare().toSQL().text).toMatch(/ FOR KEY SHARE$/)
    const joined = Post.query()
      .join(User, 'users.id', 'user_id')
      .limit(5)
      .forUpdate({ of: [Post], skipLocked: true })
    expect(joined.toSQL().text).toMatch(/ LIMIT 5 FOR UPDATE OF "posts" SKIP LOCKED$/)
  })

  it('returns the rows it locks, inside a transaction, with includes and relation counts', async () => {
    const rows = await transaction(db, (tx) =>
      Tag.query().orderBy('id').withCount('posts').forUpdate().fetch(tx),
    )
    expect(rows.map((row) => [row.name, row.posts_count])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 0],
    ])
  })

  it('is refused where PostgreSQL refuses it, before any SQL is sent', async () => {
    await expectRefused(() => Tag.query().distinct().forUpdate().fetch(db), /distinct/)
    await expectRefused(
      () => Tag.query().select('name').groupBy('name').forShare().fetch(db),
      /grouped/,
    )
    await expectRefused(
      () => Tag.query().selectAggregate('count', '*', 'n').forUpdate().fetch(db),
      /aggregate/,
    )
    await expectRefused(() => Tag.query().forUpdate().count(db), /locks nothing/)
    await expectRefused(() => Tag.query().forUpdate().max(db, 'id'), /locks nothing/)
    await expectRefused(
      () => Post.query().leftJoin(User, 'users.id', 'user_id').forUpdate().fetch(db),
      /nullable side of a LEFT JOIN/,
    )
    await expectRefused(
      () =>
        Post.query()
          .forUpdate({ of: [User] })
          .fetch(db),
      /not in the query/,
    )
    await expectRefused(() => User.query().include('posts', (q) => q.forUpdate()), /locked/)
    await expectRefused(() => Tag.query().forUpdate({ skipLocked: true, noWait: true }), /exclude/)
    await expectRefused(() => Tag.query().forUpdate({ of: ['tags'] } as never), /models/)
    await expectRefused(
      () => Tag.query().forUpdate({ skipLocked: 'yes' } as never),
      /true or false/,
    )
    // A LEFT JOIN is fine when only the own rows are locked.
    const posts = await transaction(db, (tx) =>
      Post.query()
        .leftJoin(User, 'users.id', 'user_id')
        .forUpdate({ of: [Post] })
        .fetch(tx),
    )
    expect(posts).toEqual([])
  })

  it('paginates a locked query (its count locks nothing)', async () => {
    const page = await transaction(db, (tx) =>
      Tag.query().orderBy('id').forUpdate().paginate(tx, 1, 2),
    )
    expect(page.rows.map((row) => row.name)).toEqual(['a', 'b'])
    expect(page.total).toBe(3)
  })
})

/** Concurrency needs connections of their own: on the PostgreSQL server only. */
describe('row locks between transactions on pg', () => {
  const models: BlogModels = blogModels()
  const { Tag } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows

  beforeAll(async () => {
    backend = await pgBackend({ max: 8 })
    db = backend.db
    await createBlogTables(db, models)
  })
  afterAll(() => backend.close())

  it('lets concurrent workers claim different jobs with SKIP LOCKED', async () => {
    await Tag.insertMany(
      db,
      Array.from({ length: 12 }, (_, i) => ({ name: `job-${String(i).padStart(2, '0')}` })),
    )
    const workers = 4
    let arrived = 0
    let release!: () => void
    const allClaimed = new Promise<void>((resolve) => {
      release = resolve
    })
    const claims = await Promise.all(
      Array.from({ length: workers }, () =>
        transaction(db, async (tx) => {
          const jobs = await Tag.query()
            .orderBy('id')
            .limit(3)
            .forUpdate({ skipLocked: true })
            .fetch(tx)
          // Every worker holds its locks until all have claimed: the claims overlap in time.
          if (++arrived === workers) release()
          await allClaimed
          for (const job of jobs) await Tag.update(tx, job.id, { name: `${job.name}-done` })
          return jobs.map((job) => job.name)
        }),
      ),
    )
    const claimed = claims.flat()
    expect(claimed).toHaveLength(12)
    expect(new Set(claimed).size).toBe(12)
    expect(claims.every((names) => names.length === 3)).toBe(true)
    const left = await hand(`SELECT count(*)::int AS n FROM tags WHERE name NOT LIKE '%-done'`)
    expect(left).toEqual([{ n: 0 }])
  })

  it('fails at once with noWait while another transaction holds the row', async () => {
    const [row] = await Tag.insertMany(db, [{ name: 'held' }])
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => {
      locked = resolve
    })
    const holder = transaction(db, async (tx) => {
      await Tag.query().where('id', row!.id).forUpdate().fetch(tx)
      locked()
      await held
    })
    await isLocked
    const error = await transaction(db, (tx) =>
      Tag.query().where('id', row!.id).forUpdate({ noWait: true }).fetch(tx),
    ).catch((e: unknown) => e)
    release()
    await holder
    expect(error).toBeInstanceOf(FluentOrmError)
    expect((error as FluentOrmError).code).toBe('55P03')
    // Once the holder has committed, the row is free again.
    const skipped = await transaction(db, (tx) =>
      Tag.query().where('id', row!.id).forUpdate({ skipLocked: true }).fetch(tx),
    )
    expect(skipped.map((r) => r.name)).toEqual(['held'])
  })
})
