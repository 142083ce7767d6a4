import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { recording } from '../support/recording-driver.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * upsert / upsertMany with `update`: what a conflict changes, checked against the table as
 * SQL reads it — including that a conflict meant to change nothing writes nothing (the row
 * version, xmin, stays).
 */
describe.each(BACKENDS)('upserts on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Tag } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
  })
  afterAll(() => backend.close())

  it('updates only the columns `update` names, and updated_at', async () => {
    const ann = await User.insert(db, { email: 'ann@example.com', name: 'Ann', phone: '1' })
    const row = await User.upsert(
      db,
      { email: 'ann@example.com', name: 'Ann B', phone: '2' },
      { conflict: ['email'], update: ['name'] },
    )
    expect(row.id).toBe(ann.id)
    const [stored] = await hand(
      "SELECT name, phone, updated_at > created_at AS touched FROM users WHERE email = 'ann@example.com'",
    )
    expect(stored).toEqual({ name: 'Ann B', phone: '1', touched: expect.any(Boolean) })
    expect(row).toMatchObject({ name: 'Ann B', phone: '1' })
  })

  it('with update: [] returns the existing row and writes nothing', async () => {
    const [before] = await hand(
      "SELECT xmin::text AS version, name FROM users WHERE email = 'ann@example.com'",
    )
    const texts: string[] = []
    const row = await User.upsert(
      recording(toDriver(db), texts),
      { email: 'ann@example.com', name: 'Ignored' },
      { update: [] },
    )
    expect(row).toMatchObject({ email: 'ann@example.com', name: 'Ann B' })
    const [after] = await hand(
      "SELECT xmin::text AS version, name FROM users WHERE email = 'ann@example.com'",
    )
    expect(after).toEqual(before)
    expect(texts.join('\n')).not.toMatch(/DO UPDATE/)
    // A new key is inserted, as ever.
    const bob = await User.upsert(db, { email: 'bob@example.com', name: 'Bob' }, { update: [] })
    expect(bob.name).toBe('Bob')
    // A fragment value is one expression in the insert and the lookup.
    const again = await User.upsert(
      db,
      { email: sql`lower(${'BOB@example.com'})`, name: 'Other' },
      { update: [] },
    )
    expect(again.id).toBe(bob.id)
    expect(await hand('SELECT count(*)::int AS n FROM users')).toEqual([{ n: 2 }])
  })

  it('upsertMany inserts and updates in one statement, rows in input order', async () => {
    const texts: string[] = []
    const rows = await User.upsertMany(
      recording(toDriver(db), texts),
      [
        { email: 'cat@example.com', name: 'Cat', phone: '9' },
        { email: 'ann@example.com', name: 'Ann C' },
        { email: 'dan@example.com', name: 'Dan' },
        { email: 'bob@example.com', name: 'Bob B' },
      ],
      { conflict: ['email'] },
    )
    expect(texts).toHaveLength(1)
    expect(rows.map((row) => [row.email, row.name])).toEqual([
      ['cat@example.com', 'Cat'],
      ['ann@example.com', 'Ann C'],
      ['dan@example.com', 'Dan'],
      ['bob@example.com', 'Bob B'],
    ])
    // phone is not set by every row, so a conflict leaves it as it was.
    expect(await hand('SELECT email, name, phone FROM users ORDER BY email')).toEqual([
      { email: 'ann@example.com', name: 'Ann C', phone: '1' },
      { email: 'bob@example.com', name: 'Bob B', phone: null },
      { email: 'cat@example.com', name: 'Cat', phone: '9' },
      { email: 'dan@example.com', name: 'Dan', phone: null },
    ])
  })

  it('upsertMany with update: [] gives new and existing rows in order, writing none of the existing', async () => {
    await Tag.insertMany(db, [{ name: 'sql' }, { name: 'go' }])
    const [before] = await hand("SELECT string_agg(xmin::text, ',' ORDER BY id) AS v FROM tags")
    const texts: string[] = []
    const rows = await Tag.upsertMany(
      recording(toDriver(db), texts),
      ['js', 'sql', 'rust', 'go', 'js'].map((name) => ({ name })),
      { conflict: ['name'], update: [] },
    )
    expect(texts.join('\n')).not.toMatch(/DO UPDATE/)
    expect(rows.map((row) => row.name)).toEqual(['js', 'sql', 'rust', 'go', 'js'])
    const byName = await hand('SELECT id, name FROM tags')
    const ids = new Map(byName.map((row) => [row.name, row.id]))
    expect(rows.map((row) => row.id)).toEqual(rows.map((row) => ids.get(row.name)))
    expect(byName).toHaveLength(4)
    const [after] = await hand(
      "SELECT string_agg(xmin::text, ',' ORDER BY id) AS v FROM tags WHERE name IN ('sql', 'go')",
    )
    expect(after).toEqual(before)
  })

  it('upsertMany keeps input order across chunks, all in one transaction', async () => {
    const names = Array.from({ length: 12_000 }, (_, i) => `bulk-${(i * 7919) % 12_000}`)
    await Tag.insertMany(
      db,
      names.filter((_, i) => i % 3 === 0).map((name) => ({ name })),
    )
    const rows = await Tag.upsertMany(
      db,
      names.map((name) => ({ name })),
      { update: [] },
    )
    expect(rows.map((row) => row.name)).toEqual(names)
    const [count] = await hand("SELECT count(*)::int AS n FROM tags WHERE name LIKE 'bulk-%'")
    expect(count).toEqual({ n: 12_000 })
  })

  it('refuses what it cannot do, before anything is sent', async () => {
    const [before] = await hand('SELECT count(*)::int AS n FROM users')
    await expectRefused(
      () =>
        User.upsertMany(db, [
          { email: 'eve@example.com', name: 'Eve' },
          { email: 'eve@example.com', name: 'Eve 2' },
        ]),
      /rows 0 and 1 have the same value for the conflict columns \(email\)/,
    )
    await expectRefused(
      () => User.upsert(db, { email: 'a@b.c', name: 'A' }, { conflict: 'email' } as never),
      /conflict must be an array/,
    )
    await expectRefused(
      () => User.upsert(db, { email: 'a@b.c', name: 'A' }, { update: ['nope'] } as never),
      /unknown column "nope"/,
    )
    await expectRefused(
      () => User.upsert(db, { email: 'a@b.c', name: 'A' }, { update: ['created_at'] }),
      /cannot be updated/,
    )
    await expectRefused(
      () => User.upsert(db, { email: 'a@b.c', name: 'A' }, { update: ['phone'] }),
      /does not set/,
    )
    await expectRefused(
      () =>
        User.upsertMany(
          db,
          [
            { email: 'a@b.c', name: 'A', phone: '1' },
            { email: 'b@b.c', name: 'B' },
          ],
          {
            update: ['phone'],
          },
        ),
      /does not set/,
    )
    await expectRefused(() => User.upsertMany(db, { email: 'a@b.c' } as never), /array of rows/)
    await expectRefused(
      () => Tag.upsert(db, { name: 'x' }, { conflict: ['id'], update: [] }),
      /conflict column "id" has no value/,
    )
    expect(await hand('SELECT count(*)::int AS n FROM users')).toEqual([before])
    expect(await User.upsertMany(db, [])).toEqual([])
  })
})
