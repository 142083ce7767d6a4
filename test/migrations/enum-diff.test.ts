import type { Migration } from '@fluentorm/runtime'
import { down, migrate, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyDevPlan } from '../../packages/core/src/migration/dev-state.ts'
import { BACKENDS, type Backend } from '../support/backends.ts'
import {
  type Build,
  handWritten,
  migrationOf,
  planMigration,
  schemaOf,
} from './support/migration-fixtures.ts'

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

const users =
  (
    values: string[],
    extra: { defaultValue?: string; renamedValues?: Record<string, string> } = {},
  ): Build =>
  (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.enum({ name: 'status', values, notNull: false, ...extra })
  }

/**
 * PostgreSQL uses a new enum value only once its ADD VALUE has committed ("unsafe use of new
 * value"): the plan puts the additions first and the runner commits them before the rest.
 */
describe.each(BACKENDS)('an enum value added and used in one migration on $name', ({ open }) => {
  let backend: Backend
  const applied: Migration[] = []
  const apply = async (plan: ReturnType<typeof planMigration>) => {
    applied.push(migrationOf(applied.length + 1, plan))
    return migrate(backend.db, applied)
  }
  const labels = async () => {
    const result = await toDriver(backend.db).query<{ label: string }>({
      text: `SELECT e.enumlabel AS label FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid
             JOIN pg_namespace n ON n.oid = t.typnamespace
             WHERE t.typname = 'users_status' AND n.nspname = current_schema() ORDER BY e.enumsortorder`,
    })
    return result.rows.map((row) => row.label)
  }

  beforeAll(async () => {
    backend = await open()
    await apply(planMigration(null, schemaOf({ users: users(['active', 'inactive']) })))
    await toDriver(backend.db).exec("INSERT INTO users (status) VALUES ('active')")
  })
  afterAll(() => backend.close())

  it('commits the ADD VALUE first, so a default in the same file can use it; down removes it', async () => {
    const from = schemaOf({ users: users(['active', 'inactive']) })
    const to = schemaOf({
      users: users(['pending', 'active', 'inactive'], { defaultValue: 'pending' }),
    })
    const plan = planMigration(from, to)
    expect(plan.up[0]).toBe(
      `ALTER TYPE users_status ADD VALUE IF NOT EXISTS 'pending' BEFORE 'active';`,
    )
    expect(plan.up).toContain(`ALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending';`)
    await apply(plan)
    await toDriver(backend.db).exec('INSERT INTO users DEFAULT VALUES')
    expect(await labels()).toEqual(['pending', 'active', 'inactive'])
    await toDriver(backend.db).exec("DELETE FROM users WHERE status = 'pending'")
    await down(backend.db, { migrations: applied, steps: 1 })
    expect(await labels()).toEqual(['active', 'inactive'])
    applied.pop()
  })

  it('names the neighbour of an added value as it is before a rename in the same file', async () => {
    const from = schemaOf({ users: users(['active', 'inactive']) })
    const to = schemaOf({
      users: users(['enabled', 'pending', 'inactive'], {
        renamedValues: { enabled: 'active' },
        defaultValue: 'pending',
      }),
    })
    const plan = planMigration(from, to)
    expect(plan.up.slice(0, 2)).toEqual([
      `ALTER TYPE users_status ADD VALUE IF NOT EXISTS 'pending' AFTER 'active';`,
      `ALTER TYPE users_status RENAME VALUE 'active' TO 'enabled';`,
    ])
    await apply(plan)
    expect(await labels()).toEqual(['enabled', 'pending', 'inactive'])
  })

  it('commits them first on a dev database too (push, the dev server)', async () => {
    const from = schemaOf({ users: users(['enabled', 'pending', 'inactive']) })
    const to = schemaOf({
      users: users(['enabled', 'pending', 'inactive', 'banned'], { defaultValue: 'banned' }),
    })
    await applyDevPlan(toDriver(backend.db), planMigration(from, to), {
      baseHash: 'test',
      base: from,
      applied: to,
    })
    expect(await labels()).toEqual(['enabled', 'pending', 'inactive', 'banned'])
    await applyDevPlan(toDriver(backend.db), planMigration(to, from), null)
  })

  it('keeps the committed values when the rest of the file fails, and runs again', async () => {
    const sql = [
      "ALTER TYPE users_status ADD VALUE IF NOT EXISTS 'archived';",
      "ALTER TABLE users ALTER COLUMN status SET DEFAULT 'archived';",
      'SELECT no_such_function();',
    ].join('\n')
    const failing = handWritten(`${String(applied.length + 1).padStart(4, '0')}_archive`, sql)
    await expect(migrate(backend.db, [...applied, failing])).rejects.toThrow(
      /The enum values added by the first 1 statement\(s\) of 0003_archive\.sql stay/,
    )
    expect(await labels()).toContain('archived')
    const fixed = handWritten(failing.name, sql.replace('SELECT no_such_function();', ''))
    expect((await migrate(backend.db, [...applied, fixed])).applied).toEqual([fixed.name])
  })
})

const accounts =
  (values: string[]): Build =>
  (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.enum({ name: 'status', values })
    t.check('accounts_not_banned', "status <> 'banned' OR id < 0")
    t.addIndexes([{ columns: ['id'], where: "status = 'active'" }])
  }

/**
 * Recreating an enum retypes its columns, and PostgreSQL would rebuild a partial index or a
 * check holding the type's literals with the old type's: both are dropped first and made again.
 */
describe.each(BACKENDS)('an enum recreated under its index and check on $name', ({ open }) => {
  let backend: Backend
  const applied: Migration[] = []
  const apply = async (plan: ReturnType<typeof planMigration>) => {
    applied.push(migrationOf(applied.length + 1, plan))
    expect((await migrate(backend.db, applied)).applied).toHaveLength(1)
  }
  const dependents = async () => {
    const result = await toDriver(backend.db).query<{ definition: string }>({
      text: `SELECT pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
               JOIN pg_class c ON c.oid = i.indexrelid
               WHERE c.relname = 'idx_accounts_id' AND c.relnamespace = current_schema()::regnamespace
             UNION ALL
             SELECT pg_get_constraintdef(oid) FROM pg_constraint
               WHERE conname = 'accounts_not_banned' AND connamespace = current_schema()::regnamespace`,
    })
    return result.rows.map((row) => row.definition.replace(/ ON \S+\./, ' ON '))
  }
  const v1 = schemaOf({ accounts: accounts(['active', 'inactive', 'banned']) })
  const reordered = schemaOf({ accounts: accounts(['banned', 'inactive', 'active']) })
  const removed = schemaOf({ accounts: accounts(['banned', 'active']) })

  beforeAll(async () => {
    backend = await open()
    await apply(planMigration(null, v1))
    await toDriver(backend.db).exec(
      "INSERT INTO accounts (status) VALUES ('active'), ('inactive'), ('active')",
    )
  })
  afterAll(() => backend.close())

  it('drops them before a reorder and makes them again after, both ways', async () => {
    const plan = planMigration(v1, reordered)
    expect(plan.up).toEqual([
      'DROP INDEX IF EXISTS idx_accounts_id;',
      'ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_not_banned;',
      'ALTER TYPE accounts_status RENAME TO accounts_status_fluentorm_old;',
      "CREATE TYPE accounts_status AS ENUM ('banned', 'inactive', 'active');",
      'ALTER TABLE accounts ALTER COLUMN status TYPE accounts_status USING status::text::accounts_status;',
      'DROP TYPE accounts_status_fluentorm_old;',
      "ALTER TABLE accounts ADD CONSTRAINT accounts_not_banned CHECK (status <> 'banned' OR id < 0);",
      "CREATE INDEX IF NOT EXISTS idx_accounts_id ON accounts (id) WHERE status = 'active';",
    ])
    await apply(plan)
    const made = [
      "CREATE INDEX idx_accounts_id ON accounts USING btree (id) WHERE (status = 'active'::accounts_status)",
      "CHECK (((status <> 'banned'::accounts_status) OR (id < 0)))",
    ]
    expect(await dependents()).toEqual(made)
    await down(backend.db, { migrations: applied, steps: 1 })
    expect(await dependents()).toEqual(made)
    await migrate(backend.db, applied)
  })

  it('drops them before a removal and makes them again after', async () => {
    await toDriver(backend.db).exec("DELETE FROM accounts WHERE status = 'inactive'")
    await apply(planMigration(reordered, removed))
    expect(await dependents()).toHaveLength(2)
    const result = await toDriver(backend.db).query<{ n: number }>({
      text: "SELECT count(*)::int AS n FROM accounts WHERE status = 'active'",
    })
    expect(result.rows).toEqual([{ n: 2 }])
  })
})
