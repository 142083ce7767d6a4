import {
  createSnapshot,
  generateTableFiles,
  type IndexOptions,
  parseSnapshot,
  planMigration,
  serializeSnapshot,
  type TableSchema,
} from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgDatabaseBackend } from '../support/backends.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

const users =
  (indexes: IndexOptions[], renamed = false) =>
  (t: TableSchema) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: renamed ? 'mail' : 'email', ...(renamed ? { renamedFrom: 'email' } : {}) })
    t.string({ name: 'name' })
    t.timestamptz({ name: 'seen_at', nullable: true })
    t.addIndexes(indexes)
  }
const schema = (indexes: IndexOptions[], renamed = false) =>
  schemaOf(file('users', users(indexes, renamed)))

const lowerEmail: IndexOptions = {
  name: 'idx_users_lower_email',
  columns: [{ expression: 'lower(email)', opclass: 'text_pattern_ops' }],
  unique: true,
}
const recent: IndexOptions = {
  columns: [{ column: 'seen_at', order: 'desc', nulls: 'last' }, 'name'],
  include: ['email'],
  with: { fillfactor: 70, deduplicate_items: false },
}

describe('index keys, INCLUDE and storage parameters', () => {
  it('writes expression keys, operator classes, order, INCLUDE and WITH', () => {
    const text = generateTableFiles(schema([lowerEmail, recent])).get('users.sql')
    expect(text).toContain(
      'CREATE UNIQUE INDEX IF NOT EXISTS idx_users_lower_email ON users ((lower(email)) text_pattern_ops);',
    )
    expect(text).toContain(
      'CREATE INDEX IF NOT EXISTS idx_users_seen_at_name ON users (seen_at DESC NULLS LAST, name) INCLUDE (email) WITH (fillfactor = 70, deduplicate_items = false);',
    )
    // An index of plain columns is the IR it was before these options: no new keys.
    expect(schema([{ columns: ['name'] }]).tables[0]?.indexes[0]).toEqual({
      kind: 'index',
      name: 'idx_users_name',
      columns: ['name'],
      unique: false,
      where: null,
      method: null,
      source: 'schemas/01_users.ts',
    })
  })

  it('diffs a change of key, operator class, INCLUDE or parameters as a rebuild, both ways', () => {
    const withOpclass = { ...lowerEmail, columns: [{ expression: 'lower(email)' }] }
    const plan = planMigration(schema([withOpclass]), schema([lowerEmail]))
    // Built beside the old one, which is dropped only once the new one stands.
    expect(plan.up).toEqual([
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_lower_email_fluentorm_new ON users ((lower(email)) text_pattern_ops);',
      'DROP INDEX CONCURRENTLY IF EXISTS idx_users_lower_email;',
      'ALTER INDEX IF EXISTS idx_users_lower_email_fluentorm_new RENAME TO idx_users_lower_email;',
    ])
    expect(plan.down?.[0]).toBe(
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_lower_email_fluentorm_new ON users ((lower(email)));',
    )
    for (const changed of [
      { ...recent, include: ['email', 'id'] },
      { ...recent, with: { fillfactor: 80 } },
      { ...recent, columns: [{ column: 'seen_at', order: 'desc' as const }, 'name'] },
    ])
      expect(planMigration(schema([recent]), schema([changed])).up).toHaveLength(3)
    expect(planMigration(schema([recent, lowerEmail]), schema([recent, lowerEmail])).up).toEqual([])
    // A renamed column keeps its indexes: the rename alone (keys translated).
    const overEmail = {
      columns: [{ column: 'name', opclass: 'text_pattern_ops' }],
      include: ['email'],
    }
    const renamedTo = { ...overEmail, name: 'idx_users_name', include: ['mail'] }
    expect(
      planMigration(schema([{ ...overEmail, name: 'idx_users_name' }]), schema([renamedTo], true))
        .up,
    ).toEqual(['ALTER TABLE users RENAME COLUMN email TO mail;'])
  })

  it('finds nothing to migrate against its own snapshot (keys sorted in the file)', () => {
    const current = schema([lowerEmail, recent])
    const stored = parseSnapshot(serializeSnapshot(createSnapshot(current)), 'snapshot.json')
    expect(planMigration(stored.schema, current).up).toEqual([])
  })

  it('refuses what it cannot write', () => {
    const messages = (index: object) =>
      problemsOf(file('users', users([index as IndexOptions]))).map((p) => p.message)
    expect(messages({ columns: [{ expression: 'lower(email)' }] })).toEqual([
      'An index over an expression needs a name.',
    ])
    expect(
      messages({ name: 'i', columns: [{ expression: 'lower(email)); DROP TABLE users; --' }] }),
    ).toEqual(["The expression of the index 'i' closes a parenthesis it did not open."])
    expect(messages({ columns: [{ column: 'email', opclass: 'x y' }] })).toEqual([
      'Operator class "x y" of the index is not an operator-class name.',
    ])
    expect(messages({ columns: [{ column: 'email', order: 'up', collate: 'C' }] })).toEqual([
      "Unknown option 'collate' on a key of the index.",
      "order 'up' of the index is not 'asc' or 'desc'.",
    ])
    expect(messages({ columns: ['email'], with: { 'fill factor': 1 }, include: ['nope'] })).toEqual(
      [
        "The index (include) uses column 'nope', which table 'users' does not have.",
        "Storage parameter 'fill factor' is not a parameter name.",
      ],
    )
    expect(messages({ columns: [{ column: 'email', expression: 'x' }] })).toEqual([
      'A key of the index needs a column or an expression (one of them).',
      'An index over an expression needs a name.',
    ])
  })
})

describe('index options on PostgreSQL', () => {
  // CREATE INDEX CONCURRENTLY waits for every transaction of its database: a database of its own.
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgDatabaseBackend()
  })
  afterAll(() => backend.close())

  const definitions = async () =>
    (
      await catalogRows(
        backend,
        "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = 'users' AND indexname <> 'users_pkey' ORDER BY indexname",
      )
    ).map((r) => String(r.indexdef).replace(`${backend.schema}.`, ''))

  it('makes the indexes PostgreSQL prints back, and migrates a change and its rollback', async () => {
    await migrateUp(backend, null, schema([lowerEmail, recent]))
    expect(await definitions()).toEqual([
      'CREATE UNIQUE INDEX idx_users_lower_email ON users USING btree (lower(email) text_pattern_ops)',
      "CREATE INDEX idx_users_seen_at_name ON users USING btree (seen_at DESC NULLS LAST, name) INCLUDE (email) WITH (fillfactor='70', deduplicate_items='false')",
    ])
    const change = await migrateUp(
      backend,
      schema([lowerEmail, recent]),
      schema([lowerEmail, { ...recent, with: { fillfactor: 90 } }]),
    )
    expect((await definitions())[1]).toContain("WITH (fillfactor='90')")
    await migrateDown(backend, change)
    expect((await definitions())[1]).toContain("WITH (fillfactor='70', deduplicate_items='false')")
  })
})
