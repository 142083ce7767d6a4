import { type Executor, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { recording } from '../support/recording-driver.ts'

/** A column of every scalar type insertMany sends as an unnest array, and two it cannot. */
const { Sample } = modelsOf({
  samples(t) {
    t.bigIncrements({ name: 'id', primaryKey: true })
    t.uuid({ name: 'uid', notNull: false })
    t.text({ name: 'body', notNull: false })
    t.varchar({ name: 'code', length: 12, notNull: false })
    t.boolean({ name: 'flag', notNull: false })
    t.smallInt({ name: 'small', notNull: false })
    t.integer({ name: 'count', notNull: false })
    t.bigInt({ name: 'big', notNull: false })
    t.double({ name: 'ratio', notNull: false })
    t.decimal({ name: 'price', precision: 10, scale: 2, notNull: false })
    t.dateTime({ name: 'local', notNull: false })
    t.timestamptz({ name: 'at', notNull: false })
    t.date({ name: 'day', notNull: false })
    t.interval({ name: 'span', notNull: false })
    t.binary({ name: 'raw', notNull: false })
    t.enum({ name: 'mood', values: ['happy', 'odd "one"'], notNull: false })
    t.jsonb({ name: 'payload', notNull: false })
    t.string({ name: 'labels', array: true, notNull: false })
  },
})

const full = {
  uid: '8d1f0c1e-3c55-4ac8-9a57-2f0c8f6f1a10',
  body: 'quote " backslash \\ comma, brace } {NULL} tab\t newline\n ✓',
  code: 'NULL',
  flag: false,
  small: -7,
  count: 2_147_483_647,
  big: 9_007_199_254_740_993n,
  ratio: 0.1,
  price: '1234.50',
  local: new Date('2024-05-06T07:08:09.123Z'),
  at: new Date('1999-12-31T23:59:59.999Z'),
  day: '2024-02-29',
  span: '1 day 02:03:04',
  raw: new Uint8Array([0, 34, 44, 92, 123, 255]),
  mood: 'odd "one"',
}

const empty = Object.fromEntries(Object.keys(full).map((key) => [key, null]))

describe.each(BACKENDS)('insertMany on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Sample.createTable(db)
  })
  afterAll(() => backend?.close())

  it('sends rows that set the same columns as unnest arrays; they read back as given', async () => {
    await Sample.truncate(db)
    const texts: string[] = []
    const rows = await Sample.insertMany(recording(toDriver(db), texts), [full, empty, full])
    expect(texts).toHaveLength(1)
    // No type modifier on the arrays: VARCHAR(12) would truncate where the insert must refuse.
    expect(texts[0]).toContain(
      ' SELECT * FROM unnest($1::UUID[], $2::TEXT[], $3::VARCHAR[], $4::BOOLEAN[], $5::SMALLINT[], $6::INTEGER[], $7::BIGINT[], $8::DOUBLE PRECISION[], $9::NUMERIC[], $10::TIMESTAMP[], $11::TIMESTAMPTZ[], $12::DATE[], $13::INTERVAL[], $14::BYTEA[], $15::samples_mood[]) RETURNING ',
    )
    expect(rows).toEqual([
      { id: 1n, ...full, payload: null, labels: null },
      { id: 2n, ...empty, payload: null, labels: null },
      { id: 3n, ...full, payload: null, labels: null },
    ])
    expect(await Sample.query().orderBy('id').fetch(db)).toEqual(rows)
  })

  it('falls back to VALUES for json and array columns, and for rows that leave columns out', async () => {
    await Sample.truncate(db)
    const texts: string[] = []
    const recorded = recording(toDriver(db), texts)
    const withJson = await Sample.insertMany(recorded, [
      { body: 'a', payload: { list: [1, 'c'] }, labels: ['x', 'y "z"'] },
    ])
    const mixed = await Sample.insertMany(recorded, [{ body: 'b', count: 1 }, { body: 'c' }])
    expect(texts.every((text) => text.includes(' VALUES '))).toBe(true)
    expect(withJson[0]).toMatchObject({ payload: { list: [1, 'c'] }, labels: ['x', 'y "z"'] })
    expect(mixed.map((row: { count: unknown }) => row.count)).toEqual([1, null])
  })

  it('inserts 25,000 rows in chunks, in input order, and none when one fails', async () => {
    await Sample.truncate(db)
    const input = Array.from({ length: 25_000 }, (_, i) => ({ body: `row ${i}`, count: i }))
    const rows = await Sample.insertMany(db, input)
    expect(
      rows.every(
        (row: { id: bigint; count: number }, i: number) =>
          row.id === BigInt(i + 1) && row.count === i,
      ),
    ).toBe(true)
    const failing = [...input, { body: 'too long', count: 1, code: 'thirteen char' }]
    for (const row of failing) Object.assign(row, { code: (row as { code?: string }).code ?? 'ok' })
    await expect(Sample.insertMany(db, failing)).rejects.toMatchObject({
      model: 'Sample',
      operation: 'insertMany',
    })
    expect(await Sample.count(db)).toBe(25_000)
  })

  it('with { returning: false } sends no RETURNING and resolves to the row count', async () => {
    await Sample.truncate(db)
    const texts: string[] = []
    const recorded = recording(toDriver(db), texts)
    const input = Array.from({ length: 25_000 }, (_, i) => ({ body: `row ${i}`, count: i }))
    expect(await Sample.insertMany(recorded, input, { returning: false })).toBe(25_000)
    expect(
      await Sample.insertMany(recorded, [{ body: 'a', payload: [1] }, { body: 'b' }], {
        returning: false,
      }),
    ).toBe(2)
    expect(await Sample.insertMany(recorded, [], { returning: false })).toBe(0)
    const inserts = texts.filter((text) => text.startsWith('INSERT'))
    expect(inserts).toHaveLength(4)
    expect(inserts.some((text) => text.includes('RETURNING'))).toBe(false)
    expect(await Sample.count(db)).toBe(25_002)
    expect(await Sample.query().where('count', 24_999).first(db)).toMatchObject({ id: 25_000n })
  })

  it('refuses an Invalid Date before sending anything', async () => {
    await expect(Sample.insertMany(db, [{ at: new Date('not a date') }])).rejects.toMatchObject({
      code: 'INVALID_DATE',
    })
  })
})
