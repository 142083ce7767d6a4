import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  FluentOrmError,
  type PgDatabase,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { migrationChecksum } from '../../packages/runtime/src/migration/migration-format.ts'
import { migrate } from '../../packages/runtime/src/migration/migration-runner.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { type PgBouncers, type PoolMode, pgBouncers } from '../support/pgbouncer.ts'

// Real PgBouncers (1.18 in CI: no prepared-statement support) in front of the test server,
// one in transaction mode (8 server connections, so clients share them), one in session
// mode. Every test database is this file's own.
const database = `fo_bouncer_${randomBytes(5).toString('hex')}`
let bouncers: PgBouncers

async function admin<T>(sql: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    return (await client.query(sql, values)).rows as T[]
  } finally {
    await client.end()
  }
}

beforeAll(async () => {
  bouncers = await pgBouncers()
  await admin(`CREATE DATABASE ${database}`)
})

afterAll(async () => {
  bouncers?.stop()
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
})

/** The one model of `{ table: build }` (its class name follows the table's). */
const modelOf = (tables: Parameters<typeof modelsOf>[0]) => Object.values(modelsOf(tables))[0]

const open = async (mode: PoolMode, options: Parameters<typeof connect>[0] = {}, name = database) =>
  (await connect({ url: bouncers.url(mode, name), pooler: mode, ...options })) as PgDatabase

const through = [
  { mode: 'transaction' as const, pipeline: undefined },
  { mode: 'transaction' as const, pipeline: false as const },
  { mode: 'session' as const, pipeline: undefined },
  { mode: 'session' as const, pipeline: false as const },
]

describe.each(through)(
  '50 concurrent clients through PgBouncer in $mode mode, pipeline $pipeline',
  ({ mode, pipeline }) => {
    const table = `items_${mode}_${pipeline === false ? 'pool' : 'pipe'}`
    const Item = modelOf({
      [table]: (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t.string({ name: 'label' })
        t.integer({ name: 'n' })
      },
    })
    let db: PgDatabase
    beforeAll(async () => {
      db = await open(mode, { pipeline })
      await Item.createTable(db)
    })
    afterAll(() => db?.close())

    it('runs mixed CRUD, queries and transactions with savepoints without an error, each answer right', async () => {
      const errors: string[] = []
      const rounds = 12
      await Promise.all(
        Array.from({ length: 50 }, async (_, c) => {
          const label = `c${c}`
          for (let i = 0; i < rounds; i++) {
            try {
              const row = await Item.insert(db, { label, n: i })
              expect(await Item.findById(db, row.id)).toMatchObject({ id: row.id, label, n: i })
              expect(await Item.update(db, row.id, { n: i + 100 })).toMatchObject({ n: i + 100 })
              const mine = await Item.query().where('label', '=', label).orderBy('id').fetch(db)
              expect(mine.every((r: { label: string }) => r.label === label)).toBe(true)
              expect(mine).toHaveLength(i + 1 - Math.ceil(i / 4))
              await transaction(db, async (tx) => {
                const kept = await Item.insert(tx, { label: `t${c}`, n: i })
                // A savepoint that fails rolls back alone; the transaction goes on.
                await transaction(tx, async (sp) => {
                  await Item.insert(sp, { label: `gone${c}`, n: i })
                  await sp.query({ text: 'SELECT 1 / 0' })
                }).catch((error: FluentOrmError) => expect(error.code).toBe('22012'))
                await transaction(tx, async (sp) => {
                  expect(await Item.findById(sp, kept.id)).toMatchObject({ label: `t${c}` })
                })
              })
              if (i % 4 === 0) await Item.hardDelete(db, row.id)
            } catch (error) {
              errors.push((error as Error).message)
            }
          }
        }),
      )
      expect(errors).toEqual([])
      const counts = await db.query<{ label: string; n: bigint }>({
        text: `SELECT label, count(*) AS n FROM ${table} GROUP BY label`,
      })
      const byLabel = new Map(counts.rows.map((r) => [r.label, Number(r.n)]))
      for (let c = 0; c < 50; c++) {
        expect(byLabel.get(`c${c}`)).toBe(rounds - Math.ceil(rounds / 4))
        expect(byLabel.get(`t${c}`)).toBe(rounds)
        expect(byLabel.has(`gone${c}`)).toBe(false)
      }
    })
  },
)

describe.each(['transaction', 'session'] as const)(
  '10 concurrent migrate() through PgBouncer in %s mode',
  (mode) => {
    // A database of its own: the migration history of the other mode is not this one's.
    const migrated = `${database}_${mode}`
    const prefix = `mig_${mode}`
    beforeAll(() => admin(`CREATE DATABASE ${migrated}`))
    afterAll(() => admin(`DROP DATABASE IF EXISTS ${migrated} WITH (FORCE)`))
    const migration = (name: string, sql: string) => ({
      name,
      sql,
      checksum: migrationChecksum(sql),
    })
    const migrations = [
      migration(
        '0001_create',
        `CREATE TABLE ${prefix}_log (name text NOT NULL); CREATE TABLE ${prefix}_events (id int PRIMARY KEY);`,
      ),
      // The sleep widens the race; the INSERTs would fail or count twice on a second run.
      migration(
        '0002_fill',
        `SELECT pg_sleep(0.2); INSERT INTO ${prefix}_events VALUES (1); INSERT INTO ${prefix}_log VALUES ('0002');`,
      ),
      migration(
        '0003_index',
        `CREATE INDEX ${prefix}_events_idx ON ${prefix}_events (id); INSERT INTO ${prefix}_log VALUES ('0003');`,
      ),
    ]

    it('applies each migration once and leaves no lock and no setting on any server connection', async () => {
      const dbs = await Promise.all(Array.from({ length: 10 }, () => open(mode, {}, migrated)))
      try {
        const runs = await Promise.all(
          dbs.map((db) =>
            migrate(db, { migrations, statementTimeout: 123_000, lockTimeout: 4_000 }),
          ),
        )
        expect(runs.flatMap((run) => run.applied).sort()).toEqual(migrations.map((m) => m.name))
        expect(
          await dbs[0]!.query({ text: `SELECT name FROM ${prefix}_log ORDER BY name` }),
        ).toMatchObject({
          rows: [{ name: '0002' }, { name: '0003' }],
        })
        const history = await dbs[0]!.query<{ name: string }>({
          text: 'SELECT name FROM fluentorm_migrations ORDER BY name',
        })
        expect(history.rows.map((r) => r.name)).toEqual(migrations.map((m) => m.name))
      } finally {
        await Promise.all(dbs.map((db) => db.close()))
      }
      const locks = await admin<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
       WHERE l.locktype = 'advisory' AND d.datname = $1`,
        [database],
      )
      expect(locks).toEqual([{ n: 0 }])
      expect(await serverSettings(bouncers.url(mode, database))).toEqual(
        new Set([`${defaults.statement_timeout} ${defaults.lock_timeout}`]),
      )
    })
  },
)

const defaults = { statement_timeout: '0', lock_timeout: '0' }

/**
 * `statement_timeout lock_timeout` as each server connection of the pooler has them: 8
 * clients each hold a transaction at once, so they get 8 different server connections (the
 * transaction pooler has 8), and a plain client sets nothing of its own.
 */
async function serverSettings(url: string): Promise<Set<string>> {
  const clients = Array.from({ length: 8 }, () => new pg.Client({ connectionString: url }))
  await Promise.all(clients.map((c) => c.connect()))
  try {
    await Promise.all(clients.map((c) => c.query('BEGIN')))
    const seen = await Promise.all(
      clients.map(async (c) => {
        const { rows } = await c.query(
          `SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`,
        )
        return `${rows[0].s} ${rows[0].l}`
      }),
    )
    await Promise.all(clients.map((c) => c.query('COMMIT')))
    return new Set(seen)
  } finally {
    await Promise.all(clients.map((c) => c.end()))
  }
}

describe('pooler: transaction', () => {
  let db: PgDatabase
  beforeAll(async () => {
    db = await open('transaction', { statementTimeout: 5_000, lockTimeout: 2_000 })
  })
  afterAll(() => db?.close())

  it('sets the timeouts with SET LOCAL in each transaction, and leaves them off the server connection', async () => {
    const inside = await transaction(db, (tx) =>
      tx.query<{ s: string; l: string }>({
        text: `SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l`,
      }),
    )
    expect(inside.rows).toEqual([{ s: '5s', l: '2s' }])
    expect(await serverSettings(bouncers.url('transaction', database))).toEqual(new Set(['0 0']))
  })

  it('prepares no named statement on the server', async () => {
    const Item = modelOf({
      named_check: (t) => {
        t.increments({ name: 'id', primaryKey: true })
      },
    })
    await Item.createTable(db)
    await Item.insert(db, {})
    const counts = await transaction(db, async (tx) => {
      await Item.count(tx)
      return tx.query<{ n: number }>({
        text: 'SELECT count(*)::int AS n FROM pg_prepared_statements',
      })
    })
    expect(counts.rows).toEqual([{ n: 0 }])
  })

  const refusals: [string, (db: PgDatabase) => Promise<unknown>, string][] = [
    [
      'session()',
      (db) => db.session(async () => undefined),
      'session() needs one server connection',
    ],
    ['LISTEN', (db) => db.query({ text: 'LISTEN jobs' }), 'LISTEN needs a session of its own'],
    [
      'pg_advisory_lock',
      (db) => db.query({ text: 'SELECT pg_advisory_lock(42)' }),
      'pg_advisory_xact_lock',
    ],
    [
      'a session advisory lock inside a transaction',
      (db) => transaction(db, (tx) => tx.query({ text: 'SELECT pg_try_advisory_lock(42)' })),
      'a session advisory lock',
    ],
    ['a temporary table', (db) => db.exec('CREATE TEMP TABLE scratch (id int)'), 'ON COMMIT DROP'],
    [
      'a temporary table kept past COMMIT',
      (db) => transaction(db, (tx) => tx.exec('CREATE TEMPORARY TABLE scratch (id int)')),
      'a temporary table needs a session',
    ],
    ['SET', (db) => db.query({ text: 'SET search_path = app' }), 'SET LOCAL'],
    [
      'SET inside a transaction',
      (db) => transaction(db, (tx) => tx.query({ text: 'SET statement_timeout = 0' })),
      'SET LOCAL',
    ],
    ['BEGIN on db', (db) => db.query({ text: 'BEGIN' }), 'transaction(db, async (tx)'],
  ]
  it.each(refusals)('refuses %s with INVALID_USAGE, saying what to do', async (_, use, advice) => {
    const error = await use(db).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error).toMatchObject({ code: 'INVALID_USAGE', kind: 'invalid_usage' })
    expect((error as Error).message).toContain("pooler: 'transaction'")
    expect((error as Error).message).toContain(advice)
  })

  it('allows what leaves nothing behind: SET LOCAL, xact locks, ON COMMIT DROP temporary tables', async () => {
    const result = await transaction(db, async (tx) => {
      await tx.query({ text: 'SET LOCAL work_mem = 8192' })
      await tx.query({ text: 'SELECT pg_advisory_xact_lock(42)' })
      await tx.exec(
        'CREATE TEMP TABLE scratch (id int) ON COMMIT DROP; INSERT INTO scratch VALUES (1)',
      )
      return tx.query<{ n: number }>({ text: 'SELECT count(*)::int AS n FROM scratch' })
    })
    expect(result.rows).toEqual([{ n: 1 }])
  })

  it.each([
    ['refuses startup options', {}, 'unsupported startup parameter'],
    [
      'gives a cancel key of its own (no startup options sent)',
      { statementTimeout: 0 },
      'process id',
    ],
  ])('is taken for a server that %s, with a warning that says so', async (_, options, sign) => {
    const warnings: Error[] = []
    const onWarning = (warning: Error) => warnings.push(warning)
    process.on('warning', onWarning)
    try {
      const detected = (await connect({
        url: bouncers.url('transaction', database),
        ...options,
      })) as PgDatabase
      try {
        expect(detected.pooler).toBe('transaction')
        expect(
          await transaction(detected, (tx) => tx.query({ text: 'SELECT 1 AS one' })),
        ).toMatchObject({ rows: [{ one: 1 }] })
      } finally {
        await detected.close()
      }
      await new Promise((resolve) => setImmediate(resolve))
      const warning = warnings.find((w) => (w as { code?: string }).code === 'FLUENTORM_POOLER')
      expect(warning?.message).toContain("Pass pooler: 'transaction'")
      expect(warning?.message).toContain(sign)
    } finally {
      process.off('warning', onWarning)
    }
  })
})

describe('pooler: session', () => {
  it('sets the timeouts with SET on each connection, keeps named statements and sessions', async () => {
    const db = await open('session', { statementTimeout: 5_000 })
    try {
      const show = { text: `SELECT current_setting('statement_timeout') AS s` }
      expect((await db.query(show)).rows).toEqual([{ s: '5s' }])
      expect((await transaction(db, (tx) => tx.query(show))).rows).toEqual([{ s: '5s' }])
      const locked = await db.session(async (session) => {
        const { rows } = await session.query<{ ok: boolean }>({
          text: 'SELECT pg_try_advisory_lock(7) AS ok',
        })
        await session.query({ text: 'SELECT pg_advisory_unlock(7)' })
        return rows[0]!.ok
      })
      expect(locked).toBe(true)
    } finally {
      await db.close()
    }
  })
})
