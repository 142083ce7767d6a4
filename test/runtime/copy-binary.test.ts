import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { copyPayload } from '../../packages/runtime/src/executor/copy-payload.ts'
import { copyRows, type Executor, toDriver } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

/** One column of every type COPY's binary format carries, and two it does not. */
const { Sample } = modelsOf({
  samples(t) {
    t.integer({ name: 'id', primaryKey: true })
    t.boolean({ name: 'flag', notNull: false })
    t.smallInt({ name: 'small', notNull: false })
    t.bigInt({ name: 'big', notNull: false })
    t.float({ name: 'ratio', notNull: false })
    t.double({ name: 'precise', notNull: false })
    t.text({ name: 'body', notNull: false })
    t.varchar({ name: 'code', length: 4, notNull: false })
    t.enum({ name: 'level', values: ['low', 'high'], notNull: false })
    t.uuid({ name: 'ref', notNull: false })
    t.timestamptz({ name: 'at', notNull: false })
    t.dateTime({ name: 'local_at', notNull: false })
    t.date({ name: 'day', notNull: false })
    t.json({ name: 'doc', notNull: false })
    t.jsonb({ name: 'bin_doc', notNull: false })
    t.binary({ name: 'raw', notNull: false })
    t.numeric({ name: 'amount', notNull: false })
    t.string({ name: 'tags', array: true, notNull: false })
  },
})

const full = {
  flag: true,
  small: -32768,
  big: 9007199254740993n,
  ratio: 0.5,
  precise: -1.25e-300,
  body: 'tab\t, newline\n, backslash \\, NUL-free ünïcödé 🐘',
  code: 'abcd',
  level: 'high',
  ref: '0b7c2a3e-5f1d-4c8e-9a6b-1d2e3f4a5b6c',
  at: new Date('2024-05-06T07:08:09.123Z'),
  local_at: new Date('1999-12-31T23:59:59.999Z'),
  day: '2024-02-29',
  doc: { quote: '"', list: [1, 'two', null] },
  bin_doc: ['an', 'array', { at: 'top level' }],
  raw: new Uint8Array([0, 1, 92, 255]),
}

const nulls = Object.fromEntries(Object.keys(full).map((name) => [name, null]))

/** Dates before 1970 and after 2285 take other branches of the timestamp encoding. */
const edges = {
  ...full,
  big: -9223372036854775808n,
  small: 32767,
  ratio: Number.POSITIVE_INFINITY,
  precise: Number.NaN,
  at: new Date('1900-01-01T00:00:00.001Z'),
  local_at: new Date('2500-06-15T12:00:00.000Z'),
  day: '1969-07-20',
  doc: 'null',
  bin_doc: 42,
  raw: new Uint8Array([]),
  body: '',
}

function types(columns: readonly string[]) {
  return columns.map((name) => Sample.meta.table.columns.find((c: any) => c.name === name))
}

describe('copyPayload picks the format', () => {
  const columns = Object.keys(full)
  const row = Object.values(full)

  it('binary when every column and value has a binary form', () => {
    const payload = copyPayload(
      { table: 'samples', columns, types: types(columns) },
      [row],
      'STDIN',
    )
    expect(payload.sql).toBe(
      `COPY "samples" (${columns.map((c) => `"${c}"`).join(', ')}) FROM STDIN (FORMAT binary)`,
    )
  })

  it.each([
    ['a numeric column', ['amount'], ['1.5']],
    ['an array column', ['tags'], [['a']]],
    ['a number for a text column', ['body'], [7]],
    ['a timestamp given as a string', ['at'], ['2024-05-06 07:08:09+02']],
    ['a uuid without dashes', ['ref'], ['0b7c2a3e5f1d4c8e9a6b1d2e3f4a5b6c']],
    ['an integer out of range', ['small'], [40000]],
    ['a date given as a Date', ['day'], [new Date()]],
    ['a day that does not exist', ['day'], ['2023-02-30']],
    ['year 0', ['day'], ['0000-06-15']],
    ['a number float4 cannot hold exactly', ['ratio'], [1 + 2 ** -24]],
    ['a number beyond float4', ['ratio'], [1e39]],
    ['-0, which the text format prints as 0', ['precise'], [-0]],
    ['NaN for a json column', ['doc'], [Number.NaN]],
    ['a bigint for a json column', ['doc'], [12n]],
  ])('text for %s', (_, columns, row) => {
    const payload = copyPayload(
      { table: 'samples', columns, types: types(columns) },
      [row],
      'STDIN',
    )
    expect(payload.sql).not.toContain('binary')
  })

  it('text when the target does not say its types', () => {
    expect(copyPayload({ table: 'samples', columns: ['body'] }, [['x']], 'STDIN').sql).toBe(
      'COPY "samples" ("body") FROM STDIN',
    )
  })
})

describe.each(BACKENDS)('binary COPY on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Sample.createTable(db)
  })
  afterAll(() => backend?.close())

  it('stores every type exactly as insertMany stores the same rows', async () => {
    const rows = [
      { id: 1, ...full },
      { id: 2, ...nulls },
      { id: 3, ...edges },
      { id: 4, ...full, day: '0050-06-15', ratio: 1.5, doc: [1, 'x'], bin_doc: 'null' },
    ]
    await Sample.truncate(db)
    expect(await copyRows(db, Sample, rows)).toBe(4)
    const copied = await Sample.query().orderBy('id').fetch(db)
    await Sample.truncate(db)
    await Sample.insertMany(db, rows)
    const inserted = await Sample.query().orderBy('id').fetch(db)
    expect(copied).toEqual(inserted)
    expect(copied[0]).toEqual({ id: 1, ...full, amount: null, tags: null })
    expect(copied[2]).toMatchObject({ at: edges.at, local_at: edges.local_at, big: edges.big })
    expect(copied[3]).toMatchObject({ day: '0050-06-15', ratio: 1.5 })
  })

  it('loads no rows, in binary too', async () => {
    const columns = ['id', 'flag']
    const copy = { table: 'samples', columns, types: types(columns) }
    expect(copyPayload(copy, [], 'STDIN').sql).toContain('(FORMAT binary)')
    expect(await toDriver(db).copyFrom!(copy, [])).toBe(0)
  })

  it('keeps every value when the buffer grows in the middle of fixed-size fields', async () => {
    await Sample.truncate(db)
    // About 90 bytes a row of fixed-size fields only: a 2,000-row chunk outgrows the first buffer.
    const rows = Array.from({ length: 2_500 }, (_, i) => ({
      id: i,
      flag: i % 2 === 0,
      small: i - 1_000,
      big: BigInt(i) * 1_000_000_007n,
      ratio: i / 4,
      precise: i / 3,
      at: new Date(i * 1_000_003),
      local_at: new Date(-i * 86_400_000),
      day: `2024-01-${String((i % 28) + 1).padStart(2, '0')}`,
    }))
    expect(await copyRows(db, Sample, rows)).toBe(2_500)
    const back = await Sample.query().orderBy('id').fetch(db)
    expect(back).toEqual(rows.map((row) => ({ ...nulls, ...row, amount: null, tags: null })))
  })

  it('loads thousands of rows across chunks and reports a bad value from the server', async () => {
    await Sample.truncate(db)
    const rows = Array.from({ length: 4_500 }, (_, i) => ({ id: i, code: `c${i % 100}` }))
    expect(await copyRows(db, Sample, rows)).toBe(4_500)
    expect(await Sample.count(db)).toBe(4_500)
    await Sample.truncate(db)
    rows[4_321] = { id: 4_321, code: 'too long' }
    const thrown = await copyRows(db, Sample, rows).catch((error: unknown) => error)
    expect(thrown).toMatchObject({ kind: 'value_too_long', operation: 'copyFrom' })
    expect(await Sample.count(db)).toBe(0)
  })

  it('stores a json array as JSON in the text format too', async () => {
    await Sample.truncate(db)
    // The numeric column sends the whole COPY as text.
    const rows = [{ id: 1, amount: '1.50', doc: ['a', 1], bin_doc: [{ b: [2] }] }]
    expect(await copyRows(db, Sample, rows)).toBe(1)
    expect(await Sample.findById(db, 1)).toMatchObject(rows[0]!)
  })

  it('refuses an Invalid Date before the server stores anything', async () => {
    await Sample.truncate(db)
    const rows = Array.from({ length: 3_000 }, (_, i) => ({ id: i, at: new Date(i) }))
    rows[2_500] = { id: 2_500, at: new Date('not a date') }
    await expect(copyRows(db, Sample, rows)).rejects.toMatchObject({ code: 'INVALID_DATE' })
    expect(await Sample.count(db)).toBe(0)
  })
})
