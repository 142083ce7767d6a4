import { spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Migration, migrate, status, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, OWN_DATABASE_BACKENDS } from '../support/backends.ts'
import {
  type Build,
  handWritten,
  migrationOf,
  planMigration,
  schemaOf,
} from './support/migration-fixtures.ts'

const BIN = join(import.meta.dirname, '..', '..', 'packages', 'cli', 'bin', 'fluentorm.mjs')

/** A value of the rows: no error may print it. */
const DUPLICATE = 'twice@example.com'

const createUsers = handWritten(
  '0001_create_users',
  'CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);',
)
const uniqueEmail = handWritten(
  '0002_unique_email',
  '-- fluentorm:no-transaction (CONCURRENTLY cannot run in a transaction)\n\nCREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);\n',
)

/**
 * A failed CREATE UNIQUE INDEX CONCURRENTLY leaves an INVALID index, which enforces nothing and
 * which IF NOT EXISTS then skips: the runner records no migration while an index it creates is
 * invalid, drops such an index before building it again, and status reports one.
 */
// CREATE INDEX CONCURRENTLY waits for every transaction of the database: one of its own.
describe.each(OWN_DATABASE_BACKENDS)('invalid indexes on $name', ({ open }) => {
  let backend: Backend
  const query = async (text: string) => (await toDriver(backend.db).query({ text })).rows
  const history = async () =>
    (await query('SELECT name FROM fluentorm_migrations ORDER BY name')).map((r) => r.name)
  const validity = async (name: string) =>
    query(
      `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = '${name}'`,
    )
  const failure = async (run: Promise<unknown>) => {
    const error = await run.then(
      () => null,
      (e: Error) => e,
    )
    expect(error).toBeInstanceOf(Error)
    expect(error!.message).not.toContain(DUPLICATE)
    return error!.message
  }

  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend.close())
  beforeEach(async () => {
    await toDriver(backend.db).exec(
      `DROP SCHEMA IF EXISTS ${backend.schema} CASCADE; CREATE SCHEMA ${backend.schema}`,
    )
    await migrate(backend.db, [createUsers])
    await query(`INSERT INTO users VALUES (1, '${DUPLICATE}'), (2, '${DUPLICATE}')`)
  })

  it('names the invalid index a failed CONCURRENTLY build left, and what to do', async () => {
    const message = await failure(migrate(backend.db, [createUsers, uniqueEmail]))
    expect(message).toContain(
      'migrate failed: 0002_unique_email.sql, statement 1 of 1 (line 3): duplicate value for unique constraint users_email_key on table users',
    )
    expect(message).toContain(
      'PostgreSQL left the index users_email_key on users behind, INVALID (a failed CREATE INDEX CONCURRENTLY does): it enforces nothing. Fix what made it fail (for a unique index: the duplicate values), then run migrate again: fluentorm drops the invalid users_email_key and builds it again',
    )
    expect(message).toContain(`DROP INDEX CONCURRENTLY ${backend.schema}.users_email_key;`)
    expect(await validity('users_email_key')).toEqual([{ valid: false }])
    expect(await history()).toEqual(['0001_create_users'])
    const { problems } = await status(backend.db, [createUsers, uniqueEmail])
    expect(problems).toEqual([
      `index users_email_key on users is INVALID (a CREATE INDEX CONCURRENTLY that failed left it): it enforces nothing, not even UNIQUE, and no query uses it. Fix what made it fail (for a unique index: the duplicate values), then build it again: DROP INDEX CONCURRENTLY ${backend.schema}.users_email_key; then CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON ${backend.schema}.users USING btree (email);`,
    ])
  })

  it('does not record the migration when it runs again before the data is fixed', async () => {
    await failure(migrate(backend.db, [createUsers, uniqueEmail]))
    // IF NOT EXISTS alone would skip the invalid index and record 0002 as applied.
    await failure(migrate(backend.db, [createUsers, uniqueEmail]))
    expect(await history()).toEqual(['0001_create_users'])
    expect(await validity('users_email_key')).toEqual([{ valid: false }])
  })

  it('drops the invalid index and builds it again once the data is fixed', async () => {
    await failure(migrate(backend.db, [createUsers, uniqueEmail]))
    await query('DELETE FROM users WHERE id = 2')
    const result = await migrate(backend.db, [createUsers, uniqueEmail])
    expect(result.applied).toEqual(['0002_unique_email'])
    expect(result.notes).toEqual([
      '0002_unique_email.sql: dropped the invalid index users_email_key on users (left by a CREATE INDEX CONCURRENTLY that failed) to build it again.',
    ])
    expect(await validity('users_email_key')).toEqual([{ valid: true }])
    expect((await status(backend.db, [createUsers, uniqueEmail])).problems).toEqual([])
    await expect(query(`INSERT INTO users VALUES (3, '${DUPLICATE}')`)).rejects.toThrow()
  })

  it('records no transactional migration whose CREATE INDEX IF NOT EXISTS skipped an invalid index', async () => {
    // What a runner that did not check left: the index invalid, its migration recorded.
    await failure(migrate(backend.db, [createUsers, uniqueEmail]))
    const plain = handWritten(
      '0002_email_index',
      'CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (email);\nALTER TABLE users ADD COLUMN note TEXT;',
    )
    const message = await failure(migrate(backend.db, [createUsers, plain]))
    expect(message).toContain(
      'migrate failed: 0002_email_index.sql creates an index that is INVALID: it enforces nothing, not even UNIQUE, and no query uses it.',
    )
    expect(message).toContain(
      `users_email_key on users: IF NOT EXISTS found an invalid index of that name (left by a CREATE INDEX CONCURRENTLY that failed) and did nothing. Drop it (DROP INDEX CONCURRENTLY ${backend.schema}.users_email_key), fix what made it fail (for a unique index: the duplicate values), then run migrate again.`,
    )
    expect(message).toContain(
      'Nothing of 0002_email_index.sql was applied (its transaction was rolled back).',
    )
    expect(await history()).toEqual(['0001_create_users'])
    expect(await query(`SELECT to_regclass('users.note') AS found`)).toEqual([{ found: null }])
  })

  it('keeps the old index while an index made unique is built, and builds it on the rerun', async () => {
    const emailIndex = (unique: boolean): Build => {
      return (t) => {
        t.integer({ name: 'id', primaryKey: true })
        t.string({ name: 'email', notNull: false })
        t.addIndexes([{ columns: ['email'], unique }])
      }
    }
    const before = schemaOf({ users: emailIndex(false) })
    const after = schemaOf({ users: emailIndex(true) })
    const created = migrationOf(1, planMigration(null, before))
    const plan = planMigration(before, after)
    expect(plan.transactional).toBe(false)
    expect(plan.up).toEqual([
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email_fluentorm_new ON users (email);',
      'DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;',
      'ALTER INDEX IF EXISTS idx_users_email_fluentorm_new RENAME TO idx_users_email;',
    ])
    const madeUnique: Migration = migrationOf(2, plan)
    await toDriver(backend.db).exec(
      `DROP SCHEMA ${backend.schema} CASCADE; CREATE SCHEMA ${backend.schema}`,
    )
    await migrate(backend.db, [created])
    await query(`INSERT INTO users VALUES (1, '${DUPLICATE}'), (2, '${DUPLICATE}')`)
    const message = await failure(migrate(backend.db, [created, madeUnique]))
    expect(message).toContain(
      'PostgreSQL left the index idx_users_email_fluentorm_new on users behind, INVALID',
    )
    // The old index still serves queries: nothing was dropped.
    const indexes = () =>
      query(
        `SELECT c.relname AS name, i.indisunique AS "unique", i.indisvalid AS valid FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'users'::regclass
         AND NOT i.indisprimary ORDER BY 1`,
      )
    expect(await indexes()).toEqual([
      { name: 'idx_users_email', unique: false, valid: true },
      { name: 'idx_users_email_fluentorm_new', unique: true, valid: false },
    ])
    await query('DELETE FROM users WHERE id = 2')
    expect((await migrate(backend.db, [created, madeUnique])).applied).toEqual([madeUnique.name])
    expect(await indexes()).toEqual([{ name: 'idx_users_email', unique: true, valid: true }])
  })
})

describe('status and check --url report an invalid index', () => {
  const database = `t_invalid_index_${process.pid}`
  let url: string
  let dir: string
  let backend: Backend
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, [BIN, ...args, '--url', url], {
      cwd: dir,
      encoding: 'utf8',
    })
    return { code: result.status, out: result.stdout, err: result.stderr }
  }

  beforeAll(async () => {
    backend = await OWN_DATABASE_BACKENDS[0].open()
    const name = (
      await toDriver(backend.db).query<{ db: string }>({
        text: 'SELECT current_database() AS db',
      })
    ).rows[0]!.db
    const parsed = new URL(DATABASE_URL)
    parsed.pathname = `/${name}`
    url = parsed.toString()
    dir = await mkdtemp(join(tmpdir(), `fluentorm-${database}-`))
    await mkdir(join(dir, 'migrations'))
    await mkdir(join(dir, 'schemas'))
    await writeFile(join(dir, 'migrations', '0001_create_users.sql'), createUsers.sql)
    await writeFile(join(dir, 'migrations', '0002_unique_email.sql'), uniqueEmail.sql)
    expect(cli('migrate', '--migrations', 'migrations').code).toBe(0)
    // As a runner that did not check left it: 0002 recorded, its index invalid.
    await toDriver(backend.db).exec(
      `DROP INDEX users_email_key; INSERT INTO users VALUES (1, '${DUPLICATE}'), (2, '${DUPLICATE}')`,
    )
    await expect(
      toDriver(backend.db).exec(
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email)',
      ),
    ).rejects.toThrow()
  })
  afterAll(async () => {
    await backend?.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('status exits 1 and says how to build it again', () => {
    const result = cli('status')
    expect(result.code).toBe(1)
    expect(result.out).toContain('applied  0002_unique_email.sql')
    expect(result.err).toContain(
      'problem  index users_email_key on users is INVALID (a CREATE INDEX CONCURRENTLY that failed left it)',
    )
    expect(result.err).toContain('DROP INDEX CONCURRENTLY public.users_email_key;')
    expect(result.err).not.toContain(DUPLICATE)
  })

  it('check --url fails on it', () => {
    const result = cli('check')
    expect(result.code).toBe(1)
    expect(result.err).toContain('check: index users_email_key on users is INVALID')
  })
})
