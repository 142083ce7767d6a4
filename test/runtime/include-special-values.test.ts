import { toDriver, transaction } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Executor } from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, any>

const { Host, Sample, Probe, HostSample } = modelsOf({
  hosts(t) {
    t.integer({ name: 'id', primaryKey: true })
    t.hasMany({ name: 'samples', foreignTable: 'samples', foreignColumn: 'host_id' })
    t.hasOne({ name: 'main', foreignTable: 'samples', foreignColumn: 'main_of' })
    t.manyToMany({
      name: 'tagged',
      targetTable: 'samples',
      through: 'host_samples',
      throughLocalColumn: 'host_id',
      throughForeignColumn: 'sample_id',
    })
  },
  samples(t) {
    t.integer({ name: 'id', primaryKey: true })
    t.integer({ name: 'host_id' })
    t.integer({ name: 'main_of', notNull: false, unique: true })
    t.float({ name: 'f4', notNull: false })
    t.double({ name: 'f8', notNull: false })
    t.numeric({ name: 'num', notNull: false })
    t.timestamptz({ name: 'at', notNull: false })
    t.dateTime({ name: 'wall', notNull: false })
    t.date({ name: 'day', notNull: false })
    t.double({ name: 'f8s', array: true, notNull: false })
    t.timestamptz({ name: 'ats', array: true, notNull: false })
    t.belongsTo({ name: 'host', column: 'host_id', referencesTable: 'hosts' })
  },
  probes(t) {
    t.integer({ name: 'id', primaryKey: true })
    t.integer({ name: 'sample_id' })
    t.belongsTo({ name: 'sample', column: 'sample_id', referencesTable: 'samples' })
  },
  host_samples(t) {
    t.integer({ name: 'host_id' })
    t.integer({ name: 'sample_id' })
    t.primaryKey(['host_id', 'sample_id'])
    t.belongsTo({ name: 'host', column: 'host_id', referencesTable: 'hosts' })
    t.belongsTo({ name: 'sample', column: 'sample_id', referencesTable: 'samples' })
  },
})

/**
 * The values JSON cannot write as themselves (PostgreSQL's to_json writes NaN and ±Infinity
 * floats as strings, ±infinity timestamps as "infinity", BC timestamps with a ` BC` suffix),
 * next to ordinary ones: an included row must hold what a top-level row holds.
 */
const SAMPLES = `
INSERT INTO samples (id, host_id, main_of, f4, f8, num, at, wall, day, f8s, ats) VALUES
  (1, 1, 1, 'NaN', 'NaN', 'NaN', 'infinity', 'infinity', 'infinity',
    '{NaN,Infinity,-Infinity,1.5}', '{infinity,-infinity,"2024-05-06 07:08:09.123+00"}'),
  (2, 1, NULL, 'Infinity', '-Infinity', 'Infinity', '-infinity', '-infinity', '-infinity',
    '{{NaN,1},{2,-Infinity}}', '{}'),
  (3, 2, 2, '-Infinity', 'Infinity', '-Infinity', '2024-05-06 07:08:09.123+00',
    '2024-05-06 07:08:09.123', '2024-05-06', '{0.1}', NULL),
  (4, 2, NULL, 1.5, 0.1, '1234.5678', '0044-03-15 12:00:00+00 BC', '0050-01-01 00:00:00',
    '0044-03-15 BC', '{-0}', '{"0044-03-15 12:00:00+00 BC"}'),
  (5, 3, 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`

describe.each(BACKENDS)('special values in includes on $name', ({ open }) => {
  let backend: Backend
  let db: Executor
  let samples: Row[]
  let hosts: Row[]
  const sample = (id: number) => samples.find((row) => row.id === id)
  const ofHost = (id: number) => samples.filter((row) => row.host_id === id)

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const model of [Host, Sample, Probe, HostSample]) await model.createTable(db)
    const driver = toDriver(db)
    await driver.query({ text: 'INSERT INTO hosts (id) VALUES (1), (2), (3)' })
    await driver.query({ text: SAMPLES })
    await driver.query({ text: 'INSERT INTO probes (id, sample_id) SELECT id, id FROM samples' })
    await driver.query({
      text: 'INSERT INTO host_samples (host_id, sample_id) VALUES (1, 1), (1, 3), (2, 2), (2, 5), (3, 4)',
    })
    samples = await Sample.query().orderBy('id').fetch(db)
    hosts = await Host.query().orderBy('id').fetch(db)
  })
  afterAll(() => backend?.close())

  it('reads them top-level as the runtime parsers decode a hand-written query', async () => {
    const hand = await toDriver(db).query<Row>({ text: 'SELECT * FROM samples ORDER BY id' })
    expect(samples).toEqual(hand.rows)
    expect(sample(1)).toMatchObject({ f4: Number.NaN, f8: Number.NaN, num: 'NaN' })
    expect(sample(1)).toMatchObject({ at: Infinity, wall: Infinity, day: 'infinity' })
    expect(sample(1)!.f8s).toEqual([Number.NaN, Infinity, -Infinity, 1.5])
    expect(sample(1)!.ats).toEqual([Infinity, -Infinity, new Date('2024-05-06T07:08:09.123Z')])
    expect(sample(2)).toMatchObject({ f4: Infinity, f8: -Infinity, num: 'Infinity' })
    expect(sample(2)).toMatchObject({ at: -Infinity, wall: -Infinity, day: '-infinity' })
    expect(sample(2)!.f8s).toEqual([
      [Number.NaN, 1],
      [2, -Infinity],
    ])
    expect(sample(3)).toMatchObject({ f4: -Infinity, f8: Infinity, num: '-Infinity' })
    expect(sample(3)!.wall).toEqual(new Date('2024-05-06T07:08:09.123Z'))
    expect(sample(4)!.at).toBeInstanceOf(Date)
    expect(Number.isNaN(sample(4)!.at.getTime())).toBe(false)
    expect(sample(5)).toMatchObject({ f4: null, num: null, at: null, day: null, f8s: null })
  })

  it('gives hasMany rows the top-level values, flat and as a derived table', async () => {
    const flat = await Host.query()
      .orderBy('id')
      .include('samples', (q: any) => q.orderBy('id'))
      .fetch(db)
    expect(flat).toEqual(hosts.map((host) => ({ ...host, samples: ofHost(host.id) })))
    const limited = await Host.query()
      .orderBy('id')
      .include('samples', (q: any) => q.orderBy('id').limit(10))
      .fetch(db)
    expect(limited).toEqual(flat)
  })

  it('gives belongsTo rows the top-level values, flat and as a derived table', async () => {
    const probes = await Probe.query().orderBy('id').include('sample').fetch(db)
    expect(probes.map((probe: Row) => probe.sample)).toEqual(samples)
    const distinct = await Probe.query()
      .orderBy('id')
      .include('sample', (q: any) => q.distinct())
      .fetch(db)
    expect(distinct).toEqual(probes)
  })

  it('gives hasOne and manyToMany rows the top-level values', async () => {
    const rows = await Host.query()
      .orderBy('id')
      .include('main')
      .include('tagged', (q: any) => q.orderBy('id'))
      .fetch(db)
    const links: Record<number, number[]> = { 1: [1, 3], 2: [2, 5], 3: [4] }
    expect(rows).toEqual(
      hosts.map((host) => ({
        ...host,
        main: samples.find((row) => row.main_of === host.id),
        tagged: links[host.id]!.map(sample),
      })),
    )
  })

  it('gives nested includes the top-level values', async () => {
    const probes = await Probe.query()
      .orderBy('id')
      .select('id')
      .include('sample', (s: any) =>
        s.include('host', (h: any) => h.include('samples', (q: any) => q.orderBy('id'))),
      )
      .fetch(db)
    expect(probes).toEqual(
      samples.map((row) => ({
        id: row.id,
        sample: { ...row, host: { id: row.host_id, samples: ofHost(row.host_id) } },
      })),
    )
  })

  it('gives relation aggregates and aggregates inside includes the top-level values', async () => {
    const aggregated = (q: any) =>
      q
        .withMax('samples', 'f8')
        .withMin('samples', 'f4')
        .withMax('samples', 'at')
        .withMin('samples', 'wall')
        .withSum('samples', 'f4')
        .withAvg('samples', 'f8')
    const top = await aggregated(Host.query().orderBy('id')).fetch(db)
    expect(top[0]).toMatchObject({ samples_max_f8: Number.NaN, samples_max_at: Infinity })
    const probes = await Probe.query()
      .orderBy('id')
      .select('id', 'sample_id')
      .include('sample', (s: any) => s.select('id').include('host', aggregated))
      .fetch(db)
    const hostOf = (probe: Row) =>
      top.find((host: Row) => host.id === sample(probe.sample_id)!.host_id)
    for (const probe of probes) expect(probe.sample.host).toEqual(hostOf(probe))
    const grouped = (q: any) =>
      q
        .select('host_id')
        .selectAggregate('max', 'f8', 'f8_max')
        .selectAggregate('min', 'at', 'at_min')
        .groupBy('host_id')
    const included = await Host.query()
      .orderBy('id')
      .select('id')
      .include('samples', grouped)
      .fetch(db)
    const direct = await grouped(Sample.query()).fetch(db)
    expect(included.map((host: Row) => host.samples[0])).toEqual(
      direct.sort((a: Row, b: Row) => a.host_id - b.host_id),
    )
    expect(direct[1]).toMatchObject({ f8_max: Infinity })
  })

  it('reads offsets of seconds, as local mean time has, like top-level rows', async () => {
    // Before 1835 Amsterdam's offset is +00:19:32: to_json writes it, `new Date` refuses it.
    await transaction(db, async (tx) => {
      await tx.query({ text: "SET LOCAL TimeZone = 'Europe/Amsterdam'" })
      const [probe] = await Probe.query().where('id', 4).include('sample').fetch(tx)
      expect(probe.sample).toEqual(await Sample.findById(tx, 4))
      expect(probe.sample.at).toEqual(sample(4)!.at)
    })
  })
})
