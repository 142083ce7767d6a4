import {
  createSnapshot,
  generateTableFiles,
  lintStatements,
  parseSnapshot,
  planMigration,
  type SchemaIR,
  serializeSnapshot,
  type TableSchema,
} from '@fluentorm/core'
import { splitStatements } from '@fluentorm/runtime/migration-format'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, schemaOf } from './support/schema-fixtures.ts'

type Partition = Parameters<TableSchema['partition']>[0]
const events = (partitions: readonly Partition[], columns = ['happened_on']) =>
  schemaOf(
    file('events', (t) => {
      t.bigInt({ name: 'id' })
      t.date({ name: 'happened_on' })
      t.string({ name: 'kind' })
      t.primaryKey(['id', 'happened_on', ...columns.filter((c) => c !== 'happened_on')])
      t.partitionBy({ kind: 'range', columns })
      for (const partition of partitions) t.partition(partition)
      t.addIndexes([{ name: 'idx_events_kind', columns: ['kind'] }])
    }),
  )
const Y2024: Partition = { name: 'events_2024', from: '2024-01-01', to: '2025-01-01' }
const Y2025: Partition = { name: 'events_2025', from: '2025-01-01', to: '2026-01-01' }
const unpartitioned: SchemaIR = schemaOf(
  file('events', (t) => {
    t.bigInt({ name: 'id' })
    t.date({ name: 'happened_on' })
    t.string({ name: 'kind' })
    t.primaryKey(['id', 'happened_on'])
    t.addIndexes([{ name: 'idx_events_kind', columns: ['kind'] }])
  }),
)

describe('partitioning: diff, lint, rollback', () => {
  it('adds a partition; its rollback detaches and drops it', () => {
    const plan = planMigration(events([Y2024]), events([Y2024, Y2025]))
    expect(plan.up).toEqual([
      "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
    ])
    expect(plan.down).toEqual([
      'ALTER TABLE events DETACH PARTITION events_2025;',
      'DROP TABLE IF EXISTS events_2025;',
    ])
    expect(plan.name).toBe('add_events_2025_to_events')
    expect(plan.findings).toEqual([])
  })

  it('warns of a partition added beside a default one, which may hold its rows', async () => {
    const rest: Partition = { name: 'events_rest', default: true }
    const plan = planMigration(events([Y2024, rest]), events([Y2024, Y2025, rest]))
    expect(plan.findings).toEqual([
      {
        rule: 'partition-beside-default',
        severity: 'warning',
        message:
          'Creates partition events_2025 of events, which has the default partition events_rest: PostgreSQL scans events_rest under an exclusive lock, and the migration fails if it holds rows of the new bound. Move those rows out of events_rest first.',
      },
    ])
    // With the default made in the same migration, it is empty: nothing to say.
    expect(planMigration(events([Y2024]), events([Y2024, Y2025, rest])).findings).toEqual([])
  })

  it('drops a partition: detach, drop, a drop-table error, no rollback', () => {
    const plan = planMigration(events([Y2024, Y2025]), events([Y2024]))
    expect(plan.up).toEqual([
      'ALTER TABLE events DETACH PARTITION events_2025;',
      'DROP TABLE IF EXISTS events_2025;',
    ])
    expect(plan.findings).toEqual([
      {
        rule: 'drop-table',
        severity: 'error',
        message: 'Drops table events_2025: every row in it is lost.',
      },
    ])
    expect(plan.down).toBeNull()
    expect(plan.irreversible).toEqual([
      'drops partition events_2025 of events: its rows cannot be restored',
    ])
    expect(plan.name).toBe('drop_events_2025')
  })

  it('changes a bound by detach, drop and create, linted as the drop it is', () => {
    const wider: Partition = { name: 'events_2024', from: '2023-07-01', to: '2025-01-01' }
    const plan = planMigration(events([Y2024]), events([wider]))
    expect(plan.up).toEqual([
      'ALTER TABLE events DETACH PARTITION events_2024;',
      'DROP TABLE IF EXISTS events_2024;',
      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2023-07-01') TO ('2025-01-01');",
    ])
    expect(plan.findings.map((f) => [f.rule, f.severity])).toEqual([['drop-table', 'error']])
    expect(plan.down).toBeNull()
  })

  it('renames a partition declared renamedFrom, its rows kept; the rollback renames it back', () => {
    const renamed: Partition = { ...Y2024, name: 'events_y2024', renamedFrom: 'events_2024' }
    const plan = planMigration(events([Y2024]), events([renamed]))
    expect(plan.up).toEqual(['ALTER TABLE events_2024 RENAME TO events_y2024;'])
    expect(plan.down).toEqual(['ALTER TABLE events_y2024 RENAME TO events_2024;'])
    expect(plan.name).toBe('rename_events_2024_to_events_y2024')
    expect(plan.findings.map((f) => f.rule)).toEqual(['rename'])
    // Renamed with another bound: the rows of the old bound are gone, drop and create.
    const rebounded: Partition = { ...renamed, to: '2024-07-01' }
    expect(planMigration(events([Y2024]), events([rebounded])).up).toEqual([
      'ALTER TABLE events DETACH PARTITION events_2024;',
      'DROP TABLE IF EXISTS events_2024;',
      "CREATE TABLE events_y2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2024-07-01');",
    ])
    // The declaration changes no hash: the next generate writes nothing.
    expect(planMigration(events([renamed]), events([renamed])).up).toEqual([])
  })

  it('refuses to generate a key change: the migration fails until written by hand', () => {
    const rekeyed = events(
      [{ name: 'events_all', from: ['MINVALUE', 'MINVALUE'], to: ['MAXVALUE', 'MAXVALUE'] }],
      ['happened_on', 'kind'],
    )
    for (const [from, to, what] of [
      [events([Y2024]), rekeyed, 'from RANGE (happened_on) to RANGE (happened_on, kind)'],
      [unpartitioned, events([Y2024]), 'from not partitioned to RANGE (happened_on)'],
      [events([Y2024]), unpartitioned, 'from RANGE (happened_on) to not partitioned'],
    ] as const) {
      const plan = planMigration(from, to)
      expect(plan.findings.map((f) => [f.rule, f.severity])).toContainEqual([
        'partition-key-change',
        'error',
      ])
      expect(plan.findings.find((f) => f.rule === 'partition-key-change')?.message).toContain(what)
      expect(plan.up[0]).toMatch(
        /^DO \$fluentorm\$\nBEGIN RAISE EXCEPTION '%', 'fluentorm: the partitioning of table events changes /,
      )
      expect(plan.down).toBeNull()
      expect(plan.name).toMatch(/^repartition_events/)
      // check and migrate read the file's statements: the error is theirs too, until acknowledged.
      const pending = splitStatements(plan.up.join('\n\n')).map((s) => s.text)
      expect(
        lintStatements(pending, { transactional: true }).filter(
          (f) => f.rule === 'partition-key-change',
        ),
      ).toEqual([
        {
          rule: 'partition-key-change',
          severity: 'error',
          message: expect.stringContaining(`changes ${what}, which PostgreSQL cannot do in place`),
        },
      ])
    }
  })

  it('builds an index of a partitioned table in the transaction, never CONCURRENTLY', () => {
    const indexed = (columns: readonly string[]) =>
      schemaOf(
        file('events', (t) => {
          t.bigInt({ name: 'id' })
          t.date({ name: 'happened_on' })
          t.primaryKey(['id', 'happened_on'])
          t.partitionBy({ kind: 'range', columns: ['happened_on'] })
          t.partition(Y2024)
          if (columns.length > 0) t.addIndexes([{ name: 'idx_events_id', columns: [...columns] }])
        }),
      )
    const plan = planMigration(indexed([]), indexed(['id']))
    expect(plan.transactional).toBe(true)
    expect(plan.up).toEqual(['CREATE INDEX IF NOT EXISTS idx_events_id ON events (id);'])
  })

  it('finds nothing to do against its own snapshot, and loads one written before partitioning', () => {
    const schema = events([Y2024, Y2025, { name: 'events_rest', default: true }])
    const stored = parseSnapshot(serializeSnapshot(createSnapshot(schema)), 'snapshot.json')
    expect(planMigration(stored.schema, schema).up).toEqual([])
    const old = parseSnapshot(serializeSnapshot(createSnapshot(unpartitioned)), 'snapshot.json')
    expect(old.schema.tables[0]?.partitionBy).toBeUndefined()
    expect(planMigration(old.schema, unpartitioned).up).toEqual([])
  })
})

describe('partitioning migrations on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  // What PostgreSQL has: each partition of events with its bound, and the parent's key.
  const partitions = () =>
    catalogRows(
      backend,
      `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = to_regclass($1 || '.events') ORDER BY c.relname`,
    )

  it('creates, adds, re-bounds and rolls back partitions, rows landing where the bounds say', async () => {
    const created = await migrateUp(backend, null, events([Y2024]))
    expect(
      await catalogRows(backend, `SELECT pg_get_partkeydef(to_regclass($1 || '.events')) AS key`),
    ).toEqual([{ key: 'RANGE (happened_on)' }])
    expect(await partitions()).toEqual([
      { name: 'events_2024', bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')" },
    ])
    const added = await migrateUp(backend, events([Y2024]), events([Y2024, Y2025]))
    await backend.db.query(
      "INSERT INTO events (id, happened_on, kind) VALUES (1, '2024-05-01', 'a'), (2, '2025-05-01', 'b')",
    )
    const placed = await backend.db.query(
      'SELECT tableoid::regclass::text AS partition, id FROM events ORDER BY id',
    )
    expect(placed.rows).toEqual([
      { partition: 'events_2024', id: '1' },
      { partition: 'events_2025', id: '2' },
    ])
    // The parent's index is on each partition too (PostgreSQL made theirs).
    const indexes = await catalogRows(
      backend,
      `SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname LIKE '%kind%' ORDER BY tablename`,
    )
    expect(indexes.map((row) => row.tablename)).toEqual(['events', 'events_2024', 'events_2025'])

    await backend.db.query('DELETE FROM events WHERE id = 2')
    await migrateDown(backend, added)
    expect((await partitions()).map((row) => row.name)).toEqual(['events_2024'])

    const rebound = await migrateUp(
      backend,
      events([Y2024]),
      events([{ name: 'events_2024', from: '2024-01-01', to: '2024-07-01' }]),
    )
    expect(rebound.down).toBeNull()
    expect(await partitions()).toEqual([
      { name: 'events_2024', bound: "FOR VALUES FROM ('2024-01-01') TO ('2024-07-01')" },
    ])
    // The rows of the re-bounded partition went with it: that is what the lint says.
    expect((await backend.db.query('SELECT count(*)::int AS n FROM events')).rows).toEqual([
      { n: 0 },
    ])

    const half: Partition = { name: 'events_2024', from: '2024-01-01', to: '2024-07-01' }
    await backend.db.query(
      "INSERT INTO events (id, happened_on, kind) VALUES (3, '2024-03-03', 'c')",
    )
    const rename = await migrateUp(
      backend,
      events([half]),
      events([{ ...half, name: 'events_h1', renamedFrom: 'events_2024' }]),
    )
    expect((await partitions()).map((row) => row.name)).toEqual(['events_h1'])
    expect((await backend.db.query('SELECT id FROM events_h1')).rows).toEqual([{ id: '3' }])
    await migrateDown(backend, rename)
    expect((await partitions()).map((row) => row.name)).toEqual(['events_2024'])

    const rekey = planMigration(events([Y2024]), unpartitioned)
    await expect(backend.db.query(rekey.up[0]!)).rejects.toThrow(
      /fluentorm: the partitioning of table events changes from RANGE \(happened_on\) to not partitioned/,
    )
    await migrateDown(backend, created)
    expect(await partitions()).toEqual([])
  })

  it('fails to add a partition whose rows the default partition holds, as the warning says', async () => {
    const rest: Partition = { name: 'events_rest', default: true }
    const created = await migrateUp(backend, null, events([Y2024, rest]))
    await backend.db.query(
      "INSERT INTO events (id, happened_on, kind) VALUES (9, '2025-02-02', 'x')",
    )
    await expect(
      migrateUp(backend, events([Y2024, rest]), events([Y2024, Y2025, rest])),
    ).rejects.toThrow(/default partition "events_rest" would be violated/)
    await migrateDown(backend, created)
  })

  it('applies the per-table files twice: the partitions are made once, guarded', async () => {
    const schema = events([Y2024, Y2025, { name: 'events_rest', default: true }])
    const file = generateTableFiles(schema).get('events.sql') ?? ''
    expect(file).toContain(
      "CREATE TABLE IF NOT EXISTS events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
    )
    for (let run = 0; run < 2; run++) await backend.db.query(file)
    expect((await partitions()).map((row) => row.name)).toEqual([
      'events_2024',
      'events_2025',
      'events_rest',
    ])
    await backend.db.query('DROP TABLE events')
  })
})
