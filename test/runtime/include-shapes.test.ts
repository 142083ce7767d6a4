import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Executor } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

/** More values than json_build_array takes (100): such rows travel as JSON objects instead. */
const WIDE = 105

const { Owner, Gadget } = modelsOf({
  owners(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'label', notNull: false })
    t.hasMany({ name: 'gadgets', foreignTable: 'gadgets', foreignColumn: 'owner_id' })
  },
  gadgets(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'owner_id' })
    t.bigInt({ name: 'serial' })
    for (let i = 0; i < WIDE; i++) t.integer({ name: `c${i}`, defaultValue: String(i) })
    t.belongsTo({ name: 'owner', column: 'owner_id', referencesTable: 'owners' })
  },
})

/** Each way include-sql renders a relation, decoded back into the same rows. */
describe.each(BACKENDS)('include shapes on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  beforeAll(async () => {
    backend = await open()
    db = backend.db
    await Owner.createTable(db)
    await Gadget.createTable(db)
    const owner = await Owner.insert(db, { label: 'first' })
    await Gadget.insertMany(db, [
      { owner_id: owner.id, serial: 9007199254740993n },
      { owner_id: owner.id, serial: 2n },
    ])
  })
  afterAll(() => backend?.close())

  it('reads rows wider than 100 values from JSON objects', async () => {
    const [owner] = await Owner.query()
      .include('gadgets', (q: any) => q.orderBy('id'))
      .fetch(db)
    const direct = await Gadget.query().orderBy('id').fetch(db)
    expect(owner.gadgets).toEqual(direct)
    expect(owner.gadgets[0].c104).toBe(104)
    const [gadget] = await Gadget.query().orderBy('id').include('owner').fetch(db)
    expect(gadget.owner).toEqual(await Owner.findById(db, gadget.owner_id))
  })

  it('refuses __proto__ as a row key, which an object would take for its prototype', () => {
    // Columns cannot be named so either (the schema compiler refuses Object.prototype names).
    expect(() => Owner.query().select({ ['__proto__']: 'label' })).toThrow(/__proto__/)
    expect(() =>
      Gadget.query().include('owner', (q: any) => q.select({ ['__proto__']: 'label' })),
    ).toThrow(/__proto__/)
  })

  it('keeps a joined bigint exact inside an include', async () => {
    const [gadget] = await Gadget.query()
      .orderBy('id')
      .include('owner', (q: any) =>
        q
          .join(Gadget, 'gadgets.owner_id', 'id')
          .select('id', 'gadgets.serial')
          .orderBy('gadgets.serial', 'desc'),
      )
      .fetch(db)
    expect(gadget.owner).toEqual({ id: gadget.owner_id, serial: 9007199254740993n })
  })

  it('orders an include by an aggregate alias, single and many', async () => {
    const [gadget] = await Gadget.query()
      .orderBy('id')
      .include('owner', (q: any) =>
        q.select('id').selectAggregate('count', '*', 'n').groupBy('id').orderBy('n', 'desc'),
      )
      .fetch(db)
    expect(gadget.owner).toEqual({ id: gadget.owner_id, n: 1 })
    const [owner] = await Owner.query()
      .include('gadgets', (q: any) =>
        q
          .select('serial')
          .selectAggregate('count', '*', 'n')
          .groupBy('serial')
          .orderBy('n', 'desc')
          .orderBy('serial'),
      )
      .fetch(db)
    expect(owner.gadgets).toEqual([
      { serial: 2n, n: 1 },
      { serial: 9007199254740993n, n: 1 },
    ])
  })

  it('runs DISTINCT and limited many relations as derived tables', async () => {
    const [owner] = await Owner.query()
      .include('gadgets', (q: any) => q.select('owner_id').distinct())
      .fetch(db)
    expect(owner.gadgets).toEqual([{ owner_id: owner.id }])
    const [limited] = await Owner.query()
      .include('gadgets', (q: any) => q.select('serial').orderBy('serial', 'desc').limit(1))
      .fetch(db)
    expect(limited.gadgets).toEqual([{ serial: 9007199254740993n }])
  })
})
