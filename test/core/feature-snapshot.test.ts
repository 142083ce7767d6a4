import {
  createSnapshot,
  parseSnapshot,
  planMigration,
  schemaHash,
  serializeSnapshot,
  type TableSchema,
} from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgliteBackend } from '../support/backends.ts'
import { file, schemaOf } from './support/schema-fixtures.ts'

/** Every option of issue 15's columns and constraints, in one schema. */
const accounts = (t: TableSchema, email = 'citext') => {
  if (email === 'citext') t.extension('citext')
  t.comment("Accounts; it's one per contract")
  t.bigIncrements({ name: 'id', primaryKey: true, identity: 'byDefault' })
  t.custom({ name: 'email', type: email, comment: 'Lower-case' })
  t.custom({ name: 'ips', type: 'inet[]', defaultValue: '{}' })
  t.string({ name: 'name' })
  t.string({ name: 'slug', generatedAs: 'lower(name)' })
  t.jsonb({ name: 'prefs', tsType: '{ theme: string }', defaultValue: '{}' })
  t.timestamptz({ name: 'edited_at', nullable: true, onUpdate: 'now' })
  t.addIndexes([
    {
      name: 'idx_accounts_lower_name',
      columns: [{ expression: 'lower(name)', opclass: 'text_pattern_ops', order: 'desc' }],
      include: ['email'],
      with: { fillfactor: 70 },
    },
  ])
}
const members = (t: TableSchema) => {
  t.increments({ name: 'id', primaryKey: true })
  t.bigInt({ name: 'account_id' })
  t.bigInt({ name: 'origin_id', nullable: true })
  t.belongsTo({
    name: 'account',
    column: 'account_id',
    referencesTable: 'accounts',
    deferrable: 'deferred',
  })
  t.belongsTo({
    name: 'origin',
    column: 'origin_id',
    referencesTable: 'accounts',
    constraint: false,
  })
}

describe('the options through the committed snapshot', () => {
  it('diff to nothing against their own snapshot, keeping its hash', () => {
    const schema = schemaOf(file('accounts', accounts), file('members', members, 2))
    const stored = parseSnapshot(serializeSnapshot(createSnapshot(schema)), 'snapshot.json')
    const plan = planMigration(stored.schema, schema)
    expect(plan.up).toEqual([])
    expect(plan.down).toEqual([])
    expect(schemaHash(stored.schema)).toBe(schemaHash(schema))
  })

  it('are created from nothing and dropped again', () => {
    const schema = schemaOf(file('accounts', accounts), file('members', members, 2))
    const plan = planMigration(null, schema)
    expect(plan.up[0]).toBe('CREATE EXTENSION IF NOT EXISTS citext;')
    expect(plan.up.at(-1)).toBe("COMMENT ON COLUMN accounts.email IS 'Lower-case';")
    // Only the key with a constraint is dropped; the extension stays.
    expect(plan.down).toEqual([
      'ALTER TABLE members DROP CONSTRAINT IF EXISTS fk_members_account;',
      'DROP TABLE IF EXISTS members;',
      'DROP TABLE IF EXISTS accounts;',
    ])
  })
})

describe('the options on PGlite', () => {
  let backend: Backend<import('@electric-sql/pglite').PGlite>
  beforeAll(async () => {
    backend = await pgliteBackend()
  })
  afterAll(() => backend.close())

  it('migrate up and down (PGlite has no citext: email is a varchar there)', async () => {
    const schema = schemaOf(
      file('accounts', (t) => accounts(t, 'varchar(320)')),
      file('members', members, 2),
    )
    const plan = planMigration(null, schema)
    const db = backend.db
    await db.transaction(async (tx) => {
      for (const statement of plan.up) await tx.exec(statement)
    })
    const { rows } = await db.query<{ slug: string; id: number }>(
      "INSERT INTO accounts (id, email, name) VALUES (7, 'a@b', 'Ada') RETURNING id, slug",
    )
    expect(rows).toEqual([{ id: 7, slug: 'ada' }])
    const described = await db.query<{ comment: string }>(
      "SELECT obj_description('accounts'::regclass, 'pg_class') AS comment",
    )
    expect(described.rows).toEqual([{ comment: "Accounts; it's one per contract" }])
    const index = await db.query<{ def: string }>(
      "SELECT indexdef AS def FROM pg_indexes WHERE indexname = 'idx_accounts_lower_name'",
    )
    expect(index.rows[0]?.def).toContain(
      "(lower(name) text_pattern_ops DESC) INCLUDE (email) WITH (fillfactor='70')",
    )
    await db.transaction(async (tx) => {
      for (const statement of plan.down ?? []) await tx.exec(statement)
    })
    const left = await db.query("SELECT 1 FROM pg_class WHERE relname IN ('accounts', 'members')")
    expect(left.rows).toEqual([])
  }, 300_000)
})
