import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Migration } from '@fluentorm/runtime'
import { down, migrate, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, OWN_DATABASE_BACKENDS } from '../support/backends.ts'
import { type Build, migrationOf, planMigration, schemaOf } from './support/migration-fixtures.ts'

const usersBase: Build = (t) => {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'email', unique: true })
}
const v1 = schemaOf({
  users: (t) => {
    usersBase(t)
    t.string({ name: 'name' })
  },
})
const v2 = schemaOf({
  users: (t) => {
    usersBase(t)
    t.string({ name: 'name' })
    t.string({ name: 'phone', notNull: false })
  },
})
const v3 = schemaOf({
  users: (t) => {
    usersBase(t)
    t.string({ name: 'full_name', renamedFrom: 'name' })
    t.string({ name: 'phone', notNull: false })
  },
})
const v4Users: Build = (t) => {
  usersBase(t)
  t.string({ name: 'full_name' })
}
const v4 = schemaOf({ users: v4Users })
const v5Users: Build = (t) => {
  v4Users(t)
  t.addIndexes([{ columns: ['full_name'] }])
}
const v5 = schemaOf({ users: v5Users })
const posts =
  (count: 'integer' | 'bigInt'): Build =>
  (t) => {
    t.uuid({ name: 'id', primaryKey: true })
    t.uuid({ name: 'user_id' })
    t[count]({ name: 'view_count', defaultValue: '0' })
    t.belongsTo({
      name: 'author',
      column: 'user_id',
      referencesTable: 'users',
      onDelete: 'cascade',
    })
  }
const v6 = schemaOf({ users: v5Users, posts: posts('integer') })
const v7 = schemaOf({ users: v5Users, posts: posts('bigInt') })

// CREATE INDEX CONCURRENTLY waits for every transaction of the database: one of its own.
describe.each(OWN_DATABASE_BACKENDS)('the guide walk on $name', ({ open }) => {
  let backend: Backend
  const applied: Migration[] = []
  const columns = async (table: string) => {
    const result = await toDriver(backend.db).query<{
      column_name: string
      data_type: string
      is_nullable: string
    }>({
      text: `SELECT column_name, data_type, is_nullable FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      values: [table],
    })
    return result.rows.map(
      (r) => `${r.column_name} ${r.data_type}${r.is_nullable === 'YES' ? ' null' : ''}`,
    )
  }
  const indexes = async (table: string) => {
    const result = await toDriver(backend.db).query<{ indexname: string }>({
      text: `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`,
      values: [table],
    })
    return result.rows.map((r) => r.indexname)
  }
  /** docs/MIGRATIONS.md shows each step's SQL; it must be what the generator produces. */
  const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'MIGRATIONS.md'), 'utf8')
  /** Adds the next migration, applies it, and rolls it back and forth once when it can be. */
  const step = async (
    plan: ReturnType<typeof planMigration>,
    check: () => Promise<void>,
    undo?: () => Promise<void>,
  ) => {
    if (applied.length > 0) expect(doc).toContain(plan.up.join('\n'))
    const migration = migrationOf(applied.length + 1, plan)
    applied.push(migration)
    expect((await migrate(backend.db, applied)).applied).toEqual([migration.name])
    await check()
    if (!undo) return migration
    await down(backend.db, { migrations: applied, steps: 1 })
    await undo()
    expect((await migrate(backend.db, applied)).applied).toEqual([migration.name])
    await check()
    return migration
  }

  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend.close())

  it('0001 creates the users table from an empty database', async () => {
    const plan = planMigration(null, v1)
    expect(plan.name).toBe('create_users')
    expect(plan.up).toEqual([
      'CREATE TABLE IF NOT EXISTS users (\n  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n  email TEXT NOT NULL UNIQUE,\n  name TEXT NOT NULL\n);',
    ])
    expect(plan.down).toEqual(['DROP TABLE IF EXISTS users;'])
    await step(
      plan,
      async () => expect(await columns('users')).toEqual(['id uuid', 'email text', 'name text']),
      async () => expect(await columns('users')).toEqual([]),
    )
  })

  it('0002 adds a field (phone)', async () => {
    const plan = planMigration(v1, v2)
    expect(plan.name).toBe('add_phone_to_users')
    expect(plan.up).toEqual(['ALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;'])
    expect(plan.down).toEqual(['ALTER TABLE users DROP COLUMN IF EXISTS phone;'])
    await step(
      plan,
      async () => expect(await columns('users')).toContain('phone text null'),
      async () => expect(await columns('users')).not.toContain('phone text null'),
    )
  })

  it('0003 renames name to full_name and keeps the data', async () => {
    await toDriver(backend.db).query({
      text: `INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada')`,
    })
    const plan = planMigration(v2, v3)
    expect(plan.name).toBe('rename_name_to_full_name_in_users')
    expect(plan.up).toEqual(['ALTER TABLE users RENAME COLUMN name TO full_name;'])
    expect(plan.down).toEqual(['ALTER TABLE users RENAME COLUMN full_name TO name;'])
    expect(plan.findings.map((f) => f.rule)).toEqual(['rename'])
    const fullName = async () =>
      (
        await toDriver(backend.db).query<{ full_name: string }>({
          text: 'SELECT full_name FROM users',
        })
      ).rows
    await step(
      plan,
      async () => expect(await fullName()).toEqual([{ full_name: 'Ada' }]),
      async () => expect(await columns('users')).toContain('name text'),
    )
  })

  it('0004 drops a field; its rollback is refused, not faked', async () => {
    const plan = planMigration(v3, v4)
    expect(plan.name).toBe('drop_phone_from_users')
    expect(plan.up).toEqual(['ALTER TABLE users DROP COLUMN IF EXISTS phone;'])
    expect(plan.down).toBeNull()
    expect(plan.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['error drop-column'])
    const migration = await step(plan, async () =>
      expect(await columns('users')).not.toContain('phone text null'),
    )
    expect(migration.down).toContain('-- fluentorm:irreversible drops column users.phone')
    await expect(down(backend.db, { migrations: applied })).rejects.toThrow(
      /0004_drop_phone_from_users\.sql cannot be rolled back: it drops column users\.phone: its values cannot be restored/,
    )
  })

  it('0005 adds an index CONCURRENTLY, outside a transaction', async () => {
    const plan = planMigration(v4, v5)
    expect(plan.name).toBe('add_idx_users_full_name')
    expect(plan.transactional).toBe(false)
    expect(plan.up).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_full_name ON users (full_name);',
    ])
    expect(plan.down).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS idx_users_full_name;'])
    const migration = await step(
      plan,
      async () => expect(await indexes('users')).toContain('idx_users_full_name'),
      async () => expect(await indexes('users')).not.toContain('idx_users_full_name'),
    )
    expect(migration.sql).toContain('-- fluentorm:no-transaction')
  })

  it('0006 adds a table with a foreign key', async () => {
    const plan = planMigration(v5, v6)
    expect(plan.name).toBe('create_posts')
    expect(plan.up).toEqual([
      'CREATE TABLE IF NOT EXISTS posts (\n  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n  user_id UUID NOT NULL,\n  view_count INTEGER NOT NULL DEFAULT 0\n);',
      'ALTER TABLE posts ADD CONSTRAINT fk_posts_author FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE NO ACTION;',
    ])
    expect(plan.down).toEqual([
      'ALTER TABLE posts DROP CONSTRAINT IF EXISTS fk_posts_author;',
      'DROP TABLE IF EXISTS posts;',
    ])
    const fk = async () =>
      (
        await toDriver(backend.db).query<{ confdeltype: string }>({
          text: `SELECT confdeltype FROM pg_constraint WHERE conname = 'fk_posts_author'`,
        })
      ).rows
    await step(
      plan,
      async () => expect(await fk()).toEqual([{ confdeltype: 'c' }]),
      async () => expect(await columns('posts')).toEqual([]),
    )
  })

  it('0007 changes a type with a USING cast, the default kept', async () => {
    const plan = planMigration(v6, v7)
    expect(plan.name).toBe('change_view_count_type_in_posts')
    expect(plan.up).toEqual([
      'ALTER TABLE posts ALTER COLUMN view_count DROP DEFAULT;',
      'ALTER TABLE posts ALTER COLUMN view_count TYPE BIGINT USING view_count::BIGINT;',
      'ALTER TABLE posts ALTER COLUMN view_count SET DEFAULT 0;',
    ])
    await step(
      plan,
      async () => expect(await columns('posts')).toContain('view_count bigint'),
      async () => expect(await columns('posts')).toContain('view_count integer'),
    )
  })

  it('has nothing left to generate', () => {
    expect(planMigration(v7, v7).up).toEqual([])
  })
})
