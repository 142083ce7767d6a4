import { copyRows, placeholder, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend, pgBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

type Row = Record<string, unknown>

/**
 * Values where a driver, a cast or a comparison changed them silently: each written and read
 * back through the models on pg and PGlite and checked against what PostgreSQL holds.
 */
describe.each(BACKENDS)('values at the edges on $name', ({ open }) => {
  const { Item, Part } = modelsOf({
    items: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.enum({ name: 'role', values: ['admin', "it's", 'guest'], nullable: true })
      t.enum({ name: 'kinds', values: ['x', 'y', 'z'], array: true, nullable: true })
      t.timestamptz({ name: 'at', mode: 'string', precision: 6, nullable: true })
      t.double({ name: 'f8', nullable: true })
      t.double({ name: 'f8s', array: true, nullable: true })
      t.bigInt({ name: 'big', nullable: true })
      t.integer({ name: 'owner', nullable: true })
      t.integer({ name: 'seq', nullable: true })
      t.string({ name: 'tag', nullable: true })
      t.unique(['owner', 'seq'])
      t.hasMany({ name: 'parts', foreignTable: 'parts', foreignColumn: 'item_id' })
    },
    parts: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'item_id' })
      t.custom({ name: 'hosts', type: 'inet[]', nullable: true })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Item.createTable(db)
    await Part.createTable(db)
    await Item.insertMany(db, [
      { role: 'admin', kinds: ['y', 'z'], at: '2024-03-10 07:30:00.123456+00', tag: 'a' },
      { role: "it's", kinds: ['x'], at: '2024-03-10 07:30:00.123457+00', tag: null },
      { role: 'guest', kinds: null, at: null, tag: 'b' },
    ])
  })
  afterAll(() => backend.close())

  it('compares an enum with an in-list, quotes in its labels included', async () => {
    const roles = (rows: Row[]) => rows.map((row) => row.role)
    expect(
      roles(await Item.query().whereIn('role', ['admin', "it's"]).orderBy('id').fetch(db)),
    ).toEqual(['admin', "it's"])
    expect(roles(await Item.query().whereNotIn('role', ['admin']).orderBy('id').fetch(db))).toEqual(
      ["it's", 'guest'],
    )
    expect(await Item.query().whereIn('role', []).count(db)).toBe(0)
  })

  it('gives min and max the column’s own value: an enum array, a string-mode time', async () => {
    expect(await Item.query().max(db, 'kinds')).toEqual(['y', 'z'])
    expect(await Item.query().min(db, 'kinds')).toEqual(['x'])
    const [latest] = await hand('SELECT max(at)::text AS at FROM items')
    expect(await Item.query().max(db, 'at')).toBe(latest!.at)
    expect(await Item.query().max(db, 'at')).toMatch(/\.123457\+00$/)
    const [row] = await Item.query().selectAggregate('min', 'at', 'first').fetch(db)
    expect(row!.first).toMatch(/\.123456\+00$/)
  })

  it('refuses a null placeholder compared with =, which no row would match', async () => {
    const byTag = Item.query().where('tag', placeholder('tag'))
    expect(await byTag.count(db, { tag: 'a' })).toBe(1)
    await expectRefused(() => byTag.count(db, { tag: null }), /placeholder "tag" is null/)
    // Where NULL is a value (a write), a null placeholder stays allowed.
    expect(await Item.query().whereNull('tag').count(db)).toBe(1)
  })

  it('keeps the sign of -0 and every digit of a large integer, on every write path', async () => {
    const big = 2 ** 60 // exactly 1152921504606846976, which String() prints as …847000
    const [many] = await Item.insertMany(db, [{ f8: -0, f8s: [-0, 1], big }])
    await copyRows(db, Item, [{ f8: -0, f8s: [-0], big, tag: 'copied' }])
    const stored = await hand(
      "SELECT f8::text AS f8, f8s::text AS f8s, big::text AS big FROM items WHERE f8 IS NOT NULL OR tag = 'copied' ORDER BY id",
    )
    expect(stored).toHaveLength(2)
    for (const row of stored) {
      expect(row.f8).toBe('-0')
      expect(String(row.f8s).startsWith('{-0')).toBe(true)
      expect(row.big).toBe('1152921504606846976')
    }
    expect(Object.is(many!.f8, -0)).toBe(true)
    const found = await Item.query().where('big', big).first(db)
    expect(found?.id).toBe(many!.id)
  })

  it("reads a custom array's elements as the type prints them (inet without its netmask)", async () => {
    const [item] = await Item.query().orderBy('id').limit(1).fetch(db)
    await Part.insert(db, { item_id: item!.id, hosts: ['10.0.0.1', '::1', null, '10.1.0.0/16'] })
    const printed = ['10.0.0.1', '::1', null, '10.1.0.0/16']
    const [part] = await Part.query().fetch(db)
    expect(part!.hosts).toEqual(printed)
    const [withParts] = await Item.query().where('id', item!.id).include('parts').fetch(db)
    expect(withParts!.parts[0].hosts).toEqual(printed)
  })

  it('refuses upsertMany without an update for a key with a NULL, which it could not read back', async () => {
    const rows = [
      { owner: 7, seq: 1, tag: 'o' },
      { owner: null, seq: 1, tag: 'n' },
    ]
    await expectRefused(
      () => Item.upsertMany(db, rows, { conflict: ['owner', 'seq'], update: [] }),
      /row 1 has NULL in the conflict column "owner"/,
    )
    expect(await Item.query().where('seq', 1).count(db)).toBe(0)
    const kept = await Item.upsertMany(db, [rows[0]!], { conflict: ['owner', 'seq'], update: [] })
    expect(kept.map((row: Row) => row.tag)).toEqual(['o'])
  })
})

describe('bytea arrays in includes, whatever bytea_output is', () => {
  const { Item, Part } = modelsOf({
    items: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.hasMany({ name: 'parts', foreignTable: 'parts', foreignColumn: 'item_id' })
    },
    parts: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'item_id' })
      t.binary({ name: 'blobs', array: true, nullable: true })
    },
  })
  let backend: Backend
  beforeAll(async () => {
    // One connection, kept: the setting below is the session's.
    backend = await pgBackend({ max: 1, idleTimeoutMillis: 0 })
  })
  afterAll(() => backend.close())

  it('decodes hex and escape output alike', async () => {
    const db = backend.db
    await Item.createTable(db)
    await Part.createTable(db)
    const item = await Item.insert(db, {})
    const blobs = [
      Uint8Array.from([0, 0x5c, 0xff, 0x27]),
      Uint8Array.from([0x41]),
      new Uint8Array(),
    ]
    await Part.insert(db, { item_id: item.id, blobs })
    for (const output of ['hex', 'escape']) {
      await toDriver(db).query({ text: `SET bytea_output = ${output}` })
      const [top] = await Part.query().fetch(db)
      const [withParts] = await Item.query().include('parts').fetch(db)
      expect(top!.blobs).toEqual(blobs)
      expect(withParts!.parts[0].blobs).toEqual(blobs)
    }
  })
})
