import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * Array and jsonb operators and JSON paths: each condition's rows against the same condition
 * written by hand in SQL, on rows that make every operator both true and false.
 */
describe.each(BACKENDS)('array and json operators on $name', ({ open }) => {
  const { Doc } = modelsOf({
    docs: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'labels', array: true, defaultValue: '{}' })
      t.integer({ name: 'scores', array: true, nullable: true })
      t.jsonb({ name: 'meta', nullable: true })
      t.json({ name: 'raw', nullable: true })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string) => (await toDriver(db).query<Row>({ text })).rows
  const ids = (rows: Row[]) => rows.map((row) => Number(row.id))

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Doc.createTable(db)
    const labels = [[], ['sql'], ['sql', 'go'], ['go'], ['js', "it's"], ['a"b', 'sql']]
    const metas = [
      null,
      { theme: 'dark', size: 2 },
      { theme: 'light', tags: ['x', 'y'] },
      { size: 3, nested: { deep: [10, 20, { k: 'v' }] } },
      { theme: 'dark', "we'ird key": true },
      [1, 2, 3],
    ]
    const rows = Array.from({ length: 36 }, (_, i) => ({
      labels: labels[i % labels.length]!,
      scores: i % 5 === 0 ? null : [i % 3, i % 4],
      meta: metas[(i * 5) % metas.length],
      raw: metas[(i * 7) % metas.length],
    }))
    await Doc.insertMany(db, rows)
  })
  afterAll(() => backend.close())

  const cases: [string, (q: any) => any, string][] = [
    ['@> on an array', (q) => q.where('labels', '@>', ['sql']), "labels @> ARRAY['sql']"],
    [
      '<@ on an array',
      (q) => q.where('labels', '<@', ['sql', 'go']),
      "labels <@ ARRAY['sql','go']",
    ],
    ['&& on an array', (q) => q.where('scores', '&&', [0, 3]), 'scores && ARRAY[0,3]'],
    ['any on an array', (q) => q.where('labels', 'any', "it's"), "'it''s' = ANY(labels)"],
    ['any with a quote', (q) => q.where('labels', 'any', 'a"b'), `'a"b' = ANY(labels)`],
    ['@> on jsonb', (q) => q.where('meta', '@>', { theme: 'dark' }), `meta @> '{"theme":"dark"}'`],
    ['@> on a jsonb array', (q) => q.where('meta', '@>', [2]), `meta @> '[2]'`],
    [
      '<@ on jsonb',
      (q) => q.where('meta', '<@', { theme: 'dark', size: 2, x: 1 }),
      `meta <@ '{"theme":"dark","size":2,"x":1}'`,
    ],
    ['? on jsonb', (q) => q.where('meta', '?', "we'ird key"), `meta ? 'we''ird key'`],
    ['?| on jsonb', (q) => q.where('meta', '?|', ['size', 'tags']), "meta ?| ARRAY['size','tags']"],
    [
      '?& on jsonb',
      (q) => q.where('meta', '?&', ['theme', 'size']),
      "meta ?& ARRAY['theme','size']",
    ],
    [
      'a path as text',
      (q) => q.where(Doc.column('meta').pathText('theme'), '=', 'dark'),
      "meta ->> 'theme' = 'dark'",
    ],
    [
      'a deep path with an index',
      (q) => q.where(Doc.column('meta').path('nested', 'deep', 2), '=', sql`${{ k: 'v' }}::jsonb`),
      `meta -> 'nested' -> 'deep' -> 2 = '{"k":"v"}'::jsonb`,
    ],
    [
      'a path of a json column',
      (q) => q.where(Doc.column('raw').pathText('theme'), 'like', 'li%'),
      "raw ->> 'theme' LIKE 'li%'",
    ],
    [
      'orWhere with an operator, the OR kept grouped',
      (q) => q.where('labels', '@>', ['go']).orWhere('meta', '?', 'tags'),
      "(labels @> ARRAY['go'] OR meta ? 'tags')",
    ],
  ]

  it.each(cases)('%s', async (_, build, condition) => {
    const expected = ids(await hand(`SELECT id FROM docs WHERE ${condition} ORDER BY id`))
    const got = ids(await build(Doc.query()).orderBy('id').fetch(db))
    expect(got).toEqual(expected)
    expect(expected.length).toBeGreaterThan(0)
    expect(expected.length).toBeLessThan(36)
  })

  it('selects and orders by paths', async () => {
    const rows = await Doc.query()
      .select({
        id: 'id',
        theme: Doc.column('meta').pathText('theme'),
        deep: Doc.column('meta').path('nested', 'deep'),
      })
      .whereNotNull(Doc.column('meta').path('size'))
      .orderBy(Doc.column('meta').path('size'), 'desc')
      .orderBy('id')
      .fetch(db)
    const expected = await hand(
      "SELECT id, meta ->> 'theme' AS theme, meta -> 'nested' -> 'deep' AS deep FROM docs WHERE meta -> 'size' IS NOT NULL ORDER BY meta -> 'size' DESC, id",
    )
    expect(rows.map((row: Row) => ({ ...row, id: Number(row.id) }))).toEqual(
      expected.map((row) => ({ ...row, id: Number(row.id) })),
    )
    expect(rows.some((row: Row) => Array.isArray(row.deep))).toBe(true)
  })

  it('binds path keys and operator values, never writing them into the SQL', () => {
    const hostile = "x'); DROP TABLE docs; --"
    const statement = Doc.query()
      .where(Doc.column('meta').pathText(hostile), '=', hostile)
      .where('labels', 'any', hostile)
      .where('meta', '?|', [hostile])
      .toSQL()
    expect(statement.text).not.toContain('DROP')
    expect(statement.values.filter((value: unknown) => value === hostile)).toHaveLength(3)
    expect(statement.values).toContainEqual([hostile])
  })

  it('refuses an operator that does not fit the column, and bad keys', async () => {
    await expectRefused(() => Doc.query().where('id', '@>', [1] as never), /does not apply/)
    await expectRefused(() => Doc.query().where('meta', '&&', [1] as never), /does not apply/)
    await expectRefused(() => Doc.query().where('labels', '?', 'a' as never), /does not apply/)
    await expectRefused(() => Doc.query().where('meta', '?|', 'a' as never), /array of keys/)
    await expectRefused(() => Doc.query().where('meta', '?', 1 as never), /needs a key/)
    await expectRefused(() => Doc.column('labels').path('a'), /json or jsonb/)
    await expectRefused(() => Doc.column('meta').path(), /at least one key/)
    await expectRefused(() => Doc.column('meta').path(1.5), /position 1/)
    await expectRefused(() => Doc.column('meta').path({} as never), /position 1/)
  })
})
