import { FluentOrmError, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/** insert / insertMany with onConflict: 'nothing', checked against the table as SQL reads it. */
describe.each(BACKENDS)('onConflict on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User, Tag } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    await User.insert(db, { email: 'ann@example.com', name: 'Ann' })
    await Tag.insertMany(db, [{ name: 'sql' }])
  })
  afterAll(() => backend.close())

  it('inserts a row, or gives null when it conflicts, leaving the table as it was', async () => {
    const skipped = await User.insert(
      db,
      { email: 'ann@example.com', name: 'Other Ann' },
      { onConflict: 'nothing', conflict: ['email'] },
    )
    expect(skipped).toBeNull()
    const added = await User.insert(
      db,
      { email: 'bob@example.com', name: 'Bob' },
      { onConflict: 'nothing' },
    )
    expect(added?.email).toBe('bob@example.com')
    expect(await hand('SELECT email, name FROM users ORDER BY email')).toEqual([
      { email: 'ann@example.com', name: 'Ann' },
      { email: 'bob@example.com', name: 'Bob' },
    ])
  })

  it('returns only the rows insertMany inserted, in input order, on both of its paths', async () => {
    const names = ['js', 'sql', 'go', 'js']
    const rows = await Tag.insertMany(
      db,
      names.map((name) => ({ name })),
      { onConflict: 'nothing' },
    )
    expect(rows.map((row) => row.name)).toEqual(['js', 'go'])
    const count = await Tag.insertMany(db, [{ name: 'rust' }, { name: 'go' }], {
      onConflict: 'nothing',
      conflict: ['name'],
      returning: false,
    })
    expect(count).toBe(1)
    // Fragment-free rows that set different columns take the VALUES path.
    const users = await User.insertMany(
      db,
      [
        { email: 'ann@example.com', name: 'Again' },
        { email: 'cat@example.com', name: 'Cat', phone: '1' },
      ],
      { onConflict: 'nothing' },
    )
    expect(users.map((user) => user.email)).toEqual(['cat@example.com'])
    expect((await hand('SELECT name FROM tags ORDER BY id')).map((row) => row.name)).toEqual([
      'sql',
      'js',
      'go',
      'rust',
    ])
  })

  it('refuses what it cannot do, before or when PostgreSQL says why', async () => {
    const attempts: [() => Promise<unknown>, RegExp][] = [
      [
        () => User.insert(db, { email: 'x@y.z', name: 'X' }, { onConflict: 'update' } as never),
        /unknown onConflict "update"/,
      ],
      [
        () => User.insert(db, { email: 'x@y.z', name: 'X' }, { conflict: ['email'] } as never),
        /conflict without onConflict/,
      ],
      [
        () =>
          User.insert(db, { email: 'x@y.z', name: 'X' }, {
            onConflict: 'nothing',
            conflict: 'email',
          } as never),
        /conflict must be an array/,
      ],
      [() => User.insertMany(db, { email: 'x@y.z' } as never), /expected an array of rows/],
    ]
    for (const [run, message] of attempts) await expectRefused(run, message)
    // A target no unique constraint covers: PostgreSQL refuses it, as a FluentOrmError.
    const error = await User.insert(
      db,
      { email: 'x@y.z', name: 'X' },
      { onConflict: 'nothing', conflict: ['name'] },
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(await hand(`SELECT count(*)::int AS n FROM users WHERE email = 'x@y.z'`)).toEqual([
      { n: 0 },
    ])
  })
})
