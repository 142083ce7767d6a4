import { sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/**
 * Every timestamp fluentorm reads back finds its row again: Date-mode columns hold
 * milliseconds (precision 3 by default), string-mode columns keep microseconds as text.
 * Values come from the server's own clock (`now()`, `clock_timestamp()`), which has
 * microseconds, so a column that kept them would not match the Date read back.
 */
describe.each(BACKENDS)('timestamps on $name', ({ open }) => {
  const { Event, Reading, Sensor } = modelsOf({
    events: (t) => {
      t.timestamptz({ name: 'at', primaryKey: true, defaultValue: 'clock_timestamp()' })
      t.dateTime({ name: 'local_at', defaultValue: 'clock_timestamp()' })
      t.string({ name: 'name' })
    },
    sensors: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.hasMany({ name: 'readings', foreignTable: 'readings', foreignColumn: 'sensor_id' })
    },
    readings: (t) => {
      t.increments({ name: 'id', primaryKey: true })
      t.integer({ name: 'sensor_id' })
      t.timestamptz({ name: 'taken_at', mode: 'string', defaultValue: 'clock_timestamp()' })
      t.belongsTo({ name: 'sensor', column: 'sensor_id', referencesTable: 'sensors' })
    },
  })
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const model of [Event, Sensor, Reading]) await model.createTable(db)
  })
  afterAll(() => backend.close())

  it('finds a row by a server-made timestamp key read back as a Date', async () => {
    const events = []
    // The server's clock, a millisecond further per row: PGlite's clock ticks in milliseconds,
    // so two rows of one tick would share a key.
    for (const [i, name] of ['a', 'b', 'c'].entries()) {
      const at = sql`clock_timestamp() + ${i} * interval '1 millisecond'`
      events.push(await Event.insert(db, { name, at, local_at: at }))
    }
    for (const event of events) {
      expect(event.at).toBeInstanceOf(Date)
      expect(await Event.findById(db, event.at)).toEqual(event)
      expect(await Event.query().where('at', event.at).fetch(db)).toEqual([event])
      expect(await Event.query().where('local_at', event.local_at).count(db)).toBe(1)
      const renamed = await Event.update(db, event.at, { name: `${event.name}!` })
      expect(renamed?.name).toBe(`${event.name}!`)
    }
    const [, middle] = events
    // A keyset cursor over the timestamp: the rows after it, never the row itself again.
    const after = await Event.query().where('at', '>', middle!.at).orderBy('at').fetch(db)
    expect(after.map((row: Row) => row.name)).toEqual(['c!'])
    const upTo = await Event.query().where('at', '<=', middle!.at).count(db)
    expect(upTo).toBe(2)
  })

  it('stores milliseconds: what the server holds equals the Date read back', async () => {
    const event = await Event.insert(db, { name: 'exact' })
    const [row] = await hand(
      `SELECT (extract(epoch FROM at) * 1000)::float8 AS ms, (extract(microseconds FROM at)::int % 1000) AS micros FROM events WHERE name = 'exact'`,
    )
    expect(row).toEqual({ ms: event.at.getTime(), micros: 0 })
  })

  it('reads a string-mode timestamp as text with its microseconds, and finds it by it', async () => {
    const sensor = await Sensor.insert(db, {})
    // Two values a microsecond apart (PGlite's clock ticks in milliseconds, so they are given).
    const readings = await Reading.insertMany(db, [
      { sensor_id: sensor.id, taken_at: '2024-05-06 07:08:09.123456+00' },
      { sensor_id: sensor.id, taken_at: '2024-05-06 07:08:09.123457+00' },
    ])
    for (const reading of readings) {
      expect(typeof reading.taken_at).toBe('string')
      expect(await Reading.query().where('taken_at', reading.taken_at).count(db)).toBe(1)
      expect((await Reading.findById(db, reading.id))?.taken_at).toBe(reading.taken_at)
    }
    const [micros] = await hand(
      'SELECT array_agg(extract(microseconds FROM taken_at)::int % 1000 ORDER BY id) AS m FROM readings',
    )
    expect(micros!.m).toEqual([456, 457])
    const [loaded] = await Sensor.query()
      .where('id', sensor.id)
      .include('readings', (q: any) => q.orderBy('id'))
      .fetch(db)
    expect(loaded.readings.map((reading: Row) => reading.taken_at)).toEqual(
      readings.map((reading: Row) => reading.taken_at),
    )
    const text = await sql<{
      t: string
    }>`SELECT ${Reading.column('taken_at')}::text AS t FROM readings ORDER BY id`.fetch(db)
    expect(text.map((row) => row.t)).toEqual(readings.map((reading: Row) => reading.taken_at))
  })
})
