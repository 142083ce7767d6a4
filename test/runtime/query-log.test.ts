import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  type Database,
  FluentOrmError,
  type QueryLogEntry,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

const schema = `fo_qlog_${randomBytes(5).toString('hex')}`

function schemaUrl(): string {
  const url = new URL(DATABASE_URL)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

const { Note } = modelsOf({
  notes: (t) => {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'body' })
  },
})

/** The entry for the statement whose text contains `fragment` (the last one, if several). */
function entryFor(entries: readonly QueryLogEntry[], fragment: string): QueryLogEntry {
  const found = entries.filter((entry) => entry.text.includes(fragment)).at(-1)
  if (found === undefined) {
    throw new Error(`no entry for ${fragment}: ${entries.map((e) => e.text).join(' | ')}`)
  }
  return found
}

/** Every path a statement can take, on one Database; `entries` is what onQuery received. */
function statementPaths(open: () => Promise<{ db: Database; entries: QueryLogEntry[] }>) {
  let db: Database
  let entries: QueryLogEntry[]
  beforeAll(async () => {
    ;({ db, entries } = await open())
    await db.exec('CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)')
  })
  afterAll(async () => {
    await db?.close()
  })

  it('reports a query with its value count, row count, duration and prepared name', async () => {
    const secret = `s3cret-${randomBytes(4).toString('hex')}`
    const inserted = await Note.insert(db, { body: secret })
    const entry = entryFor(entries, 'INSERT INTO')
    expect(entry).toMatchObject({ values: 1, rows: 1 })
    expect(entry.durationMs).toBeGreaterThanOrEqual(0)
    expect(entry.error).toBeUndefined()
    expect(JSON.stringify(entries)).not.toContain(secret)
    if (db.kind === 'pg') expect(entry.name).toMatch(/\S/)
    await db.query({ text: 'SELECT $1::int + $2::int AS n, $3::text AS t', values: [1, 2, 'x'] })
    expect(entryFor(entries, 'SELECT $1::int')).toMatchObject({ values: 3, rows: 1 })
    expect(await Note.findById(db, inserted.id)).toMatchObject({ body: secret })
  })

  it('reports exec, copyFrom, transactions, savepoints and sessions', async () => {
    await db.exec('INSERT INTO notes (body) VALUES ($$exec one$$), ($$exec two$$)')
    expect(entryFor(entries, 'exec one')).toMatchObject({ values: 0, rows: 0 })
    await db.copyFrom!({ table: 'notes', columns: ['body'] }, [['copied a'], ['copied b']])
    expect(entryFor(entries, 'COPY notes (body) FROM STDIN')).toMatchObject({ rows: 2 })
    await transaction(db, async (tx) => {
      await tx.query({ text: 'UPDATE notes SET body = body WHERE id > $1', values: [0] })
      await transaction(tx, async (inner) => {
        await inner.query({ text: 'SELECT count(*) AS in_savepoint FROM notes' })
      })
    })
    expect(entryFor(entries, 'UPDATE notes SET body = body')).toMatchObject({ values: 1, rows: 5 })
    expect(entryFor(entries, 'in_savepoint')).toMatchObject({ values: 0, rows: 1 })
    await db.session(async (session) => {
      await session.query({ text: 'SELECT 1 AS in_session' })
      await session.transaction(async (tx) => {
        await tx.exec('SELECT 2 AS in_session_tx')
      })
    })
    expect(entryFor(entries, 'SELECT 1 AS in_session')).toMatchObject({ rows: 1 })
    expect(entryFor(entries, 'in_session_tx')).toMatchObject({ rows: 0 })
    expect(toDriver(db)).toBe(db)
    expect(db.primary).toBe(db)
  })

  it('reports a failing statement with its error, and the caller gets the same error', async () => {
    const failed = await db
      .query({ text: 'SELECT * FROM no_such_table WHERE id = $1', values: [1] })
      .catch((error: unknown) => error)
    expect(failed).toBeInstanceOf(FluentOrmError)
    const entry = entryFor(entries, 'no_such_table')
    expect(entry).toMatchObject({ values: 1, rows: 0 })
    expect(entry.error).toBe(failed)
    expect(entry.durationMs).toBeGreaterThanOrEqual(0)
    await expect(
      transaction(db, async (tx) => {
        await tx.exec('SELECT 1/0 AS in_failing_tx')
      }),
    ).rejects.toBeInstanceOf(FluentOrmError)
    expect(entryFor(entries, 'in_failing_tx').error).toBeInstanceOf(FluentOrmError)
  })
}

describe('connect({ onQuery }) on PostgreSQL, pipelined', () => {
  beforeAll(() => admin(`CREATE SCHEMA ${schema}`))
  afterAll(() => admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))

  describe('pipeline (the default)', () => {
    statementPaths(async () => {
      const entries: QueryLogEntry[] = []
      const db = await connect({ url: schemaUrl(), onQuery: (entry) => entries.push(entry) })
      return { db, entries }
    })
  })

  describe('pool (pipeline: false)', () => {
    statementPaths(async () => {
      await admin(`DROP TABLE IF EXISTS ${schema}.notes`)
      const entries: QueryLogEntry[] = []
      const db = await connect({
        url: schemaUrl(),
        pipeline: false,
        onQuery: (entry) => entries.push(entry),
      })
      return { db, entries }
    })
  })
})

describe('connect({ onQuery }) on PGlite', () => {
  statementPaths(async () => {
    const entries: QueryLogEntry[] = []
    // Named: with DATABASE_URL set (as in the test run), connect() alone would open PostgreSQL.
    const db = await connect({ url: 'pglite:memory', onQuery: (entry) => entries.push(entry) })
    return { db, entries }
  })
})

describe('a failing onQuery', () => {
  it('never breaks the statement, and warns once', async () => {
    const warnings: string[] = []
    const onWarning = (warning: Error & { code?: string }) => {
      if (warning.code === 'FLUENTORM_ON_QUERY') warnings.push(warning.message)
    }
    process.on('warning', onWarning)
    const db = await connect({
      onQuery: () => {
        throw new Error('logger down')
      },
    })
    try {
      expect((await db.query({ text: 'SELECT 1 AS one' })).rows).toEqual([{ one: 1 }])
      expect((await db.query({ text: 'SELECT 2 AS two' })).rows).toEqual([{ two: 2 }])
      await new Promise((resolve) => setImmediate(resolve))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('logger down')
    } finally {
      process.off('warning', onWarning)
      await db.close()
    }
  })

  it('is refused when it is not a function', async () => {
    await expect(connect({ onQuery: 'console.log' as never })).rejects.toThrow(
      /onQuery must be a function/,
    )
  })
})
