import type { TableSchema } from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../core/support/schema-fixtures.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { expectRefused } from '../support/usage-error.ts'

/**
 * A partitioned table's model works as any other: inserts land in the partition their key
 * says, findById, update, delete and queries read the whole table, foreign keys hold both
 * from and to a partitioned table. Partitions are no models. PGlite partitions as PostgreSQL.
 */
describe.each(BACKENDS)('partitioned tables through their models on $name', ({ open }) => {
  const models = modelsOf({
    // Hash partitioned by its key: a foreign key may reference it (its key includes the key).
    accounts: (t: TableSchema) => {
      t.integer({ name: 'id', primaryKey: true })
      t.string({ name: 'email' })
      t.partitionBy({ kind: 'hash', columns: ['id'] })
      t.partition({ name: 'accounts_0', modulus: 2, remainder: 0 })
      t.partition({ name: 'accounts_1', modulus: 2, remainder: 1 })
      t.hasMany({ name: 'events', foreignTable: 'events', foreignColumn: 'account_id' })
    },
    events: (t: TableSchema) => {
      t.uuid({ name: 'id', defaultValue: 'gen_random_uuid()' })
      t.date({ name: 'happened_on' })
      t.integer({ name: 'account_id' })
      t.string({ name: 'kind' })
      t.primaryKey(['id', 'happened_on'])
      t.partitionBy({ kind: 'range', columns: ['happened_on'] })
      t.partition({ name: 'events_old', from: 'MINVALUE', to: '2024-01-01' })
      t.partition({ name: 'events_2024', from: '2024-01-01', to: '2025-01-01' })
      t.partition({ name: 'events_later', default: true })
      t.belongsTo({ name: 'account', column: 'account_id', referencesTable: 'accounts' })
      t.addIndexes([{ name: 'idx_events_kind', columns: ['kind'] }])
    },
    // Partitioned by an expression, which PostgreSQL allows no primary key.
    logs: (t: TableSchema) => {
      t.string({ name: 'message' })
      t.partitionBy({ kind: 'list', expression: 'lower(left(message, 1))' })
      t.partition({ name: 'logs_a', in: ['a'] })
      t.partition({ name: 'logs_rest', default: true })
    },
    notes: (t: TableSchema) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'account_id' })
      t.belongsTo({ name: 'account', column: 'account_id', referencesTable: 'accounts' })
    },
  })
  const { Account, Event, Log, Note } = models
  let backend: Backend
  let db: Backend['db']

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    // Twice: the partitions' DDL re-runs as the table's does.
    for (const model of [Account, Event, Log, Note, Account, Event, Log, Note]) {
      await model.createTable(db)
      await model.createIndexes(db)
    }
  })
  afterAll(() => backend.close())

  it('has models for the tables only, not for their partitions', () => {
    expect(Object.keys(models).sort()).toEqual(['Account', 'Event', 'Log', 'Note'])
  })

  it('routes inserts to their partitions and reads them back through the model', async () => {
    await Account.insertMany(db, [
      { id: 1, email: 'a@x' },
      { id: 2, email: 'b@x' },
    ])
    const old = await Event.insert(db, { happened_on: '2023-03-01', account_id: 1, kind: 'a' })
    const mid = await Event.insert(db, { happened_on: '2024-06-01', account_id: 2, kind: 'b' })
    const late = await Event.insert(db, { happened_on: '2031-01-01', account_id: 1, kind: 'a' })
    const placed = await rows<{ partition: string; id: string }>(
      backend,
      'SELECT tableoid::regclass::text AS partition, id FROM events ORDER BY happened_on',
    )
    expect(placed).toEqual([
      { partition: 'events_old', id: old.id },
      { partition: 'events_2024', id: mid.id },
      { partition: 'events_later', id: late.id },
    ])
    const accounts = await rows<{ partition: string }>(
      backend,
      'SELECT DISTINCT tableoid::regclass::text AS partition FROM accounts ORDER BY 1',
    )
    expect(accounts.length).toBeGreaterThan(0)
    expect(accounts.every((row) => /^accounts_[01]$/.test(row.partition))).toBe(true)

    expect(await Event.findById(db, { id: mid.id, happened_on: '2024-06-01' })).toEqual(mid)
    expect(await Event.findById(db, { id: mid.id, happened_on: '2023-06-01' })).toBeNull()
    expect(await Account.findById(db, 2)).toEqual({ id: 2, email: 'b@x' })
    const kindA = await Event.query()
      .where('kind', '=', 'a')
      .orderBy('happened_on', 'desc')
      .fetch(db)
    expect(kindA.map((row: { happened_on: string }) => row.happened_on)).toEqual([
      '2031-01-01',
      '2023-03-01',
    ])
    expect(await Event.count(db)).toBe(3)
  })

  it('updates a row by its whole key, includes across partitions, deletes', async () => {
    const [event] = await Event.query().where('kind', '=', 'b').fetch(db)
    const updated = await Event.update(
      db,
      { id: event.id, happened_on: event.happened_on },
      { kind: 'c' },
    )
    expect(updated).toEqual({ ...event, kind: 'c' })
    const [stored] = await rows<{ partition: string; kind: string }>(
      backend,
      "SELECT tableoid::regclass::text AS partition, kind FROM events WHERE happened_on = '2024-06-01'",
    )
    expect(stored).toEqual({ partition: 'events_2024', kind: 'c' })
    const account = await Account.query().where('id', '=', 1).include('events').first(db)
    expect(account.events.map((e: { kind: string }) => e.kind).sort()).toEqual(['a', 'a'])
    await Event.hardDelete(db, { id: event.id, happened_on: event.happened_on })
    expect(await Event.count(db)).toBe(2)
  })

  it('keeps the foreign keys both ways: to a partitioned table and from one', async () => {
    await Note.insert(db, { account_id: 1 })
    await expect(Note.insert(db, { account_id: 99 })).rejects.toThrow(
      /foreign key|fk_notes_account/i,
    )
    await expect(
      Event.insert(db, { happened_on: '2024-02-02', account_id: 99, kind: 'x' }),
    ).rejects.toThrow(/foreign key|fk_events_account/i)
  })

  it('writes and reads a table partitioned by an expression; findById says it has no key', async () => {
    await Log.insertMany(db, [{ message: 'Alpha' }, { message: 'beta' }, { message: 'apple' }])
    const placed = await rows<{ partition: string; message: string }>(
      backend,
      'SELECT tableoid::regclass::text AS partition, message FROM logs ORDER BY message',
    )
    expect(placed).toEqual([
      { partition: 'logs_a', message: 'Alpha' },
      { partition: 'logs_a', message: 'apple' },
      { partition: 'logs_rest', message: 'beta' },
    ])
    expect(await Log.query().where('message', '=', 'beta').count(db)).toBe(1)
    await expectRefused(() => Log.findById(db, 'x'), /has no primary key/)
  })
})
