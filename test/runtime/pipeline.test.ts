import { randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  FluentOrmError,
  type PgDatabase,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { DATABASE_URL } from '../support/backends.ts'

const tag = `fo_pipe_${randomBytes(5).toString('hex')}`
const schema = tag

/** A URL whose connections live in this file's schema and carry its application_name. */
function taggedUrl(name = tag): string {
  const url = new URL(DATABASE_URL)
  url.searchParams.set('application_name', name)
  url.searchParams.set('options', `-c search_path=${schema}`)
  return url.toString()
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

async function openPg(name = tag): Promise<PgDatabase> {
  const db = await connect({ url: taggedUrl(name) })
  if (db.kind !== 'pg') throw new Error('expected a pg Database')
  return db
}

/** The backends of the connections that carry `application_name` `name`. */
const connectionsNamed = (name: string) =>
  admin(async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [name],
    )
    return rows.map((row) => row.pid)
  })

const backendPid = (db: PgDatabase) =>
  db.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' }).then((r) => r.rows[0]!.pid)

describe('pipelining executor (connect() on PostgreSQL)', () => {
  let db: PgDatabase
  beforeAll(async () => {
    await admin((client) => client.query(`CREATE SCHEMA ${schema}`))
    db = await openPg()
    await db.exec('CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)')
  })
  afterAll(async () => {
    await db?.close()
    await admin((client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`))
  })

  it('answers many concurrent queries, each with its own rows, over two connections', async () => {
    const numbers = Array.from({ length: 400 }, (_, i) => i)
    const results = await Promise.all(
      numbers.map((n) => db.query<{ n: number }>({ text: 'SELECT $1::int * 2 AS n', values: [n] })),
    )
    expect(results.map((result) => result.rows)).toEqual(numbers.map((n) => [{ n: n * 2 }]))
    const pids = await Promise.all(Array.from({ length: 8 }, () => backendPid(db)))
    expect(new Set(pids).size).toBe(2)
  })

  it('writes the queries of one tick in one socket write, and answers each', async () => {
    const single = await connect({ url: taggedUrl(), pipeline: { connections: 1 } })
    const write = Socket.prototype.write
    let writes = 0
    try {
      await single.query({ text: 'SELECT 1' })
      Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
        writes++
        return (write as (...a: unknown[]) => boolean).apply(this, args)
      } as typeof write
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          single.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [n] }),
        ),
      )
      expect(burst.map((result) => result.rows[0]!.n)).toEqual([...Array(20).keys()])
      expect(writes).toBe(1)
      // Queries of separate ticks are separate writes.
      writes = 0
      for (let n = 0; n < 3; n++) await single.query({ text: 'SELECT $1::int', values: [n] })
      expect(writes).toBe(3)
    } finally {
      Socket.prototype.write = write
      await single.close()
    }
  })

  it('fails a failing query alone: the queries pipelined around it succeed', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        i % 10 === 5
          ? db.query({ text: 'SELECT 1 / $1::int AS n', values: [0] })
          : db.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [i] }),
      ),
    )
    outcomes.forEach((outcome, i) => {
      if (i % 10 === 5) {
        expect(outcome.status).toBe('rejected')
        const error = (outcome as PromiseRejectedResult).reason
        expect(error).toBeInstanceOf(FluentOrmError)
        expect(error).toMatchObject({ code: '22012', message: 'query failed: division by zero' })
      } else {
        expect(outcome).toEqual({ status: 'fulfilled', value: { rows: [{ n: i }], rowCount: 1 } })
      }
    })
  })

  it('runs named prepared statements on every pipelined connection', async () => {
    const name = 'fo_pipe_double'
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        db.query<{ n: number }>({ name, text: 'SELECT $1::int * 2 AS n', values: [i] }),
      ),
    )
    expect(results.map((result) => result.rows[0]!.n)).toEqual(
      Array.from({ length: 100 }, (_, i) => i * 2),
    )
    // Sent together, the two reads go to the two connections (least loaded first).
    const prepared = await Promise.all(
      [1, 2].map(() =>
        db.query<{ pid: number; statements: string[] }>({
          text: 'SELECT pg_backend_pid() AS pid, array_agg(name) AS statements FROM pg_prepared_statements',
        }),
      ),
    )
    expect(new Set(prepared.map((result) => result.rows[0]!.pid)).size).toBe(2)
    for (const result of prepared) expect(result.rows[0]!.statements).toContain(name)
  })

  it('pins a transaction to a pool connection: the pipelined reads do not see it', async () => {
    await db.query({ text: 'INSERT INTO accounts VALUES (1, 100)' })
    const pipelinedPids = new Set(await Promise.all([backendPid(db), backendPid(db)]))
    const seen = await transaction(db, async (tx) => {
      await tx.query({ text: 'UPDATE accounts SET balance = 0 WHERE id = 1' })
      const inside = await tx.query<{ balance: number; pid: number }>({
        text: 'SELECT balance, pg_backend_pid() AS pid FROM accounts WHERE id = 1',
      })
      const outside = await Promise.all(
        Array.from({ length: 10 }, () =>
          db.query<{ balance: number }>({ text: 'SELECT balance FROM accounts WHERE id = 1' }),
        ),
      )
      return { inside: inside.rows[0]!, outside: outside.map((result) => result.rows[0]!.balance) }
    })
    expect(seen.inside.balance).toBe(0)
    expect(pipelinedPids.has(seen.inside.pid)).toBe(false)
    expect(seen.outside).toEqual(Array.from({ length: 10 }, () => 100))
    expect((await db.query({ text: 'SELECT balance FROM accounts WHERE id = 1' })).rows).toEqual([
      { balance: 0 },
    ])
  })

  it('runs session statements on a pool connection, never on the shared ones', async () => {
    const before = await db.query({ text: "SELECT current_setting('statement_timeout') AS t" })
    await db.session(async (session) => {
      await session.query({ text: "SET statement_timeout = '1s'" })
    })
    await db.query({ text: "SET statement_timeout = '2s'" })
    const after = await Promise.all(
      Array.from({ length: 6 }, () =>
        db.query({ text: "SELECT current_setting('statement_timeout') AS t" }),
      ),
    )
    for (const result of after) expect(result.rows).toEqual(before.rows)
  })

  it('reports a killed backend as a lost connection, then recovers', async () => {
    const marker = `m_${randomBytes(5).toString('hex')}`
    const victim = db.query({ text: `SELECT pg_sleep(30) AS ${marker}` })
    const neighbours = Array.from({ length: 5 }, () => db.query({ text: 'SELECT pg_sleep(0.2)' }))
    const thrown = await Promise.all([
      victim.catch((error: unknown) => error),
      admin(async (client) => {
        for (;;) {
          const { rows } = await client.query(
            'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()',
            [`%${marker}%`],
          )
          if (rows.length > 0) return
          await new Promise((resolve) => setTimeout(resolve, 20))
        }
      }),
      Promise.allSettled(neighbours),
    ]).then(([error]) => error)
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ kind: 'connection', code: '57P01' })
    expect((thrown as Error).message).toMatch(
      /^query failed: the database connection was lost \(terminating connection due to administrator command\)/,
    )
    const after = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [i] }),
      ),
    )
    expect(after.map((result) => result.rows[0]!.n)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    )
  })

  it('opens one connection at start-up, which the first queries use; the pool opens its own for the first transaction', async () => {
    const name = `${tag}_start`
    const started = await openPg(name)
    try {
      const [first] = await connectionsNamed(name)
      expect(await connectionsNamed(name)).toEqual([first])
      expect(await backendPid(started)).toBe(first)
      expect(started.pool.totalCount).toBe(0)
      const inTransaction = await transaction(started, (tx) =>
        tx.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' }),
      )
      expect(inTransaction.rows[0]!.pid).not.toBe(first)
      expect((await connectionsNamed(name)).sort()).toEqual(
        [first, inTransaction.rows[0]!.pid].sort(),
      )
    } finally {
      await started.close()
    }
  })

  it('close() ends every connection, and a later query fails clearly', async () => {
    const name = `${tag}_close`
    const closing = await openPg(name)
    await Promise.all([
      ...Array.from({ length: 10 }, () => closing.query({ text: 'SELECT 1' })),
      closing.transaction((tx) => tx.query({ text: 'SELECT 1' })),
    ])
    const count = async () => (await connectionsNamed(name)).length
    expect(await count()).toBe(3)
    await closing.close()
    // The server notices a closed socket asynchronously; wait until it has.
    while ((await count()) > 0) await new Promise((resolve) => setTimeout(resolve, 20))
    const thrown = await closing.query({ text: 'SELECT 1' }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ kind: 'connection' })
  })
})

describe('connect({ pipeline: false })', () => {
  it('sends every query through the pool', async () => {
    const db = await connect({ url: DATABASE_URL, pipeline: false })
    try {
      if (db.kind !== 'pg') throw new Error('expected pg')
      const before = db.pool.totalCount
      await Promise.all(
        Array.from({ length: 8 }, () => db.query({ text: 'SELECT pg_sleep(0.05)' })),
      )
      expect(before).toBe(1)
      expect(db.pool.totalCount).toBeGreaterThan(1)
    } finally {
      await db.close()
    }
  })

  it('rejects a pipeline size that is not a whole number', async () => {
    const thrown = await connect({ url: DATABASE_URL, pipeline: { connections: 0 } }).catch(
      (error: unknown) => error,
    )
    expect(thrown).toMatchObject({ code: 'INVALID_OPTION', kind: 'invalid_usage' })
  })
})
