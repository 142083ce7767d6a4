import type { Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  copyRows,
  type Executor,
  FluentOrmError,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend, pgBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

const { Event, Load } = modelsOf({
  loads(t) {
    t.integer({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
  },
  events(t) {
    t.bigIncrements({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.string({ name: 'note', notNull: false })
    t.bigInt({ name: 'amount', defaultValue: '0' })
    t.jsonb({ name: 'payload', notNull: false })
    t.binary({ name: 'raw', notNull: false })
    t.string({ name: 'tags', array: true, notNull: false })
    t.timestamptz({ name: 'at', notNull: false })
  },
})

/** Every character COPY's text format must escape, and values of every encoded kind. */
const tricky = {
  name: 'tab\there, newline\nthere, cr\r, backslash \\ and \\N',
  note: null,
  amount: 9007199254740993n,
  payload: { quote: '"', nested: ['a', 1, null] },
  raw: new Uint8Array([0, 9, 10, 92, 255]),
  tags: ['plain', 'with "quote"', 'back\\slash', 'comma, brace }', null],
  at: new Date('2024-05-06T07:08:09.123Z'),
}

describe.each(BACKENDS)('copyRows on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Event.createTable(db)
  })
  afterAll(() => backend?.close())

  it('loads rows that read back exactly as they were given', async () => {
    await Event.truncate(db)
    const plain = Array.from({ length: 1000 }, (_, i) => ({
      ...tricky,
      name: `event ${i}`,
      note: i % 2 ? `note ${i}` : null,
    }))
    expect(await copyRows(db, Event, [tricky, ...plain])).toBe(1001)
    const rows = await Event.query().orderBy('id').fetch(db)
    expect(rows).toHaveLength(1001)
    expect(rows[0]).toEqual({ id: 1n, ...tricky })
    expect(rows[1000]).toMatchObject({ name: 'event 999', note: 'note 999' })
  })

  it('commits or rolls back with the transaction it runs in', async () => {
    await Event.truncate(db)
    const thrown = await transaction(db, async (tx) => {
      await copyRows(tx, Event, [{ name: 'a' }, { name: 'b' }])
      expect(await Event.count(tx)).toBe(2)
      throw new Error('undo')
    }).catch((error: unknown) => error)
    expect(thrown).toEqual(new Error('undo'))
    expect(await Event.count(db)).toBe(0)
  })

  it('loads thousands of rows in chunks, and none when a late row cannot be encoded', async () => {
    await Event.truncate(db)
    const rows = Array.from({ length: 9_000 }, (_, i) => ({ name: `e${i}`, at: new Date(i) }))
    expect(await copyRows(db, Event, rows)).toBe(9_000)
    expect(await Event.query().where('name', 'e8999').first(db)).toMatchObject({
      at: new Date(8999),
    })
    await Event.truncate(db)
    rows[7_000] = { name: 'bad', at: new Date('not a date') }
    await expect(copyRows(db, Event, rows)).rejects.toMatchObject({ code: 'INVALID_DATE' })
    expect(await Event.count(db)).toBe(0)
    expect(await copyRows(db, Event, [{ name: 'after', at: null }])).toBe(1)
  })

  it('refuses rows that do not all set the same columns', async () => {
    const thrown = await copyRows(db, Event, [{ name: 'a', amount: 1n }, { name: 'b' }]).catch(
      (error: unknown) => error,
    )
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect((thrown as Error).message).toBe(
      'Event.copyRows failed: row 1 sets name but the first row sets name, amount; every row of a COPY must set the same columns. Use insertMany to let some rows take defaults.',
    )
  })

  it('names the model and column a row gets wrong', async () => {
    const thrown = await copyRows(db, Event, [{ name: 'a', colour: 'red' }]).catch(
      (error: unknown) => error,
    )
    expect((thrown as Error).message).toBe(
      'Event.copyRows failed: unknown column "colour" on table events. Use one of: id, name, note, amount, payload, raw, tags, at.',
    )
  })

  it('reports a constraint violation from the database', async () => {
    const thrown = await toDriver(db)
      .copyFrom?.({ table: 'events', columns: ['name'] }, [['ok'], [null]])
      .catch((error: unknown) => error)
    expect(thrown).toMatchObject({ kind: 'not_null_violation', operation: 'copyFrom' })
  })
})

describe('copyRows on pg, a load larger than the socket holds', () => {
  it('waits for the socket to drain: a few chunks in memory, never the whole load', async () => {
    const backend = await pgBackend()
    const client = await backend.db.connect()
    try {
      await Load.createTable(client)
      // Watch what pg's socket holds in memory after each write during the COPY.
      const stream = (client as unknown as { connection: { stream: Socket } }).connection.stream
      const write = stream.write
      let sent = 0
      let mostHeld = 0
      stream.write = function (this: Socket, chunk: Uint8Array, ...rest: never[]) {
        sent += chunk.length
        const result = write.call(this, chunk, ...rest)
        mostHeld = Math.max(mostHeld, stream.writableLength)
        return result
      } as Socket['write']
      const rows = Array.from({ length: 300_000 }, (_, i) => ({
        id: i,
        name: `${'x'.repeat(60)}${i}`,
      }))
      try {
        expect(await copyRows(client, Load, rows)).toBe(300_000)
      } finally {
        stream.write = write
      }
      expect(sent).toBeGreaterThan(20_000_000)
      expect(mostHeld).toBeLessThan(2_000_000)
      expect(await Load.count(client)).toBe(300_000)
    } finally {
      client.release()
      await backend.close()
    }
  })
})
