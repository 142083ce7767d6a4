import {
  formatProblems,
  loadSchemas,
  planMigration,
  type SchemaIR,
  sql,
  type TableSchema,
  tableDdl,
} from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { file, problemsOf, schemaOf, tempProject } from './support/schema-fixtures.ts'

const events =
  (partitions: (t: TableSchema) => void = yearly) =>
  (t: TableSchema) => {
    t.bigInt({ name: 'id' })
    t.date({ name: 'happened_on' })
    t.string({ name: 'kind' })
    t.primaryKey(['id', 'happened_on'])
    t.partitionBy({ kind: 'range', columns: ['happened_on'] })
    partitions(t)
    t.addIndexes([{ name: 'idx_events_kind', columns: ['kind'] }])
  }
const yearly = (t: TableSchema) => {
  t.partition({ name: 'events_old', from: 'MINVALUE', to: '2024-01-01' })
  t.partition({ name: 'events_2024', from: '2024-01-01', to: '2025-01-01' })
  t.partition({ name: 'events_later', default: true })
}
const regions = (t: TableSchema) => {
  t.uuid({ name: 'id' })
  t.string({ name: 'region', nullable: true })
  t.primaryKey(['id', 'region'])
  t.partitionBy({ kind: 'list', columns: ['region'] })
  t.partition({ name: 'customers_eu', in: ['de', 'fr', "it's"] })
  t.partition({ name: 'customers_other', in: ['us', null] })
}
const accounts = (t: TableSchema) => {
  t.bigInt({ name: 'id', primaryKey: true })
  t.string({ name: 'email' })
  t.partitionBy({ kind: 'hash', columns: ['id'] })
  for (const remainder of [0, 1])
    t.partition({ name: `accounts_${remainder}`, modulus: 2, remainder })
}
const schema = (build = events()): SchemaIR => schemaOf(file('events', build))
const messages = (build: (t: TableSchema) => void) =>
  problemsOf(file('events', build)).map((p) => p.message)

describe('partitioning: schema and DDL', () => {
  it('compiles the key and the bounds, literals quoted', () => {
    expect(schema().tables[0]?.partitionBy).toEqual({
      kind: 'partitionBy',
      strategy: 'range',
      columns: ['happened_on'],
      partitions: [
        {
          kind: 'partition',
          name: 'events_old',
          bound: "FOR VALUES FROM (MINVALUE) TO ('2024-01-01')",
        },
        {
          kind: 'partition',
          name: 'events_2024',
          bound: "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
        },
        { kind: 'partition', name: 'events_later', bound: 'DEFAULT' },
      ],
    })
    const customers = schemaOf(file('customers', regions)).tables[0]!
    expect(customers.partitionBy?.partitions.map((p) => p.bound)).toEqual([
      "FOR VALUES IN ('de', 'fr', 'it''s')",
      "FOR VALUES IN ('us', NULL)",
    ])
    const hashed = schemaOf(file('accounts', accounts)).tables[0]!
    expect(hashed.partitionBy?.partitions.map((p) => p.bound)).toEqual([
      'FOR VALUES WITH (MODULUS 2, REMAINDER 0)',
      'FOR VALUES WITH (MODULUS 2, REMAINDER 1)',
    ])
  })

  it('writes PARTITION BY, then each partition; indexes on the parent only', () => {
    const [table] = schema().tables
    const ddl = tableDdl(table!)
    expect(ddl.createTable).toBe(
      [
        'CREATE TABLE IF NOT EXISTS events (',
        '  id BIGINT NOT NULL,',
        '  happened_on DATE NOT NULL,',
        '  kind TEXT NOT NULL,',
        '  PRIMARY KEY (id, happened_on)',
        ') PARTITION BY RANGE (happened_on)',
      ].join('\n'),
    )
    expect(ddl.createPartitions).toEqual([
      "CREATE TABLE IF NOT EXISTS events_old PARTITION OF events FOR VALUES FROM (MINVALUE) TO ('2024-01-01')",
      "CREATE TABLE IF NOT EXISTS events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
      'CREATE TABLE IF NOT EXISTS events_later PARTITION OF events DEFAULT',
    ])
    expect(ddl.createIndexes).toEqual([
      'CREATE INDEX IF NOT EXISTS idx_events_kind ON events (kind)',
    ])
    expect(planMigration(null, schema()).up).toEqual([
      `${ddl.createTable};`,
      "CREATE TABLE events_old PARTITION OF events FOR VALUES FROM (MINVALUE) TO ('2024-01-01');",
      "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
      'CREATE TABLE events_later PARTITION OF events DEFAULT;',
      'CREATE INDEX IF NOT EXISTS idx_events_kind ON events (kind);',
    ])
    expect(planMigration(null, schema()).name).toBe('create_events')
    // A table that is not partitioned keeps its DDL as it was.
    expect(
      Object.keys(
        tableDdl(
          schemaOf(file('accounts', (t) => t.uuid({ name: 'id', primaryKey: true }))).tables[0]!,
        ),
      ),
    ).not.toContain('createPartitions')
  })

  it('partitions by an expression, which PostgreSQL allows no key', () => {
    const logs = schemaOf(
      file('logs', (t) => {
        t.string({ name: 'message' })
        t.partitionBy({ kind: 'list', expression: sql`lower(left(message, 1))` })
        t.partition({ name: 'logs_a', in: ['a'] })
        t.partition({ name: 'logs_rest', default: true })
      }),
    ).tables[0]!
    expect(logs.primaryKey).toEqual([])
    expect(tableDdl(logs).createTable).toMatch(
      /\) PARTITION BY LIST \(\(lower\(left\(message, 1\)\)\)\)$/,
    )
    expect(
      problemsOf(
        file('logs', (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.partitionBy({ kind: 'list', expression: 'lower(id::text)' })
        }),
      ).map((p) => p.message),
    ).toEqual([
      "Table 'logs' is partitioned by an expression: PostgreSQL refuses a primary key or unique constraint on it.",
    ])
  })

  it('refuses a key, a unique constraint or a unique index without the partition columns', () => {
    expect(
      messages((t) => {
        t.bigInt({ name: 'id', primaryKey: true })
        t.date({ name: 'happened_on' })
        t.string({ name: 'email', unique: true })
        t.addIndexes([{ name: 'events_id', columns: ['id'], unique: true }])
        t.partitionBy({ kind: 'range', columns: ['happened_on'] })
      }),
    ).toEqual([
      "The primary key (id) of partitioned table 'events' does not include the partition key column 'happened_on'; PostgreSQL requires every primary key and unique constraint of a partitioned table to include them.",
      "The unique column 'email' (email) of partitioned table 'events' does not include the partition key column 'happened_on'; PostgreSQL requires every primary key and unique constraint of a partitioned table to include them.",
      "The unique index 'events_id' (id) of partitioned table 'events' does not include the partition key column 'happened_on'; PostgreSQL requires every primary key and unique constraint of a partitioned table to include them.",
    ])
    const [problem] = problemsOf(
      file('events', (t) => {
        t.bigInt({ name: 'id', primaryKey: true })
        t.date({ name: 'happened_on' })
        t.partitionBy({ kind: 'range', columns: ['happened_on'] })
      }),
    )
    expect(problem?.hint).toBe(
      "Make the key composite: t.primaryKey(['id', 'happened_on']) (without primaryKey: true on the columns), or partition by the key's columns.",
    )
  })

  it('refuses bounds that are not literals of the key type, and malformed partitions', () => {
    const base = (t: TableSchema) => {
      t.integer({ name: 'id' })
      t.integer({ name: 'year' })
      t.primaryKey(['id', 'year'])
      t.partitionBy({ kind: 'range', columns: ['year'] })
    }
    const refused = (partition: object) =>
      messages((t) => {
        base(t)
        t.partition(partition as never)
      })
    expect(refused({ name: 'p', from: 'twenty', to: 2025 })).toEqual([
      "Partition 'p': the bound value 'twenty' is not a valid integer.",
    ])
    expect(refused({ name: 'p', from: sql`0); DROP TABLE x; --`, to: 2025 })).toEqual([
      "Partition 'p': the bound value an object is not a literal (a string, a number, a bigint or a boolean).",
    ])
    expect(refused({ name: 'p', from: null, to: 2025 })).toEqual([
      "Partition 'p': a range bound cannot be NULL.",
    ])
    expect(refused({ name: 'p', in: [2024] })).toEqual([
      "Partition 'p': a range partition's bound is from and to, not in.",
    ])
    expect(refused({ name: 'p', from: [2024, 1], to: 2025 })).toEqual([
      "Partition 'p': from has 2 values, the key 1 (year).",
    ])
    expect(refused({ name: 'events', default: true })).toEqual([
      "Partition name 'events' is the table's own.",
    ])
    expect(
      messages((t) => {
        base(t)
        t.partition({ name: 'a', default: true })
        t.partition({ name: 'b', default: true })
        t.partition({ name: 'a', from: 1, to: 2 })
      }),
    ).toEqual([
      "Table 'events' has a second default partition, 'b'.",
      "Partition name 'a' is used twice.",
    ])
    expect(
      messages((t) => {
        accounts(t)
        t.partition({ name: 'accounts_9', modulus: 2, remainder: 2 })
        t.partition({ name: 'accounts_d', default: true })
      }),
    ).toEqual([
      "Partition 'accounts_9': remainder is not a whole number from 0 to 1.",
      "Partition 'accounts_d': a hash-partitioned table has no default partition.",
    ])
    expect(
      messages((t) => {
        t.integer({ name: 'id', primaryKey: true })
        t.partition({ name: 'p', default: true })
      }),
    ).toEqual(["t.partition() on table 'events', which has no t.partitionBy()."])
    expect(
      messages((t) => {
        t.integer({ name: 'id', primaryKey: true })
        t.partitionBy({ kind: 'ranges' as never, columns: ['idd'] })
      }),
    ).toEqual([
      'Partition kind "ranges" is not range, list or hash.',
      "The partition key uses column 'idd', which table 'events' does not have.",
    ])
  })

  it('refuses a partition named as another table or index of the schema', () => {
    expect(
      problemsOf(
        file('events', events()),
        file('events_2024', (t) => t.uuid({ name: 'id', primaryKey: true }), 2),
      ).map((p) => p.message),
    ).toEqual([
      "The table name 'events_2024' is already used by the partition on table 'events' (schemas/01_events.ts). PostgreSQL keeps tables, indexes and unique / primary-key constraints in one namespace per schema.",
    ])
  })

  it('points at the partitionBy call: file and line', async () => {
    const root = await tempProject({
      'schemas/01_events.ts': `import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.bigInt({ name: 'id', primaryKey: true })
  t.date({ name: 'happened_on' })
  t.partitionBy({ kind: 'range', columns: ['happened_on'] })
}
`,
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    if (result.ok) throw new Error('expected problems')
    expect(result.problems.map(({ file, at }) => [file, at])).toEqual([
      ['schemas/01_events.ts', { line: 6, column: 5 }],
    ])
    expect(formatProblems(result.problems)).toContain('schemas/01_events.ts:6:5 (table events)')
  })
})
