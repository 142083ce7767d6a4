import { type DomainOptions, planMigration, type TableSchema } from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend, pgliteBackend } from '../support/backends.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

const EMAIL: DomainOptions = {
  name: 'email_address',
  type: 'text',
  check: "VALUE ~ '^[^@]+@[^@]+$'",
}
const users = (t: TableSchema) => {
  t.uuid({ name: 'id', primaryKey: true })
  t.custom({ name: 'email', type: 'email_address' })
}
const schema = (domain: Partial<DomainOptions> = {}) =>
  schemaOf(
    file('domains', (t) => t.domain({ ...EMAIL, ...domain }), 0),
    file('users', users, 1),
  )

describe('domains: DDL and diff', () => {
  it('creates the domain before the table whose column uses it', () => {
    const plan = planMigration(null, schema({ notNull: true, default: "'nobody@example.com'" }))
    expect(plan.up[0]).toBe(
      "CREATE DOMAIN email_address AS text DEFAULT 'nobody@example.com' NOT NULL CONSTRAINT email_address_check CHECK (VALUE ~ '^[^@]+@[^@]+$');",
    )
    expect(plan.up[1]).toMatch(
      /^CREATE TABLE IF NOT EXISTS users \(\n {2}id UUID .*\n {2}email email_address NOT NULL\n\)/,
    )
    expect(plan.down).toEqual([
      'DROP TABLE IF EXISTS users;',
      'DROP DOMAIN IF EXISTS email_address;',
    ])
  })

  it('alters a changed check, default or NOT NULL in place; the down restores them', () => {
    const plan = planMigration(
      schema(),
      schema({ check: "VALUE LIKE '%@%'", notNull: true, default: "''" }),
    )
    expect(plan.up).toEqual([
      "ALTER DOMAIN email_address SET DEFAULT '';",
      'ALTER DOMAIN email_address SET NOT NULL;',
      'ALTER DOMAIN email_address DROP CONSTRAINT IF EXISTS email_address_check;',
      "ALTER DOMAIN email_address ADD CONSTRAINT email_address_check CHECK (VALUE LIKE '%@%');",
    ])
    expect(plan.down).toEqual([
      'ALTER DOMAIN email_address DROP DEFAULT;',
      'ALTER DOMAIN email_address DROP NOT NULL;',
      'ALTER DOMAIN email_address DROP CONSTRAINT IF EXISTS email_address_check;',
      "ALTER DOMAIN email_address ADD CONSTRAINT email_address_check CHECK (VALUE ~ '^[^@]+@[^@]+$');",
    ])
    expect(plan.name).toBe('alter_email_address')
  })

  it('drops and creates one whose type changes, and drops a removed one after its tables', () => {
    const alone = (type: string) =>
      schemaOf(file('domains', (t) => t.domain({ ...EMAIL, type, check: undefined }), 0))
    expect(planMigration(alone('text'), alone('varchar(320)')).up).toEqual([
      'DROP DOMAIN IF EXISTS email_address;',
      'CREATE DOMAIN email_address AS varchar(320);',
    ])
    const none = schemaOf(file('users', (t) => t.uuid({ name: 'id', primaryKey: true }), 1))
    expect(planMigration(schema(), none).up).toEqual([
      'ALTER TABLE users DROP COLUMN IF EXISTS email;',
      'DROP DOMAIN IF EXISTS email_address;',
    ])
  })

  it('reports a domain without a name or type, and one declared twice', () => {
    expect(
      problemsOf(
        file('domains', (t) => {
          t.domain({ name: 'x-y', type: 'text' })
          t.domain({ name: 'money_amount', type: '' })
          t.domain({ name: 'money_amount', type: 'numeric', notNull: 'yes' as never })
        }),
      ).map((p) => p.message),
    ).toEqual([
      'Domain name "x-y" is not a name PostgreSQL takes.',
      "The type of domain 'money_amount' is empty.",
      "notNull of domain 'money_amount' is not true or false.",
      "Domain 'money_amount' is declared twice.",
    ])
  })
})

const domainRows = `SELECT t.typname AS name, format_type(t.typbasetype, t.typtypmod) AS type, t.typnotnull AS not_null,
  t.typdefault AS default, (SELECT string_agg(pg_get_constraintdef(c.oid), ', ') FROM pg_constraint c WHERE c.contypid = t.oid) AS checks
  FROM pg_type t WHERE t.typtype = 'd' AND t.typnamespace = $1::regnamespace ORDER BY 1`

describe('domains on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  it('creates, alters and drops a domain, which refuses a bad value', async () => {
    const created = await migrateUp(backend, null, schema())
    expect(await catalogRows(backend, domainRows)).toEqual([
      {
        name: 'email_address',
        type: 'text',
        not_null: false,
        default: null,
        checks: "CHECK ((VALUE ~ '^[^@]+@[^@]+$'::text))",
      },
    ])
    await expect(
      backend.db.query(`INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'nope')`),
    ).rejects.toThrow(/violates check constraint "email_address_check"/)
    const altered = await migrateUp(
      backend,
      schema(),
      schema({ check: "VALUE LIKE '%@%'", notNull: true }),
    )
    expect((await catalogRows(backend, domainRows))[0]).toMatchObject({
      not_null: true,
      checks: "CHECK ((VALUE ~~ '%@%'::text))",
    })
    await migrateDown(backend, altered)
    await migrateDown(backend, created)
    expect(await catalogRows(backend, domainRows)).toEqual([])
  })
})

describe('domains on PGlite', () => {
  let backend: Backend<import('@electric-sql/pglite').PGlite>
  beforeAll(async () => {
    backend = await pgliteBackend()
  })
  afterAll(() => backend.close())

  it('creates the domain and the table, and refuses a bad value', async () => {
    const plan = planMigration(null, schema())
    await backend.db.transaction(async (tx) => {
      for (const statement of plan.up) await tx.exec(statement)
    })
    await expect(
      backend.db.exec(`INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'nope')`),
    ).rejects.toThrow(/email_address_check/)
    await backend.db.exec(`INSERT INTO users (id, email) VALUES (gen_random_uuid(), 'a@b.c')`)
    expect((await backend.db.query('SELECT email FROM users')).rows).toEqual([{ email: 'a@b.c' }])
  }, 300_000)
})
