import type { Migration } from '@fluentorm/runtime'
import { down, migrate, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { type Build, migrationOf, planMigration, schemaOf } from './support/migration-fixtures.ts'

const tickets =
  (values: string[], renamedValues?: Record<string, string>): Build =>
  (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.enum({ name: 'status', values, ...(renamedValues ? { renamedValues } : {}) })
  }

const v1 = schemaOf({ tickets: tickets(['open', 'closed']) })
const v2 = schemaOf({ tickets: tickets(['open', 'pending', 'closed']) })
const v3 = schemaOf({ tickets: tickets(['new', 'pending', 'closed'], { new: 'open' }) })
const v4 = schemaOf({ tickets: tickets(['closed', 'pending', 'new']) })
const v5 = schemaOf({ tickets: tickets(['closed', 'new']) })

/** Every enum change the diff makes, generated, applied, and rolled back where it can be. */
describe.each(BACKENDS)('enum changes on $name', ({ open }) => {
  let backend: Backend
  const applied: Migration[] = []
  const labels = async () => {
    const result = await toDriver(backend.db).query<{ label: string }>({
      text: `SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typname = 'tickets_status' AND n.nspname = current_schema() ORDER BY e.enumsortorder`,
    })
    return result.rows.map((row) => row.label)
  }
  const statuses = async () => {
    const result = await toDriver(backend.db).query<{ label: string }>({
      text: 'SELECT status::text AS label FROM tickets ORDER BY tickets.status, id',
    })
    return result.rows.map((row) => row.label)
  }
  const apply = async (plan: ReturnType<typeof planMigration>) => {
    const migration = migrationOf(applied.length + 1, plan)
    applied.push(migration)
    expect((await migrate(backend.db, applied)).applied).toEqual([migration.name])
    return migration
  }
  const rollBackAndForth = async () => {
    await down(backend.db, { migrations: applied, steps: 1 })
    await migrate(backend.db, applied)
  }

  beforeAll(async () => {
    backend = await open()
    await apply(planMigration(null, v1))
    await toDriver(backend.db).exec(
      "INSERT INTO tickets (status) VALUES ('open'), ('closed'), ('open')",
    )
  })
  afterAll(() => backend.close())

  it('adds a value at its declared position', async () => {
    const plan = planMigration(v1, v2)
    expect(plan.up).toEqual([
      `ALTER TYPE tickets_status ADD VALUE IF NOT EXISTS 'pending' AFTER 'open';`,
    ])
    await apply(plan)
    expect(await labels()).toEqual(['open', 'pending', 'closed'])
  })

  it('renames a declared value in place, keeping the rows', async () => {
    const plan = planMigration(v2, v3)
    expect(plan.up).toEqual([`ALTER TYPE tickets_status RENAME VALUE 'open' TO 'new';`])
    await apply(plan)
    expect(await statuses()).toEqual(['new', 'new', 'closed'])
    await rollBackAndForth()
    expect(await labels()).toEqual(['new', 'pending', 'closed'])
  })

  it('recreates the type for a new order, rows kept, and can roll it back', async () => {
    const plan = planMigration(v3, v4)
    expect(plan.name).toBe('reorder_tickets_status')
    expect(plan.irreversible).toEqual([])
    await apply(plan)
    expect(await labels()).toEqual(['closed', 'pending', 'new'])
    // Enum values sort by their declared order: closed now comes first.
    expect(await statuses()).toEqual(['closed', 'new', 'new'])
    await down(backend.db, { migrations: applied, steps: 1 })
    expect(await labels()).toEqual(['new', 'pending', 'closed'])
    await migrate(backend.db, applied)
    expect(await labels()).toEqual(['closed', 'pending', 'new'])
  })

  it('recreates the type to remove a value; the rollback is refused, not faked', async () => {
    const plan = planMigration(v4, v5)
    expect(plan.irreversible).toEqual([
      'removes pending from enum tickets_status: rows holding them cannot be restored',
    ])
    const migration = await apply(plan)
    expect(await labels()).toEqual(['closed', 'new'])
    expect(await statuses()).toEqual(['closed', 'new', 'new'])
    expect(migration.down).toContain('-- fluentorm:irreversible')
  })

  it('has nothing left to generate', () => {
    expect(planMigration(v5, v5).up).toEqual([])
  })
})
