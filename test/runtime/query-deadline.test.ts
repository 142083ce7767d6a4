import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  FluentOrmError,
  type PgDatabase,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import {
  noteStatementTimeout,
  sessionDeadline,
} from '../../packages/runtime/src/executor/session-timeout.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { type BlackHoleProxy, startBlackHoleProxy } from '../support/black-hole-proxy.ts'

// A short deadline keeps the test quick; the test's own timeout stays generous, as the
// machine may be busy.
const queryTimeout = 500
const generous = { timeout: 60_000 }

/** Waits for every promise and returns what each threw (undefined for none). */
const failures = (calls: Promise<unknown>[]) =>
  Promise.all(calls.map((call) => call.then(() => undefined).catch((error: unknown) => error)))

function expectTimedOut(errors: unknown[]): void {
  for (const error of errors) {
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error).toMatchObject({ code: 'CONNECTION_TIMEOUT', kind: 'connection' })
    expect((error as Error).message).toMatch(
      /^(?:query|connect) failed: no answer from PostgreSQL within queryTimeout \(500 ms\): the network or the server went silent\. The statement (?:may or may not have run|was not sent \(no connection answered in time\))\. The connection was closed and the next statement opens a new one/,
    )
  }
}

/** Runs `fn`, returning how long it took in ms. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now()
  const value = await fn()
  return { value, ms: performance.now() - start }
}

describe.each([
  { mode: 'pipelined', pipeline: undefined },
  { mode: 'through the pool', pipeline: false as const },
])('a network that goes silent, $mode', ({ pipeline }) => {
  let proxy: BlackHoleProxy
  let db: PgDatabase
  beforeAll(async () => {
    proxy = await startBlackHoleProxy()
    db = (await connect({ url: proxy.url, pipeline, queryTimeout, pool: { max: 3 } })) as PgDatabase
  })
  afterAll(async () => {
    proxy?.resume()
    await db?.close()
    await proxy?.close()
  })

  it(
    'fails the queries in flight and new ones with CONNECTION_TIMEOUT within the deadline, then the same db serves again',
    generous,
    async () => {
      await Promise.all(Array.from({ length: 6 }, () => db.query({ text: 'SELECT 1' })))
      proxy.blackHole()
      const inFlight = await timed(() =>
        failures(
          Array.from({ length: 6 }, (_, i) =>
            db.query({ text: 'SELECT $1::int AS n', values: [i] }),
          ),
        ),
      )
      expectTimedOut(inFlight.value)
      expect(inFlight.ms).toBeGreaterThanOrEqual(queryTimeout - 5)
      expect(inFlight.ms).toBeLessThan(queryTimeout + 5_000)

      // New queries meet a new connection that is accepted and never answered.
      const later = await timed(() =>
        failures([db.query({ text: 'SELECT 2' }), db.query({ text: 'SELECT 3' })]),
      )
      expectTimedOut(later.value)
      expect(later.ms).toBeLessThan(queryTimeout + 5_000)

      proxy.resume()
      const recovered = await timed(() => db.query<{ n: number }>({ text: 'SELECT 7 AS n' }))
      expect(recovered.value.rows).toEqual([{ n: 7 }])
      expect(recovered.ms).toBeLessThan(queryTimeout + 5_000)
      const after = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.query<{ n: number }>({ text: 'SELECT $1::int AS n', values: [i] }),
        ),
      )
      expect(after.map((result) => result.rows[0]!.n)).toEqual(
        Array.from({ length: 20 }, (_, i) => i),
      )
    },
  )

  it(
    'fails a transaction whose statement gets no answer, and runs the next one after the network returns',
    generous,
    async () => {
      const thrown = await transaction(db, async (tx) => {
        await tx.query({ text: 'SELECT 1' })
        proxy.blackHole()
        await tx.query({ text: 'SELECT 2' })
      }).catch((error: unknown) => error)
      expectTimedOut([thrown])
      expect(thrown).toMatchObject({ sql: 'SELECT 2' })
      // A transaction begun while the network is silent fails too.
      expectTimedOut(await failures([transaction(db, (tx) => tx.query({ text: 'SELECT 3' }))]))
      proxy.resume()
      const rows = await transaction(
        db,
        async (tx) => (await tx.query({ text: 'SELECT 4 AS n' })).rows,
      )
      expect(rows).toEqual([{ n: 4 }])
    },
  )
})

describe('the deadline and the timeouts it follows', () => {
  let proxy: BlackHoleProxy
  beforeAll(async () => {
    proxy = await startBlackHoleProxy()
  })
  afterAll(() => proxy?.close())

  it(
    'lets a session that raises its own statement_timeout (as migrate() does) run past queryTimeout',
    generous,
    async () => {
      // statementTimeout 400 + a margin of 100: a session that sets 2 s gets 2.1 s.
      const db = await connect({ url: proxy.url, statementTimeout: 400, queryTimeout })
      try {
        const slept = await db.session(async (session) => {
          await session.exec('SET statement_timeout = 2000')
          const { rows } = await session.query({ text: 'SELECT 1 AS slept FROM pg_sleep(0.8)' })
          await session.exec('RESET statement_timeout')
          return rows
        })
        expect(slept).toEqual([{ slept: 1 }])
        const thrown = await db.session((session) =>
          session.query({ text: 'SELECT pg_sleep(0.8)' }).catch((error: unknown) => error),
        )
        // Reset: PostgreSQL's 400 ms statement_timeout fires first (57014), not the deadline.
        expect(thrown).toMatchObject({ code: '57014' })
      } finally {
        await db.close()
      }
    },
  )

  it(
    'times a statement out at its own deadline when a later one of another Database was asked first',
    generous,
    async () => {
      // One timer watches every deadline of the process, armed for the earliest: a 500 ms
      // deadline asked after a 20 s one must still fire at 500 ms.
      const patient = await connect({ url: DATABASE_URL, queryTimeout: 20_000 })
      const quick = await connect({ url: proxy.url, queryTimeout })
      try {
        await quick.query({ text: 'SELECT 1' })
        // Past the deadlines asked so far: the timer now waits for the patient one alone.
        await new Promise((resolve) => setTimeout(resolve, queryTimeout + 200))
        const sleeping = timed(() => patient.query({ text: 'SELECT 1 AS slept FROM pg_sleep(2)' }))
        proxy.blackHole()
        const silent = await timed(() => failures([quick.query({ text: 'SELECT 2' })]))
        expectTimedOut(silent.value)
        expect(silent.ms).toBeGreaterThanOrEqual(queryTimeout - 5)
        const slept = await sleeping
        expect(slept.value.rows).toEqual([{ slept: 1 }])
        // The quick one failed while the patient one was still waiting for its answer.
        expect(silent.ms).toBeLessThan(slept.ms)
      } finally {
        proxy.resume()
        await Promise.all([patient.close(), quick.close()])
      }
    },
  )

  it(
    'does not count the wait behind the statements ahead on a pipelined connection',
    generous,
    async () => {
      // 20 statements of 0.3 s on one connection: the last answers 6 s after it was sent,
      // each within 0.3 s of the one ahead of it, on a healthy network.
      const db = await connect({
        url: DATABASE_URL,
        pipeline: { connections: 1 },
        queryTimeout: 4_000,
      })
      try {
        const slow = Array.from({ length: 20 }, (_, i) =>
          db.query<{ i: number }>({ text: 'SELECT pg_sleep(0.3), $1::int AS i', values: [i] }),
        )
        const quick = Array.from({ length: 4 }, (_, i) =>
          db.query<{ i: number }>({ text: 'SELECT $1::int AS i', values: [20 + i] }),
        )
        const answers = await Promise.allSettled([...slow, ...quick])
        expect(answers.filter((answer) => answer.status === 'rejected')).toEqual([])
        expect(
          answers.map(
            (answer) =>
              (answer as PromiseFulfilledResult<{ rows: { i: number }[] }>).value.rows[0]!.i,
          ),
        ).toEqual(Array.from({ length: 24 }, (_, i) => i))
      } finally {
        await db.close()
      }
    },
  )

  it(
    'still fails the statements queued on a pipelined connection when the network goes silent behind them',
    generous,
    async () => {
      const db = await connect({ url: proxy.url, pipeline: { connections: 1 }, queryTimeout })
      try {
        const first = db.query({ text: 'SELECT 1 AS n' })
        const queued = Array.from({ length: 5 }, (_, i) =>
          db.query({ text: 'SELECT pg_sleep(0.3), $1::int AS i', values: [i] }),
        )
        await first
        // The first queued statement is the server's from now on; nothing more is answered.
        proxy.blackHole()
        const silent = await timed(() => failures(queued))
        expectTimedOut(silent.value)
        expect(silent.ms).toBeGreaterThanOrEqual(queryTimeout - 50)
        expect(silent.ms).toBeLessThan(queryTimeout + 5_000)
        proxy.resume()
        expect((await db.query({ text: 'SELECT 2 AS n' })).rows).toEqual([{ n: 2 }])
      } finally {
        proxy.resume()
        await db.close()
      }
    },
  )

  it('bounds a COPY by the deadline too', generous, async () => {
    const db = await connect({ url: proxy.url, queryTimeout })
    const table = `copy_deadline_${process.pid}_${Date.now()}`
    try {
      await db.exec(`CREATE TABLE ${table} (n int)`)
      proxy.blackHole()
      const thrown = await db.copyFrom!({ table, columns: ['n'] }, [[1], [2]]).catch(
        (error: unknown) => error,
      )
      expect(thrown).toMatchObject({ code: 'CONNECTION_TIMEOUT', kind: 'connection' })
      expect((thrown as Error).message).toMatch(
        /^(?:copyFrom|connect) failed: no answer from PostgreSQL within queryTimeout \(500 ms\)/,
      )
      proxy.resume()
      expect(await db.copyFrom!({ table, columns: ['n'] }, [[3]])).toBe(1)
    } finally {
      proxy.resume()
      await db.exec(`DROP TABLE IF EXISTS ${table}`)
      await db.close()
    }
  })

  it(
    'derives queryTimeout from statementTimeout and turns TCP keepalive on',
    generous,
    async () => {
      const db = (await connect({ url: proxy.url, statementTimeout: 0 })) as PgDatabase
      try {
        expect(db.pool.options).toMatchObject({
          keepAlive: true,
          keepAliveInitialDelayMillis: 10_000,
        })
        // statementTimeout 0 (never): no deadline either, so a long statement runs.
        proxy.blackHole()
        const late = db.query({ text: 'SELECT 5 AS n' })
        const raced = await Promise.race([
          late.then(() => 'answered'),
          new Promise((resolve) => setTimeout(() => resolve('still waiting'), queryTimeout * 2)),
        ])
        expect(raced).toBe('still waiting')
        proxy.resume()
        expect((await late).rows).toEqual([{ n: 5 }])
      } finally {
        await db.close()
      }
    },
  )
})

describe("a session's own statement_timeout, read from what it ran", () => {
  // queryTimeout 41 s over a statementTimeout of 30 s: a margin of 11 s.
  const deadline = (wire: object) => sessionDeadline(wire, 41_000, 30_000)

  it('follows SET, SET LOCAL until the transaction ends, and RESET', () => {
    const wire = {}
    expect(deadline(wire)).toBe(41_000)
    noteStatementTimeout(wire, 'SET lock_timeout = 10000; SET statement_timeout = 600000')
    expect(deadline(wire)).toBe(611_000)
    noteStatementTimeout(wire, "SET LOCAL statement_timeout TO '2min'")
    expect(deadline(wire)).toBe(131_000)
    noteStatementTimeout(wire, 'ROLLBACK TO SAVEPOINT sp_1')
    expect(deadline(wire)).toBe(131_000)
    noteStatementTimeout(wire, 'COMMIT')
    expect(deadline(wire)).toBe(611_000)
    noteStatementTimeout(wire, 'SET statement_timeout = 0')
    expect(deadline(wire)).toBe(0)
    noteStatementTimeout(wire, 'RESET lock_timeout; RESET statement_timeout')
    expect(deadline(wire)).toBe(41_000)
    noteStatementTimeout(wire, "SET SESSION statement_timeout = '1s'")
    expect(deadline(wire)).toBe(41_000)
    noteStatementTimeout(wire, 'RESET ALL')
    expect(deadline(wire)).toBe(41_000)
  })

  it('keeps no deadline when queryTimeout is 0', () => {
    const wire = {}
    noteStatementTimeout(wire, 'SET statement_timeout = 600000')
    expect(sessionDeadline(wire, 0, 30_000)).toBe(0)
  })
})
