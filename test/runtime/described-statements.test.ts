import type pg from 'pg'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type ConnectOptions,
  connect,
  type Driver,
  type PgDatabase,
} from '../../packages/runtime/src/executor/index.ts'
import { statementName } from '../../packages/runtime/src/sql/statement-name.ts'
import { type Backend, pgDatabaseBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { startWireRecorder, type WireRecorder } from '../support/wire-recorder.ts'

/**
 * A named statement's rows are described once per connection: later runs send Bind,
 * Execute and Sync only, and decode with the shape kept from the first RowDescription
 * (executor/statement-cache.ts). Checked on the wire (a proxy reading what the client
 * sends) and against the same rows read by a hand-written query.
 */
const { Item } = modelsOf({
  items: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'n' })
    t.bigInt({ name: 'big' })
    t.decimal({ name: 'price', precision: 10, scale: 2 })
    t.string({ name: 'label', nullable: true })
    t.boolean({ name: 'flag' })
    t.timestamptz({ name: 'at' })
    t.date({ name: 'day' })
    t.jsonb({ name: 'doc' })
    t.uuid({ name: 'ref' })
    t.string({ name: 'tags', array: true })
  },
})

/** The same rows, read with a literal text that goes over the simple protocol (no Describe). */
const handWritten = (n: number) =>
  `SELECT id, n, big, price, label, flag, at, day, doc, ref, tags FROM items WHERE n >= ${n} ORDER BY id`

const count = (recorder: WireRecorder, type: string, from = 0) =>
  recorder.sent.slice(from).filter((sent) => sent === type).length

let backend: Backend<pg.Pool>
let recorder: WireRecorder

/** Runs `use` on a database connected through the recorder, closed however `use` ends. */
async function throughRecorder<T>(
  options: Omit<ConnectOptions, 'url'>,
  use: (db: PgDatabase) => Promise<T>,
): Promise<T> {
  const db = (await connect({ url: recorder.url, ...options })) as PgDatabase
  try {
    return await use(db)
  } finally {
    await db.close()
  }
}

beforeAll(async () => {
  backend = await pgDatabaseBackend()
  await Item.createTable(backend.db)
  await backend.db.query(`INSERT INTO items (n, big, price, label, flag, at, day, doc, ref, tags)
    SELECT i, i * 10000000000, i * 1.25, CASE WHEN i % 3 = 0 THEN NULL ELSE 'item ' || i END,
      i % 2 = 0, '2026-01-01T00:00:00Z'::timestamptz + i * interval '1 hour',
      '2026-01-01'::date + i, jsonb_build_object('i', i, 'deep', jsonb_build_array(i, 'x')),
      gen_random_uuid(), ARRAY['a' || i, 'b']
    FROM generate_series(1, 30) i`)
  recorder = await startWireRecorder(backend.db.options.connectionString)
})
afterAll(async () => {
  await recorder?.close()
  await backend?.close()
})

describe.each([
  { mode: 'pipelined', pipeline: { connections: 1 } },
  { mode: 'through the pool', pipeline: false as const },
])('described statements, $mode', ({ pipeline }) => {
  let db: PgDatabase
  beforeAll(async () => {
    db = (await connect({ url: recorder.url, pipeline, pool: { max: 1 } })) as PgDatabase
  })
  afterAll(() => db?.close())

  it('describes a query once and decodes every later run as the first', async () => {
    const from = recorder.sent.length
    for (const n of [1, 5, 12, 29, 30, 31, 1]) {
      const rows = await Item.query().where('n', '>=', n).orderBy('id').fetch(db)
      const { rows: expected } = await db.query({ text: handWritten(n) })
      expect(rows).toEqual(expected)
      expect(rows).toHaveLength(Math.max(0, 31 - n))
    }
    // One Parse and one Describe for the seven runs of the one statement; seven Binds.
    expect(count(recorder, 'P', from)).toBe(1)
    expect(count(recorder, 'D', from)).toBe(1)
    expect(count(recorder, 'B', from)).toBe(7)
    const first = (await Item.query().where('n', '>=', 1).orderBy('id').fetch(db))[0]
    expect(first.at).toBeInstanceOf(Date)
    expect(first.big).toBe(10_000_000_000n)
    expect(first.doc).toEqual({ i: 1, deep: [1, 'x'] })
    expect(first.tags).toEqual(['a1', 'b'])
  })

  it('describes a statement without rows once, and its row counts stay right', async () => {
    const text = 'UPDATE items SET n = n + 0 WHERE id <= $1'
    const from = recorder.sent.length
    for (const limit of [3, 7, 0, 30]) {
      const result = await db.query({ name: statementName(text), text, values: [limit] })
      expect(result.rowCount).toBe(limit)
      expect(result.rows).toEqual([])
    }
    expect(count(recorder, 'D', from)).toBe(1)
  })
})

describe('described statements in a transaction', () => {
  it("BEGIN rides in the first statement's round trip, before its Bind and Execute", async () => {
    await throughRecorder({ pipeline: false, pool: { max: 1 } }, async (db) => {
      const read = (tx: Driver) => Item.query().where('n', '>=', 28).orderBy('id').fetch(tx)
      const expected = (await db.query({ text: handWritten(28) })).rows
      expect(await db.transaction(read)).toEqual(expected)
      const from = recorder.sent.length
      expect(await db.transaction(read)).toEqual(expected)
      // BEGIN (unnamed Parse, Bind, Execute), the described statement (Bind, Execute), one
      // Sync for both; COMMIT as a simple query: two round trips.
      expect(recorder.sent.slice(from)).toEqual(['P', 'B', 'E', 'B', 'E', 'S', 'Q'])
    })
  })
})

describe('described statements and the statement cache', () => {
  it('describes a statement again after it was closed and prepared anew', async () => {
    await throughRecorder({ pipeline: { connections: 1 }, statementCacheSize: 2 }, async (db) => {
      const from = recorder.sent.length
      // Three texts (ids 1, 2 and 4: 3's label is null) through a cache of two: every run after the first two prepares again.
      for (let round = 0; round < 3; round++) {
        for (const offset of [0, 1, 3]) {
          const text = `SELECT n + ${offset} AS m, label FROM items WHERE id = $1`
          const { rows } = await db.query({ name: statementName(text), text, values: [offset + 1] })
          expect(rows).toEqual([{ m: offset + 1 + offset, label: `item ${offset + 1}` }])
        }
      }
      expect(count(recorder, 'P', from)).toBe(9)
      expect(count(recorder, 'D', from)).toBe(count(recorder, 'P', from))
    })
  })
})

describe('a statement whose table changed type under it', () => {
  const text = 'SELECT id, n FROM retyped WHERE id = $1'
  const run = (db: PgDatabase) =>
    db.query({ name: statementName(text), text, values: [1] }).then((result) => result.rows)
  beforeEach(async () => {
    await backend.db.query('DROP TABLE IF EXISTS retyped')
    await backend.db.query(
      'CREATE TABLE retyped (id int, n int); INSERT INTO retyped VALUES (1, 2)',
    )
  })

  it.each([
    { mode: 'pipelined', pipeline: { connections: 1 }, max: 1 },
    { mode: 'through a pool of 3', pipeline: false as const, max: 3 },
  ])('is prepared again and answers with the new type, $mode', async ({ pipeline, max }) => {
    await throughRecorder({ pipeline, pool: { max } }, async (db) => {
      // Every connection of the pool prepares the statement with n an integer.
      await Promise.all(Array.from({ length: max * 3 }, () => run(db)))
      expect(await run(db)).toEqual([{ id: 1, n: 2 }])
      await backend.db.query('ALTER TABLE retyped ALTER COLUMN n TYPE bigint')
      for (let i = 0; i < max * 2; i++) expect(await run(db)).toEqual([{ id: 1, n: 2n }])
    })
  })

  it('fails inside a transaction (the failure aborted it), and runs after it', async () => {
    await throughRecorder({ pipeline: false, pool: { max: 1 } }, async (db) => {
      await db.transaction((tx) => tx.query({ name: statementName(text), text, values: [1] }))
      await backend.db.query('ALTER TABLE retyped ALTER COLUMN n TYPE bigint')
      await expect(
        db.transaction((tx) => tx.query({ name: statementName(text), text, values: [1] })),
      ).rejects.toMatchObject({ code: '0A000' })
      const again = await db.transaction((tx) =>
        tx.query({ name: statementName(text), text, values: [1] }),
      )
      expect(again.rows).toEqual([{ id: 1, n: 2n }])
    })
  })
})
