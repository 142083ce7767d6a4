import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  FluentOrmError,
  toDriver,
  valueParsers,
} from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend, pgBackend, pgliteBackend } from '../support/backends.ts'

/** One row holding every type the value mapping covers (docs/CONNECT.md, "Values"). */
const everyTypeSql = `SELECT
  2::int2 AS int2, 2147483647::int4 AS int4, 9007199254740993::int8 AS int8,
  1.5::float4 AS float4, 'NaN'::float8 AS float8, 12345678901234567890.123456789::numeric AS numeric,
  true AS bool, 'héllo ''q'' \\ "x"'::text AS text, 'a1b2c3d4-0000-4000-8000-000000000001'::uuid AS uuid,
  '2024-03-01 12:34:56.789+02'::timestamptz AS timestamptz,
  '2024-03-01 12:34:56.789'::timestamp AS timestamp,
  '0044-03-15 10:00:00 BC'::timestamp AS bc_timestamp,
  'infinity'::timestamptz AS infinite,
  '2024-02-29'::date AS date, '13:45:00'::time AS time, '13:45:00+02'::timetz AS timetz,
  '1 year 2 mons 3 days 04:05:06'::interval AS interval,
  '{"a": [1, {"b": null}]}'::json AS json, '[1, "two"]'::jsonb AS jsonb,
  '\\x00ff10'::bytea AS bytea,
  ARRAY[1, NULL, 3]::int8[] AS int8_array, ARRAY['1.10', '2']::numeric[] AS numeric_array,
  ARRAY['a,b', 'c"d', 'NULL', NULL]::text[] AS text_array,
  ARRAY[ARRAY[1, 2], ARRAY[3, 4]]::int4[] AS nested_array,
  ARRAY['2024-01-01 00:00:00+00']::timestamptz[] AS timestamptz_array,
  ARRAY['2024-01-01']::date[] AS date_array,
  ARRAY['{"k": 1}']::jsonb[] AS jsonb_array,
  ARRAY['\\x01'::bytea] AS bytea_array,
  ARRAY[true, false] AS bool_array`

const expectedEveryType = {
  int2: 2,
  int4: 2147483647,
  int8: 9007199254740993n,
  float4: 1.5,
  float8: Number.NaN,
  numeric: '12345678901234567890.123456789',
  bool: true,
  text: `héllo 'q' \\ "x"`,
  uuid: 'a1b2c3d4-0000-4000-8000-000000000001',
  timestamptz: new Date('2024-03-01T10:34:56.789Z'),
  timestamp: new Date('2024-03-01T12:34:56.789Z'),
  bc_timestamp: new Date('-000043-03-15T10:00:00Z'),
  infinite: Number.POSITIVE_INFINITY,
  date: '2024-02-29',
  time: '13:45:00',
  timetz: '13:45:00+02',
  interval: '1 year 2 mons 3 days 04:05:06',
  json: { a: [1, { b: null }] },
  jsonb: [1, 'two'],
  bytea: new Uint8Array([0, 255, 16]),
  int8_array: [1n, null, 3n],
  numeric_array: ['1.10', '2'],
  text_array: ['a,b', 'c"d', 'NULL', null],
  nested_array: [
    [1, 2],
    [3, 4],
  ],
  timestamptz_array: [new Date('2024-01-01T00:00:00Z')],
  date_array: ['2024-01-01'],
  jsonb_array: [{ k: 1 }],
  bytea_array: [new Uint8Array([1])],
  bool_array: [true, false],
}

describe.each(BACKENDS)('executor on $name', ({ open }) => {
  let backend: Backend
  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend?.close())

  it('binds parameters and returns rows with rowCount', async () => {
    const driver = toDriver(backend.db)
    const hostile = `'; DROP TABLE users; -- \\ "x" ☃`
    const { rows, rowCount } = await driver.query({
      text: 'SELECT $1::text AS value, $2::int AS n',
      values: [hostile, 7],
    })
    expect(rows).toEqual([{ value: hostile, n: 7 }])
    expect(rowCount).toBe(1)
  })

  it('decodes every mapped type to the documented JS value', async () => {
    const { rows } = await toDriver(backend.db).query({ text: everyTypeSql })
    expect(rows[0]).toStrictEqual(expectedEveryType)
  })

  it('round-trips parameters: bigint, Date on timestamp and timestamptz, bytea, arrays, json', async () => {
    const driver = toDriver(backend.db)
    await driver.exec(`CREATE TABLE params_rt (
      big int8, at timestamp, at_tz timestamptz, data bytea, tags text[], stamps timestamp[],
      doc jsonb, list jsonb)`)
    const at = new Date('2024-05-06T07:08:09.123Z')
    const values = [
      9007199254740993n,
      at,
      at,
      new Uint8Array([0, 1, 254]),
      ['a', 'b,c', 'd"e'],
      [at],
      { nested: { ok: true } },
      JSON.stringify([1, 2, 3]),
    ]
    const { rows } = await driver.query({
      text: 'INSERT INTO params_rt VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *',
      values,
    })
    expect(rows[0]).toStrictEqual({
      big: 9007199254740993n,
      at,
      at_tz: at,
      data: new Uint8Array([0, 1, 254]),
      tags: ['a', 'b,c', 'd"e'],
      stamps: [at],
      doc: { nested: { ok: true } },
      list: [1, 2, 3],
    })
    const stored = await driver.query({
      text: "SELECT to_char(at, 'YYYY-MM-DD HH24:MI:SS') AS wall FROM params_rt",
    })
    expect(stored.rows).toEqual([{ wall: '2024-05-06 07:08:09' }])
  })

  it('decodes enums as strings', async () => {
    const driver = toDriver(backend.db)
    await driver.exec("CREATE TYPE mood AS ENUM ('sad', 'happy'); CREATE TABLE moods (m mood)")
    await driver.query({ text: 'INSERT INTO moods VALUES ($1)', values: ['happy'] })
    expect((await driver.query({ text: 'SELECT m FROM moods' })).rows).toEqual([{ m: 'happy' }])
  })

  it('keeps columns named __proto__, constructor and toString as plain data', async () => {
    const { rows } = await toDriver(backend.db).query<Record<string, unknown>>({
      text: `SELECT 1 AS "__proto__", 'c' AS "constructor", 't' AS "toString"`,
    })
    const row = rows[0]!
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.keys(row)).toEqual(['__proto__', 'constructor', 'toString'])
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe(1)
    expect(({} as Record<string, unknown>).constructor).toBe(Object)
  })

  it('runs several statements with exec', async () => {
    const driver = toDriver(backend.db)
    await driver.exec(
      'CREATE TABLE multi (n int); INSERT INTO multi VALUES (1); INSERT INTO multi VALUES (2);',
    )
    expect((await driver.query({ text: 'SELECT count(*) AS n FROM multi' })).rows).toEqual([
      { n: 2n },
    ])
  })

  it('answers a query of several statements with the last one, as pg does', async () => {
    const driver = toDriver(backend.db)
    const { rows } = await driver.query({ text: "SELECT 1 AS a; SELECT 2 AS b, 'x;y' AS c" })
    expect(rows).toEqual([{ b: 2, c: 'x;y' }])
    // A semicolon inside a string is no second statement: one prepared statement, parameters bound.
    const one = await driver.query({ text: "SELECT $1::text || ';' AS s", values: ['a'] })
    expect(one.rows).toEqual([{ s: 'a;' }])
  })

  it('refuses a query given no config object, instead of answering no rows', async () => {
    const driver = toDriver(backend.db)
    for (const config of ['SELECT 1', null, {}, { text: 7 }]) {
      await expect(driver.query(config as never)).rejects.toMatchObject({
        code: 'INVALID_USAGE',
        message: expect.stringContaining("db.query({ text: 'SELECT …'"),
      })
    }
    await expect(driver.transaction((tx) => tx.query('SELECT 1' as never))).rejects.toMatchObject({
      code: 'INVALID_USAGE',
    })
  })

  it('binds a parameter as pg sends it, whatever the type it meets', async () => {
    const driver = toDriver(backend.db)
    const one = async (text: string, value: unknown) =>
      (await driver.query<{ v: unknown }>({ text, values: [value] })).rows[0]!.v
    expect(await one('SELECT $1::bytea AS v', '\\x0102')).toEqual(Uint8Array.from([1, 2]))
    expect(await one('SELECT $1::text AS v', { x: 1 })).toBe('{"x":1}')
    expect(await one('SELECT $1::text AS v', 7)).toBe('7')
    expect(await one('SELECT $1::jsonb AS v', { a: [1, 'b'] })).toEqual({ a: [1, 'b'] })
    // A number is no timestamp: PostgreSQL refuses its digits (PGlite read it as milliseconds).
    await expect(one('SELECT $1::timestamptz AS v', 1_700_000_000_000)).rejects.toMatchObject({
      code: '22008',
    })
    // JSON has no bigint: refused (PGlite wrote it as a string).
    await expect(one('SELECT $1::jsonb AS v', { big: 1n })).rejects.toBeInstanceOf(FluentOrmError)
  })

  it('passes named prepared statements through and reuses them', async () => {
    const driver = toDriver(backend.db)
    for (const value of [1, 2]) {
      const { rows } = await driver.query({
        name: 'fluentorm_test_named',
        text: 'SELECT $1::int AS v',
        values: [value],
      })
      expect(rows).toEqual([{ v: value }])
    }
  })

  it('builds one Driver per executor object and returns Drivers as they are', () => {
    const driver = toDriver(backend.db)
    expect(toDriver(backend.db)).toBe(driver)
    expect(toDriver(driver)).toBe(driver)
    expect(driver.dialect).toBe(backend.name)
  })

  it('runs a session on one connection', async () => {
    const pid = await toDriver(backend.db).session(async (session) => {
      const first = await session.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' })
      const second = await session.query<{ pid: number }>({
        text: 'SELECT pg_backend_pid() AS pid',
      })
      expect(second.rows[0]!.pid).toBe(first.rows[0]!.pid)
      return first.rows[0]!.pid
    })
    expect(typeof pid).toBe('number')
  })
})

describe('executor decoding across backends', () => {
  it('gives identical JS values on pg and PGlite', async () => {
    const [pg, lite] = await Promise.all([pgBackend(), pgliteBackend()])
    try {
      const [a, b] = await Promise.all(
        [pg.db, lite.db].map((db) => toDriver(db).query({ text: everyTypeSql })),
      )
      expect(a!.rows).toStrictEqual(b!.rows)
    } finally {
      await Promise.all([pg.close(), lite.close()])
    }
  })

  it('parses timestamps without zone as UTC whatever the process time zone', () => {
    const parse = valueParsers[1114]!
    expect(parse('2024-01-01 00:00:00')).toEqual(new Date('2024-01-01T00:00:00Z'))
    expect(valueParsers[1184]!('2024-01-01 05:30:00+05:30')).toEqual(
      new Date('2024-01-01T00:00:00Z'),
    )
  })
})

describe('toDriver', () => {
  it('rejects what is not an executor with a clear error', () => {
    expect(() => toDriver({} as never)).toThrowError(FluentOrmError)
    expect(() => toDriver({} as never)).toThrowError(
      'toDriver failed: expected a pg.Pool, pg.Client, PGlite instance, transaction or the Database from connect() as the first argument, got a Object',
    )
  })
})
