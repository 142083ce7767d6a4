/**
 * connect()'s pipelined connections read and write the protocol themselves
 * (executor/wire-connection.ts). Every answer here is checked against the same statement
 * through pg's own path (a `pipeline: false` Database: pg.Pool, pg's parser, the same value
 * parsers) or against a hand-written count, on the real server.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  type PgDatabase,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { WireConnection } from '../../packages/runtime/src/executor/wire-connection.ts'
import { DATABASE_URL } from '../support/backends.ts'

const schema = `fo_wire_${randomBytes(5).toString('hex')}`
let wire: PgDatabase
let pooled: PgDatabase

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

function schemaUrl(): string {
  const url = new URL(DATABASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

async function open(
  pipeline: boolean,
  options: { statementCacheSize?: number; queryTimeout?: number; options?: string } = {},
): Promise<PgDatabase> {
  const url = new URL(schemaUrl())
  if (options.options)
    url.searchParams.set('options', `${url.searchParams.get('options')} ${options.options}`)
  const db = await connect({
    url: url.toString(),
    pipeline: pipeline ? { connections: 1 } : false,
    statementCacheSize: options.statementCacheSize,
    queryTimeout: options.queryTimeout,
  })
  if (db.kind !== 'pg') throw new Error('expected a pg Database')
  return db
}

/** A small seeded generator, so a failing case can be run again. */
function random(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0
    return state / 2 ** 32
  }
}

beforeAll(async () => {
  await admin(`CREATE SCHEMA ${schema}`)
  wire = await open(true)
  pooled = await open(false)
  await pooled.exec(`
    CREATE TABLE things (
      id serial PRIMARY KEY, n int, big bigint, price numeric, label text, flag boolean,
      at timestamptz, day date, doc jsonb, blob bytea, tags text[], nums int[]
    )`)
})
afterAll(async () => {
  await wire?.close()
  await pooled?.close()
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
})

describe('the pipelined wire path', () => {
  it('decodes every type as pg does, for random rows and random statements', async () => {
    const next = random(19)
    const pick = <T>(options: readonly T[]): T => options[Math.floor(next() * options.length)]!
    const text = () =>
      pick(['', 'plain', 'ünïcödé ✓', '𝄞 two units', 'it\'s "quoted"', 'a\nb\tc', '\\x00'])
    const rows = Array.from({ length: 60 }, () => [
      next() < 0.2 ? null : Math.floor(next() * 2 ** 31) * (next() < 0.5 ? -1 : 1),
      next() < 0.2 ? null : BigInt(Math.floor(next() * 2 ** 53)) * 1000n,
      next() < 0.2 ? null : (next() * 1e6).toFixed(4),
      next() < 0.2 ? null : text(),
      next() < 0.2 ? null : next() < 0.5,
      next() < 0.2 ? null : new Date(Math.floor(next() * 4e12)),
      next() < 0.2
        ? null
        : `20${10 + Math.floor(next() * 20)}-0${1 + Math.floor(next() * 9)}-1${Math.floor(next() * 10)}`,
      next() < 0.2 ? null : { k: text(), list: [1, 'two', null], deep: { ok: next() < 0.5 } },
      next() < 0.2 ? null : Buffer.from(randomBytes(Math.floor(next() * 40))),
      next() < 0.2 ? null : [text(), null, text()],
      next() < 0.2 ? null : [1, 2, Math.floor(next() * 100)],
    ])
    const insert = {
      name: 'wire_insert_thing',
      text: 'INSERT INTO things (n, big, price, label, flag, at, day, doc, blob, tags, nums) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id',
    }
    const inserted = await Promise.all(rows.map((values) => wire.query({ ...insert, values })))
    expect(inserted.map((result) => result.rowCount)).toEqual(rows.map(() => 1))
    const statements = [
      { text: 'SELECT * FROM things WHERE id = $1', values: () => [pick(inserted).rows[0]!.id] },
      {
        text: 'SELECT * FROM things WHERE n > $1 ORDER BY id',
        values: () => [Math.floor(next() * 2 ** 31) - 2 ** 30],
      },
      {
        text: 'SELECT label, doc, tags FROM things WHERE label = $1 ORDER BY id',
        values: () => [text()],
      },
      {
        text: 'SELECT count(*) AS c, sum(big) AS s FROM things WHERE flag = $1',
        values: () => [next() < 0.5],
      },
      {
        text: 'SELECT blob, nums, at, day FROM things ORDER BY id LIMIT $1',
        values: () => [Math.floor(next() * 70)],
      },
    ]
    for (let i = 0; i < 100; i++) {
      const statement = pick(statements)
      const values = statement.values()
      const config =
        next() < 0.7
          ? { name: `wire_s${statements.indexOf(statement)}`, text: statement.text, values }
          : { text: statement.text, values }
      const [viaWire, viaPg] = await Promise.all([wire.query(config), pooled.query(config)])
      expect(viaWire).toEqual(viaPg)
    }
    // And against the rows as written: every one read back equal.
    const { rows: back } = await wire.query<Record<string, unknown>>({
      name: 'wire_all',
      text: 'SELECT n, big, price, label, flag, at, day, doc, blob, tags, nums FROM things ORDER BY id',
      values: [],
    })
    expect(
      back.map((row) =>
        Object.values(row).map((value) =>
          value instanceof Uint8Array ? Buffer.from(value) : value,
        ),
      ),
    ).toEqual(rows)
  })

  it('reads rows and messages split across many socket chunks', async () => {
    const big = 'x'.repeat(3_000_000)
    const result = await wire.query<{ s: string; n: number }>({
      text: 'SELECT $1::text || i AS s, i AS n FROM generate_series(1, 3) i',
      values: [big],
    })
    expect(result.rows.map((row) => row.n)).toEqual([1, 2, 3])
    expect(result.rows.map((row) => row.s.length)).toEqual([3_000_001, 3_000_001, 3_000_001])
    const many = await wire.query<{ i: number }>({
      name: 'wire_many',
      text: 'SELECT i FROM generate_series(1, $1::int) i',
      values: [50_000],
    })
    expect(many.rowCount).toBe(50_000)
    expect(many.rows.at(-1)).toEqual({ i: 50_000 })
  })

  it('keeps a column named __proto__ an own property and a duplicate name as pg does', async () => {
    const config = {
      text: `SELECT 1 AS "__proto__", 2 AS a, 3 AS a, $1::text AS "constructor", 4 AS b, NULL::int AS b`,
      values: ['c'],
    }
    const [{ rows: viaWire }, { rows: viaPg }] = await Promise.all([
      wire.query(config),
      pooled.query(config),
    ])
    const row = viaWire[0] as Record<string, unknown>
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype)
    expect(Object.hasOwn(row, '__proto__')).toBe(true)
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe(1)
    expect(row.a).toBe(3)
    expect(row.constructor).toBe('c')
    expect(Object.keys(row)).toEqual(['__proto__', 'a', 'constructor', 'b'])
    // A null over an earlier column of the same name is null, as in pg's rows.
    expect(row.b).toBeNull()
    expect(viaWire).toEqual(viaPg)
    expect(row.a).toBe((viaPg[0] as Record<string, unknown>).a)
  })

  it('counts rows of writes as the command tags say, and none for other statements', async () => {
    await wire.exec('CREATE TABLE counted (k int)')
    const insert = await wire.query({
      text: 'INSERT INTO counted SELECT generate_series(1, $1::int)',
      values: [7],
    })
    const update = await wire.query({
      name: 'wire_upd',
      text: 'UPDATE counted SET k = k + 1 WHERE k > $1',
      values: [3],
    })
    const remove = await wire.query({ text: 'DELETE FROM counted WHERE k < $1', values: [4] })
    const none = await wire.query({ text: 'SELECT 1 WHERE false' })
    const ddl = await wire.query({ text: 'CREATE INDEX ON counted (k)' })
    expect([
      insert.rowCount,
      update.rowCount,
      remove.rowCount,
      none.rowCount,
      ddl.rowCount,
    ]).toEqual([7, 4, 3, 0, 0])
    const { rows } = await pooled.query<{ c: string }>({
      text: 'SELECT count(*)::text AS c FROM counted',
    })
    expect(rows).toEqual([{ c: '4' }])
  })

  it('runs a text of several statements without parameters, answering with the last one', async () => {
    const result = await wire.query<{ v: number }>({ text: 'SELECT 1 AS v; SELECT 2 AS v, 3 AS w' })
    expect(result.rows).toEqual([{ v: 2, w: 3 }])
    await wire.exec('CREATE TABLE several (k int)')
    const lastWrites = await wire.query({
      text: "SELECT 1 AS a, 'secret' AS b; INSERT INTO several VALUES (1), (2)",
    })
    expect(lastWrites).toEqual({ rows: [], rowCount: 2 })
  })

  it('sends up to 65,535 parameters, and refuses more before anything changes', async () => {
    const texts = (count: number) =>
      `SELECT cardinality(ARRAY[${Array.from({ length: count }, (_, i) => `$${i + 1}::int`).join(',')}]) AS c`
    const many = {
      name: 'wire_many_params',
      text: texts(40_000),
      values: [...Array(40_000).keys()],
    }
    for (const db of [wire, pooled]) {
      // The second run of each is the described one: Bind, Execute and Sync only.
      for (let run = 0; run < 2; run++) expect((await db.query(many)).rows).toEqual([{ c: 40_000 }])
    }
    const small = await open(true, { statementCacheSize: 2 })
    try {
      await small.query({ name: 'wire_p1', text: 'SELECT $1::int AS n', values: [1] })
      await small.query({ name: 'wire_p2', text: 'SELECT $1::int + 1 AS n', values: [1] })
      const tooMany = { name: 'wire_p3', text: texts(65_536), values: [...Array(65_536).keys()] }
      // The same refusal on the pool's path, named or not, before anything is sent.
      for (const [db, config] of [
        [small, tooMany],
        [pooled, tooMany],
        [pooled, { text: tooMany.text, values: tooMany.values }],
      ] as const) {
        await expect(db.query(config)).rejects.toMatchObject({
          code: 'INVALID_USAGE',
          message: expect.stringMatching(/at most 65535 parameters/),
        })
      }
      // Nothing was evicted for the refused one: both names still run.
      expect(
        (await small.query({ name: 'wire_p1', text: 'SELECT $1::int AS n', values: [5] })).rows,
      ).toEqual([{ n: 5 }])
      expect(
        (await small.query({ name: 'wire_p2', text: 'SELECT $1::int + 1 AS n', values: [5] })).rows,
      ).toEqual([{ n: 6 }])
    } finally {
      await small.close()
    }
  })

  it('keeps session statements and COPY off the pipelined connection, whatever comes before them', async () => {
    await wire.exec('CREATE TABLE routed (k int)')
    for (const text of [
      '/* tag */ COPY routed FROM STDIN',
      'SELECT 1 AS a; BEGIN; COMMIT',
      // On the pipelined connection it would drop wire_routed, prepared by the runs before.
      '-- a comment\n  /* nested /* block */ comment */ DEALLOCATE ALL',
    ]) {
      const outcomes = await Promise.allSettled([
        wire.query({ text: 'SELECT $1::int AS n', values: [1] }),
        wire.query({ text, values: [] }),
        wire.query({ text: 'SELECT $1::int AS n', values: [2] }),
        wire.query({ name: 'wire_routed', text: 'SELECT 1 / $1::int AS n', values: [0] }),
        wire.query({ text: 'SELECT $1::int AS n', values: [3] }),
      ])
      const values = outcomes.map((outcome) =>
        outcome.status === 'fulfilled'
          ? outcome.value.rows
          : (outcome.reason as { code?: string }).code,
      )
      expect([values[0], values[2], values[3], values[4]]).toEqual([
        [{ n: 1 }],
        [{ n: 2 }],
        '22012',
        [{ n: 3 }],
      ])
    }
    // No pipelined connection was left inside a transaction: a failure there would abort it.
    await expect(wire.query({ text: 'SELECT 1 / $1::int', values: [0] })).rejects.toMatchObject({
      code: '22012',
    })
    expect((await wire.query({ text: 'SELECT $1::int AS n', values: [4] })).rows).toEqual([
      { n: 4 },
    ])
  })

  it('refuses a text that leaves a pool connection inside a transaction, and rolls it back', async () => {
    await pooled.exec('CREATE TABLE begun (k int)')
    for (const db of [wire, pooled]) {
      for (const text of ['/* x */ BEGIN', 'BEGIN; INSERT INTO begun VALUES (1)']) {
        await expect(db.query({ text }), text).rejects.toMatchObject({
          code: 'INVALID_USAGE',
          message: expect.stringContaining('transaction(db, async (tx)'),
        })
      }
      expect(await db.query({ text: 'BEGIN; INSERT INTO begun VALUES (2); COMMIT' })).toMatchObject(
        { rowCount: 0 },
      )
      // And the pool connection that ran them is usable, outside any transaction.
      await db.query({ text: 'INSERT INTO begun VALUES ($1)', values: [3] })
    }
    // One that fails inside its BEGIN is rolled back too, so the pool's only connection is
    // not left in an aborted transaction for the next caller; exec is checked the same way.
    const single = await connect({ url: schemaUrl(), pipeline: false, pool: { max: 1 } })
    try {
      await expect(single.query({ text: 'BEGIN; SELECT 1/0; COMMIT' })).rejects.toMatchObject({
        code: '22012',
      })
      await expect(single.exec('BEGIN')).rejects.toMatchObject({ code: 'INVALID_USAGE' })
      await transaction(single, (tx) =>
        tx.query({ text: 'INSERT INTO begun VALUES ($1)', values: [4] }),
      )
    } finally {
      await single.close()
    }
    const { rows } = await pooled.query({
      text: 'SELECT k, count(*)::int AS n FROM begun GROUP BY k ORDER BY k',
    })
    expect(rows).toEqual([
      { k: 2, n: 2 },
      { k: 3, n: 2 },
      { k: 4, n: 1 },
    ])
  })

  it('breaks a connection a statement left inside a transaction, so nothing runs in it', async () => {
    const client = new pg.Client({ connectionString: schemaUrl() })
    await client.connect()
    client.on('error', () => undefined)
    await client.query('CREATE TABLE IF NOT EXISTS kept_out (k int)')
    const connection = new WireConnection(client, 16)
    const outcomes = await Promise.allSettled([
      connection.query({ name: 'wire_begin', text: 'BEGIN', values: [] }, undefined),
      connection.query({ text: 'INSERT INTO kept_out VALUES ($1)', values: [1] }, undefined),
      connection.query({ text: 'SELECT $1::int AS n', values: [2] }, undefined),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({
      code: 'INVALID_USAGE',
      message: expect.stringMatching(/inside a transaction/),
    })
    expect(connection.ended).toBe(true)
    const { rows } = await pooled.query({ text: 'SELECT count(*)::int AS n FROM kept_out' })
    expect(rows).toEqual([{ n: 0 }])
  })

  it('fails a run whose value its parser refuses, alone', async () => {
    const escaped = await open(true, { options: '-c bytea_output=escape' })
    try {
      const config = {
        text: String.raw`SELECT ''::bytea AS empty, '\x00ff5c41'::bytea AS b, $1::bytea AS c`,
        values: [Buffer.from([0, 92, 200, 65])],
      }
      const { rows } = await escaped.query<{ empty: Uint8Array; b: Uint8Array; c: Uint8Array }>(
        config,
      )
      expect([...rows[0]!.empty]).toEqual([])
      expect([...rows[0]!.b]).toEqual([0, 255, 92, 65])
      expect([...rows[0]!.c]).toEqual([0, 92, 200, 65])
    } finally {
      await escaped.close()
    }
  })

  it('lets every close() of a Database with queries in flight resolve', async () => {
    const db = await open(true)
    const running = Array.from({ length: 100 }, (_, n) =>
      db.query({ text: 'SELECT $1::int AS n', values: [n] }),
    )
    await Promise.all([db.close(), db.close()])
    expect((await Promise.all(running)).map((result) => result.rows[0])).toEqual(
      Array.from({ length: 100 }, (_, n) => ({ n })),
    )
  })

  it('answers every query asked for before close(): on a slot still opening, and one run again after a stale plan', async () => {
    const opening = await connect({ url: schemaUrl(), pipeline: { connections: 2 } })
    const early = [1, 2, 3].map((n) =>
      opening.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [n] }),
    )
    await opening.close()
    expect((await Promise.all(early)).map((result) => result.rows)).toEqual([
      [{ n: 1 }],
      [{ n: 2 }],
      [{ n: 3 }],
    ])
    await expect(opening.query({ text: 'SELECT 1' })).rejects.toMatchObject({
      code: 'DATABASE_CLOSED',
    })

    // Callers that keep querying do not hold close() open: what they ask after it is refused.
    const busy = await open(true)
    let stop = false
    const loop = async () => {
      while (!stop) {
        await busy.query({ text: 'SELECT pg_sleep(0.002)', values: [] }).catch(() => {
          stop = true
        })
      }
    }
    const loops = [loop(), loop(), loop()]
    await new Promise((resolve) => setTimeout(resolve, 50))
    await busy.close()
    stop = true
    await Promise.all(loops)

    const db = await open(true)
    await db.exec('CREATE TABLE retyped_close (k int)')
    await db.exec('INSERT INTO retyped_close VALUES (1)')
    const run = () =>
      db.query({ name: 'wire_close_stale', text: 'SELECT * FROM retyped_close', values: [] })
    await run()
    await pooled.exec('ALTER TABLE retyped_close ADD COLUMN x int DEFAULT 5')
    const stale = run()
    await db.close()
    expect((await stale).rows).toEqual([{ k: 1, x: 5 }])
  })

  it('sends a query asked for right after a timeout on a new connection', async () => {
    const db = await open(true, { queryTimeout: 300 })
    try {
      const after = await db
        .query({ text: 'SELECT pg_sleep(1)', values: [] })
        .catch(() => db.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [2] }))
      expect(after.rows).toEqual([{ n: 2 }])
    } finally {
      await db.close()
    }
  })

  it('fails a named statement whose Parse fails, each run alone, and keeps the connection', async () => {
    const bad = { name: 'wire_bad', text: 'SELEC $1::int' }
    const outcomes = await Promise.allSettled([
      ...Array.from({ length: 5 }, (_, i) => wire.query({ ...bad, values: [i] })),
      wire.query({ name: 'wire_good', text: 'SELECT $1::int AS n', values: [9] }),
    ])
    for (const outcome of outcomes.slice(0, 5)) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toMatchObject({ code: '42601' })
    }
    expect(outcomes[5]).toEqual({ status: 'fulfilled', value: { rows: [{ n: 9 }], rowCount: 1 } })
    // A value the server refuses at Bind leaves the statement prepared: the next run works.
    await expect(
      wire.query({ name: 'wire_good2', text: 'SELECT $1::int AS n', values: ['x'] }),
    ).rejects.toMatchObject({ code: '22P02' })
    expect(
      (await wire.query({ name: 'wire_good2', text: 'SELECT $1::int AS n', values: ['4'] })).rows,
    ).toEqual([{ n: 4 }])
  })

  it('fails a run whose value cannot be sent with nothing changed: the name prepares on its next run', async () => {
    const circular: { toPostgres(): unknown } = { toPostgres: () => circular }
    const statement = { name: 'wire_vals', text: 'SELECT $1::text AS t' }
    await expect(wire.query({ ...statement, values: [circular] })).rejects.toThrow(/circular/)
    expect((await wire.query({ ...statement, values: ['ok'] })).rows).toEqual([{ t: 'ok' }])
    const prepared = await wire.query<{ name: string }>({
      text: "SELECT name FROM pg_prepared_statements WHERE name = 'wire_vals'",
    })
    expect(prepared.rows).toEqual([{ name: 'wire_vals' }])
  })

  it('prepares a statement again when the session lost it (a DEALLOCATE by hand)', async () => {
    const client = new pg.Client({ connectionString: schemaUrl() })
    await client.connect()
    try {
      const connection = new WireConnection(client, 16)
      const run = (n: number) =>
        connection.query<{ n: number }>(
          { name: 'wire_lost', text: 'SELECT $1::int AS n', values: [n] },
          undefined,
        )
      expect((await run(1)).rows).toEqual([{ n: 1 }])
      await connection.query({ text: 'DEALLOCATE ALL' }, undefined)
      expect((await run(2)).rows).toEqual([{ n: 2 }])
      expect((await run(3)).rows).toEqual([{ n: 3 }])
    } finally {
      await client.end()
    }
  })

  it('fails a run whose value cannot be sent through a pg.Client alone, and the statement keeps working', async () => {
    const client = new pg.Client({ connectionString: schemaUrl() })
    await client.connect()
    try {
      const driver = toDriver(client)
      const run = (value: unknown) =>
        driver.query<{ j: unknown }>({
          name: 'wire_jsonq',
          text: 'SELECT $1::jsonb AS j',
          values: [value],
        })
      expect((await run({ a: 1 })).rows).toEqual([{ j: { a: 1 } }])
      await expect(run({ a: 1n })).rejects.toThrow(/BigInt/)
      expect((await run({ a: 3 })).rows).toEqual([{ j: { a: 3 } }])
      // And on a first run, before the statement was ever prepared.
      const first = (value: unknown) =>
        driver.query<{ j: unknown }>({
          name: 'wire_jsonq2',
          text: 'SELECT $1::jsonb AS j',
          values: [value],
        })
      await expect(first({ a: 1n })).rejects.toThrow(/BigInt/)
      expect((await first({ a: 4 })).rows).toEqual([{ j: { a: 4 } }])
      expect((await first({ a: 5 })).rows).toEqual([{ j: { a: 5 } }])
    } finally {
      await client.end()
    }
  })

  it('binds NULL for a value whose toJSON returns undefined, on every path, as pg does', async () => {
    const nothing = { toJSON: () => undefined }
    const text = 'SELECT $1::jsonb AS j, $2::text AS t, $3::text[] AS list'
    const values = [nothing, nothing, [nothing, 'a']]
    const expected = [{ j: null, t: null, list: [null, 'a'] }]
    // pg's own path, the reference: NULL (its prepareValue gives undefined, its Bind writes NULL).
    const client = new pg.Client({ connectionString: DATABASE_URL })
    await client.connect()
    const pglite = await connect({ url: 'pglite:memory' })
    try {
      expect((await client.query(text, [nothing, nothing, null])).rows).toEqual([
        { j: null, t: null, list: null },
      ])
      const viaClient = toDriver(client)
      for (const db of [wire, pooled, viaClient, pglite]) {
        expect((await db.query({ text, values })).rows).toEqual(expected)
        // Named: prepared on the first run; on the next, bound alone (statement-cache.ts and
        // wire-connection.ts write it with wire-messages.ts).
        for (let run = 0; run < 2; run++) {
          expect((await db.query({ name: 'wire_tojson', text, values })).rows).toEqual(expected)
        }
      }
      // The same object returned by a toPostgres, which pg prepares after encode-params.ts.
      const wrapped = [{ toPostgres: () => nothing }]
      for (const db of [wire, pooled, viaClient]) {
        for (const name of [undefined, 'wire_topostgres', 'wire_topostgres']) {
          expect(
            (await db.query({ name, text: 'SELECT $1::text AS t', values: wrapped })).rows,
          ).toEqual([{ t: null }])
        }
      }
    } finally {
      await client.end()
      await pglite.close()
    }
  })

  it('runs a name given to another text as that text', async () => {
    const first = await wire.query({ name: 'wire_same', text: 'SELECT $1::int AS a', values: [1] })
    const second = await wire.query({
      name: 'wire_same',
      text: 'SELECT $1::text AS b',
      values: ['z'],
    })
    const third = await wire.query({ name: 'wire_same', text: 'SELECT $1::int AS a', values: [2] })
    expect([first.rows, second.rows, third.rows]).toEqual([[{ a: 1 }], [{ b: 'z' }], [{ a: 2 }]])
  })

  it('reports a server error with its fields, without the row in the message', async () => {
    await wire.exec('CREATE TABLE uniq (email text UNIQUE)')
    await wire.query({ text: 'INSERT INTO uniq VALUES ($1)', values: ['secret@example.com'] })
    const error = await wire
      .query({
        name: 'wire_uniq',
        text: 'INSERT INTO uniq VALUES ($1)',
        values: ['secret@example.com'],
      })
      .catch((caught: unknown) => caught)
    expect(error).toMatchObject({
      code: '23505',
      kind: 'unique_violation',
      constraint: 'uniq_email_key',
      table: 'uniq',
    })
    expect(String((error as Error).message)).not.toContain('secret@example.com')
  })

  it('runs COPY sent as a query where nothing is pipelined behind it', async () => {
    await wire.exec('CREATE TABLE copied (k int)')
    const outcomes = await Promise.allSettled([
      wire.query({ text: 'SELECT $1::int AS n', values: [1] }),
      wire.query({ text: 'COPY copied FROM STDIN' }),
      wire.query({ text: 'SELECT $1::int AS n', values: [2] }),
      wire.query({ text: 'COPY (SELECT 1) TO STDOUT' }),
      wire.query({ text: 'SELECT $1::int AS n', values: [3] }),
    ])
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
      'fulfilled',
    ])
    expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({
      code: 'INVALID_USAGE',
      message: expect.stringContaining('load rows with db.copyFrom(target, rows)'),
    })
    expect(
      outcomes
        .filter((_, i) => i % 2 === 0)
        .map((o) => (o as PromiseFulfilledResult<{ rows: unknown[] }>).value.rows),
    ).toEqual([[{ n: 1 }], [{ n: 2 }], [{ n: 3 }]])
  })

  it('answers through notices and parameter changes the server sends unasked', async () => {
    const result = await wire.query({
      text: "DO $$ BEGIN RAISE NOTICE 'hello'; RAISE WARNING 'careful'; END $$",
    })
    expect(result.rowCount).toBe(0)
    expect(
      (await wire.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [5] })).rows,
    ).toEqual([{ n: 5 }])
  })
})
