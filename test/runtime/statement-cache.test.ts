import pg from 'pg'
import { afterAll, describe, expect, it } from 'vitest'
import { connect, type PgDatabase, toDriver } from '../../packages/runtime/src/executor/index.ts'
import { statementName } from '../../packages/runtime/src/sql/statement-name.ts'
import { DATABASE_URL } from '../support/backends.ts'

/** A named statement whose text (and so name) is one of many, as select aliases make them. */
function distinct(i: number) {
  const text = `SELECT $1::int + ${i} AS "value_${i}", pg_backend_pid() AS pid`
  return { text, name: statementName(text) }
}

async function run(db: { query: PgDatabase['query'] }, i: number, x: number) {
  const { rows } = await db.query<Record<string, number>>({ ...distinct(i), values: [x] })
  return { value: rows[0]![`value_${i}`], pid: rows[0]!.pid }
}

/** Unnamed, so it is not in the count it reads; on the connection the statements used. */
const prepared = (db: { query: PgDatabase['query'] }) =>
  db
    .query<{ n: number; pid: number }>({
      text: 'SELECT count(*)::int AS n, pg_backend_pid() AS pid FROM pg_prepared_statements',
    })
    .then((result) => result.rows[0]!)

const size = 40

describe.each([
  { mode: 'pipelined', pipeline: { connections: 1 } },
  { mode: 'through the pool', pipeline: false as const },
])('statement cache, $mode', ({ pipeline }) => {
  let db: PgDatabase
  afterAll(() => db?.close())

  it('keeps at most statementCacheSize named statements on the backend over thousands of texts', async () => {
    db = (await connect({
      url: DATABASE_URL,
      pipeline,
      pool: { max: 1 },
      statementCacheSize: size,
    })) as PgDatabase
    const { pid } = await prepared(db)
    let peak = 0
    for (let i = 0; i < 3_000; i++) {
      const result = await run(db, i, 1_000)
      expect(result).toEqual({ value: 1_000 + i, pid })
      if (i % 250 === 0) peak = Math.max(peak, (await prepared(db)).n)
    }
    const after = await prepared(db)
    expect(after.pid).toBe(pid)
    expect(after.n).toBeLessThanOrEqual(size)
    expect(peak).toBeLessThanOrEqual(size)
  })

  it('prepares an evicted statement again and answers it correctly', async () => {
    // 0..39 were evicted long ago; each comes back under its old name and its own text.
    for (let i = 0; i < size; i++) expect((await run(db, i, 7)).value).toBe(7 + i)
    // And the most recent ones are still prepared: run them without growing the count.
    const before = await prepared(db)
    for (let i = 0; i < size; i++) expect((await run(db, i, 8)).value).toBe(8 + i)
    expect((await prepared(db)).n).toBe(before.n)
  })

  it('answers every query correctly when many texts are in flight at once, then shrinks back', async () => {
    // 100 texts over 40 slots, 2,000 queries in flight: statements are closed while others
    // that share the connection are still being parsed, bound and executed.
    const calls = Array.from({ length: 2_000 }, (_, k) => ({ i: (k * 37) % 100, x: k }))
    const results = await Promise.all(calls.map(({ i, x }) => run(db, i, x)))
    expect(results.map((r) => r.value)).toEqual(calls.map(({ i, x }) => i + x))
    for (let i = 5_000; i < 5_000 + size; i++) await run(db, i, 0)
    expect((await prepared(db)).n).toBeLessThanOrEqual(size)
  })
})

describe('statement cache defaults', () => {
  it('statementCacheSize: 0 sends every statement unnamed: nothing stays prepared', async () => {
    const db = (await connect({
      url: DATABASE_URL,
      pipeline: { connections: 1 },
      statementCacheSize: 0,
    })) as PgDatabase
    try {
      for (let i = 0; i < 50; i++) expect((await run(db, i, 1)).value).toBe(1 + i)
      expect((await prepared(db)).n).toBe(0)
    } finally {
      await db.close()
    }
  })

  it('bounds a pg.Client passed directly to 256 statements', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    try {
      const driver = toDriver(client)
      for (let i = 0; i < 600; i++) expect((await run(driver, i, 2)).value).toBe(2 + i)
      expect((await prepared(driver)).n).toBe(256)
    } finally {
      await client.end()
    }
  })

  it('sends the Close of an evicted statement in the same write as the new Parse', async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    const stream = (client as unknown as { connection: { stream: Record<string, any> } }).connection
      .stream
    let writes = 0
    for (const method of ['_write', '_writev']) {
      const own = stream[method]
      stream[method] = (...args: unknown[]) => {
        writes += 1
        return own.apply(stream, args)
      }
    }
    try {
      const driver = toDriver(client)
      for (let i = 0; i < 256; i++) await run(driver, i, 3)
      for (let i = 256; i < 260; i++) {
        writes = 0
        // A new name beyond the 256: the least recently used is closed, in the same packet.
        expect((await run(driver, i, 3)).value).toBe(3 + i)
        expect(writes).toBe(1)
      }
      expect((await prepared(driver)).n).toBe(256)
    } finally {
      await client.end()
    }
  })

  it('refuses a statementCacheSize that is not a whole number of at least 0', async () => {
    const error = await connect({ url: DATABASE_URL, statementCacheSize: -1 }).catch((e) => e)
    expect(error).toMatchObject({ code: 'INVALID_OPTION', kind: 'invalid_usage' })
    expect(error.message).toContain('statementCacheSize must be a whole number of at least 0')
  })
})
