import { escapeLike, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlogModels, blogModels, createBlogTables } from '../fixtures/blog-models.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/** Audit findings on the query side (issue 13): LIKE input, condition lists. */
describe.each(BACKENDS)('query safety on $name', ({ open }) => {
  const models: BlogModels = blogModels()
  const { User } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows
  const names = [
    '100% pure',
    '100 x pure',
    'a_b',
    'axb',
    'back\\slash',
    'backXslash',
    'Ann',
    'ANNE',
  ]

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await createBlogTables(db, models)
    await User.insertMany(
      db,
      names.map((name, i) => ({ email: `u${i}@example.com`, name })),
    )
  })
  afterAll(() => backend.close())

  const search: [string, string, string][] = [
    ['contains', '0% p', "name LIKE '%0\\% p%'"],
    ['contains', '_', "name LIKE '%\\_%'"],
    ['startsWith', 'back\\', "name LIKE 'back\\\\%'"],
    ['endsWith', '% pure', "name LIKE '%\\% pure'"],
    ['icontains', 'ann', "name ILIKE '%ann%'"],
    ['istartsWith', 'A_', "name ILIKE 'A\\_%'"],
    ['iendsWith', 'NE', "name ILIKE '%NE'"],
  ]

  it.each(search)('%s %j matches the text literally', async (op, text, condition) => {
    const expected = await hand(`SELECT name FROM users WHERE ${condition} ORDER BY name`)
    const rows = await User.query()
      .where('name', op as 'contains', text)
      .orderBy('name')
      .fetch(db)
    expect(rows.map((row) => row.name)).toEqual(expected.map((row) => row.name))
    expect(expected.length).toBeGreaterThan(0)
    // Unescaped, the same text would match more (or other) rows: the escape matters.
    const wild = await hand(
      `SELECT count(*)::int AS n FROM users WHERE name ${op.startsWith('i') ? 'ILIKE' : 'LIKE'} $1`,
      [
        op.endsWith('ontains')
          ? `%${text}%`
          : op.toLowerCase().endsWith('startswith')
            ? `${text}%`
            : `%${text}`,
      ],
    )
    if (/[%_]/.test(text)) expect(wild[0]!.n).toBeGreaterThan(expected.length)
  })

  it('escapeLike makes text literal in a pattern of your own', async () => {
    expect(escapeLike('50%_off\\')).toBe('50\\%\\_off\\\\')
    const rows = await User.query()
      .where('name', 'like', `${escapeLike('a_')}%`)
      .fetch(db)
    expect(rows.map((row) => row.name)).toEqual(['a_b'])
    await expectRefused(() => escapeLike(5 as never), /takes a string/)
    await expectRefused(
      () => User.query().where('name', 'contains', null as never),
      /needs a string/,
    )
  })

  it('caps a condition list at 10,000 with a clear error', () => {
    // The cap exists because past it building becomes very slow (see maxConditions).
    let query: any = User.query()
    for (let i = 0; i < 10_000; i++) query = query.orWhere('name', `n${i}`)
    expect(query.toSQL().values).toHaveLength(10_000)
    expect(() => query.orWhere('name', 'one more')).toThrow(/at most 10000 conditions/)
  })
})
