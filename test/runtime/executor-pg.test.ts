import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  type Driver,
  FluentOrmError,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { type Backend, DATABASE_URL, pgBackend } from '../support/backends.ts'

/** Kills, from another connection, the backend running the statement tagged `marker`. */
async function terminateWhenRunning(marker: string): Promise<void> {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    for (;;) {
      const { rows } = await admin.query(
        `SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity
         WHERE query LIKE $1 AND pid <> pg_backend_pid()`,
        [`%${marker}%`],
      )
      if (rows.length > 0) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  } finally {
    await admin.end()
  }
}

const sleeper = () => {
  const marker = `m_${randomBytes(6).toString('hex')}`
  return { marker, text: `SELECT pg_sleep(30) AS ${marker}` }
}

describe('pg pool reliability', () => {
  let backend: Backend<pg.Pool>
  let db: Driver
  beforeAll(async () => {
    backend = await pgBackend({ max: 2 })
    backend.db.on('error', () => undefined)
    db = toDriver(backend.db)
  })
  afterAll(() => backend?.close())

  it('reports a backend terminated mid-query and serves the next query', async () => {
    const { marker, text } = sleeper()
    const [thrown] = await Promise.all([
      db.query({ text }).catch((error: unknown) => error),
      terminateWhenRunning(marker),
    ])
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ kind: 'connection', code: '57P01' })
    expect((thrown as Error).message).toMatch(
      /^query failed: the database connection was lost \(terminating connection due to administrator command\)/,
    )
    for (let i = 0; i < 3; i++) {
      expect((await db.query({ text: 'SELECT 1 AS one' })).rows).toEqual([{ one: 1 }])
    }
  })

  it('surfaces the original error of a transaction whose connection died, then recovers', async () => {
    const { marker, text } = sleeper()
    const [thrown] = await Promise.all([
      transaction(backend.db, async (tx) => {
        await tx.query({ text: 'SELECT 1' })
        await tx.query({ text })
      }).catch((error: unknown) => error),
      terminateWhenRunning(marker),
    ])
    expect(thrown).toMatchObject({ kind: 'connection', code: '57P01', sql: text })
    const after = await transaction(
      backend.db,
      async (tx) => (await tx.query({ text: 'SELECT 2 AS two' })).rows,
    )
    expect(after).toEqual([{ two: 2 }])
  })
})

describe('pg pool exhaustion', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend({ max: 1, connectionTimeoutMillis: 200 })
  })
  afterAll(() => backend?.close())

  it('fails with a clear error when no connection frees up in time', async () => {
    const db = toDriver(backend.db)
    const thrown = await db.session(() =>
      db.query({ text: 'SELECT 1' }).catch((error: unknown) => error),
    )
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ kind: 'timeout', code: 'POOL_TIMEOUT' })
    expect((thrown as Error).message).toMatch(
      /^query failed: no free connection in the pool within connectionTimeoutMillis/,
    )
    expect((await db.query({ text: 'SELECT 1 AS one' })).rows).toEqual([{ one: 1 }])
  })
})

describe('connect()', () => {
  it('opens embedded PGlite when DATABASE_URL is not set', async () => {
    const saved = process.env.DATABASE_URL
    delete process.env.DATABASE_URL
    try {
      const db = await connect()
      expect(db.kind).toBe('pglite')
      expect(db.dialect).toBe('pglite')
      expect((await db.query({ text: 'SELECT 1::int8 AS n' })).rows).toEqual([{ n: 1n }])
      await db.close()
    } finally {
      if (saved !== undefined) process.env.DATABASE_URL = saved
    }
  })

  it('opens a pg pool with finite timeouts when given a URL', async () => {
    const db = await connect({ url: DATABASE_URL, lockTimeout: 5_000 })
    try {
      expect(db.kind).toBe('pg')
      expect(toDriver(db)).toBe(db)
      if (db.kind !== 'pg') throw new Error('expected pg')
      expect(db.pool.options.connectionTimeoutMillis).toBe(10_000)
      const { rows } = await db.query({
        text: "SELECT current_setting('statement_timeout') AS statement, current_setting('lock_timeout') AS lock",
      })
      expect(rows).toEqual([{ statement: '30s', lock: '5s' }])
    } finally {
      await db.close()
    }
  })

  it('cancels a statement that runs past statementTimeout', async () => {
    const db = await connect({ url: DATABASE_URL, statementTimeout: 100 })
    try {
      const thrown = await db.query({ text: 'SELECT pg_sleep(5)' }).catch((error: unknown) => error)
      expect(thrown).toMatchObject({ kind: 'timeout', code: '57014' })
      expect((thrown as Error).message).toBe(
        'query failed: canceling statement due to statement timeout (statement_timeout); make the query cheaper or raise statementTimeout',
      )
    } finally {
      await db.close()
    }
  })

  it('says which server it could not reach, without the password', async () => {
    const thrown = await connect({ url: 'postgresql://postgres:s3cret@127.0.0.1:1/shop' }).catch(
      (error: unknown) => error,
    )
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({
      code: 'CONNECTION_FAILED',
      kind: 'connection',
      operation: 'connect',
    })
    const message = (thrown as Error).message
    expect(message).toMatch(
      /^connect failed: could not connect to PostgreSQL at 127\.0\.0\.1:1\/shop as postgres \(.*ECONNREFUSED.*\)\. Is PostgreSQL running and reachable there\? Check the host and port of the database URL\.$/,
    )
    expect(message).not.toContain('s3cret')
  })
})
