import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import {
  connect,
  FluentOrmError,
  toDriver,
  toFluentError,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { type BlackHoleProxy, startBlackHoleProxy } from '../support/black-hole-proxy.ts'

/**
 * The same fault gives the same code, kind and message in every mode: each fault below is
 * produced for real (a proxy on loopback, pg_terminate_backend from another session, a
 * statement sent with too few values) in each mode it can happen in.
 */

type Query = (text: string, values?: unknown[]) => Promise<unknown>

/** A way of running statements; `session` runs `fn`'s statements as that mode does. */
interface Opened {
  session<T>(fn: (query: Query) => Promise<T>): Promise<T>
  close(): Promise<void>
}

interface Mode {
  readonly name: 'pipelined pool' | 'plain pool' | 'client' | 'transaction' | 'pglite'
  open(url: string): Promise<Opened>
}

const queryTimeout = 500

const fromDriver =
  (driver: { query(config: { text: string; values?: unknown[] }): Promise<unknown> }): Query =>
  (text, values) =>
    driver.query({ text, values })

const modes: readonly Mode[] = [
  {
    name: 'pipelined pool',
    async open(url) {
      const db = await connect({ url, queryTimeout })
      return { session: (fn) => fn(fromDriver(db)), close: () => db.close() }
    },
  },
  {
    name: 'plain pool',
    async open(url) {
      const db = await connect({ url, pipeline: false, queryTimeout })
      return { session: (fn) => fn(fromDriver(db)), close: () => db.close() }
    },
  },
  {
    name: 'client',
    async open(url) {
      const client = new pg.Client({ connectionString: url })
      client.on('error', () => undefined)
      await client.connect()
      const driver = toDriver(client)
      return { session: (fn) => fn(fromDriver(driver)), close: () => client.end() }
    },
  },
  {
    name: 'transaction',
    async open(url) {
      const db = await connect({ url, queryTimeout })
      return {
        session: (fn) => transaction(db, (tx) => fn(fromDriver(tx))),
        close: () => db.close(),
      }
    },
  },
  {
    name: 'pglite',
    async open() {
      const db = await PGlite.create()
      return { session: (fn) => fn(fromDriver(toDriver(db))), close: () => db.close() }
    },
  },
]

interface Expected {
  readonly code: string
  readonly kind: string
  readonly message: RegExp
}

interface Fault {
  readonly name: string
  readonly modes: readonly Mode['name'][]
  readonly expected: Expected
  /** Produces the fault on `opened` (through `proxy` when it needs the network) and returns what was thrown. */
  produce(opened: Opened, proxy: BlackHoleProxy): Promise<unknown>
}

const pgModes = ['pipelined pool', 'plain pool', 'client', 'transaction'] as const

/** Kills, from another session, the backend `pid`, and waits until it has exited (having sent its FATAL message). */
async function terminate(pid: number): Promise<void> {
  await asAdmin(async (admin) => {
    await admin.query('SELECT pg_terminate_backend($1)', [pid])
    for (;;) {
      const { rows } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])
      if (rows.length === 0) return
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })
}

async function asAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  try {
    return await fn(admin)
  } finally {
    await admin.end()
  }
}

/** The pid of the backend running the statement containing `marker`, once it runs. */
function runningOnServer(marker: string): Promise<number> {
  return asAdmin(async (admin) => {
    for (;;) {
      const { rows } = await admin.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE $1',
        [`%${marker}%`],
      )
      if (rows[0]) return rows[0].pid
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  })
}

const caught = (call: Promise<unknown>) =>
  call.then(() => undefined).catch((error: unknown) => error)

const lostReason =
  'the statement may or may not have run. The broken connection is discarded: retry if the operation is idempotent'

const faults: readonly Fault[] = [
  {
    name: 'nothing listens on the port any more (refused)',
    modes: ['pipelined pool', 'plain pool', 'transaction'],
    expected: {
      code: 'CONNECTION_FAILED',
      kind: 'connection',
      message:
        /^(?:query|connect) failed: could not open a connection to PostgreSQL \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); the statement was not sent\. PostgreSQL is not accepting connections there: if it is restarting, retry shortly/,
    },
    async produce(opened, proxy) {
      await opened.session((query) => query('SELECT 1'))
      await proxy.close()
      // The connections the proxy closed are noticed and discarded (a statement sent on one
      // before that is CONNECTION_LOST); then every statement meets a refused connection.
      for (let attempt = 0; ; attempt++) {
        const error = await caught(opened.session((query) => query('SELECT 1')))
        if ((error as FluentOrmError).code !== 'CONNECTION_LOST' || attempt === 5) return error
      }
    },
  },
  {
    name: 'the backend is terminated under a statement (what a server restart does)',
    modes: pgModes,
    expected: {
      code: '57P01',
      kind: 'connection',
      message: new RegExp(
        `^query failed: the database connection was lost \\(terminating connection due to administrator command\\); ${lostReason}$`,
      ),
    },
    async produce(opened) {
      const marker = `m_${randomBytes(5).toString('hex')}`
      const [error] = await Promise.all([
        caught(opened.session((query) => query(`SELECT pg_sleep(30) AS ${marker}`))),
        runningOnServer(marker).then(terminate),
      ])
      return error
    },
  },
  {
    name: 'the backend is terminated between two statements of one session',
    modes: ['client', 'transaction'],
    expected: {
      code: '57P01',
      kind: 'connection',
      message: new RegExp(
        `^query failed: the database connection was lost \\(terminating connection due to administrator command\\); ${lostReason}$`,
      ),
    },
    produce: (opened) =>
      caught(
        opened.session(async (query) => {
          const { rows } = (await query('SELECT pg_backend_pid() AS pid')) as {
            rows: { pid: number }[]
          }
          await terminate(rows[0]!.pid)
          await query('SELECT 1')
        }),
      ),
  },
  {
    name: 'the connection is reset (ECONNRESET)',
    modes: pgModes,
    expected: {
      code: 'CONNECTION_LOST',
      kind: 'connection',
      message: new RegExp(
        `^query failed: the database connection was lost \\(read ECONNRESET\\); ${lostReason}$`,
      ),
    },
    async produce(opened, proxy) {
      const marker = `m_${randomBytes(5).toString('hex')}`
      const running = caught(opened.session((query) => query(`SELECT pg_sleep(30) AS ${marker}`)))
      await runningOnServer(marker)
      proxy.reset()
      return running
    },
  },
  {
    name: 'the network goes silent (no FIN, no RST)',
    modes: ['pipelined pool', 'plain pool', 'transaction'],
    expected: {
      code: 'CONNECTION_TIMEOUT',
      kind: 'connection',
      message:
        /^query failed: no answer from PostgreSQL within queryTimeout \(500 ms\): the network or the server went silent\. The statement may or may not have run\./,
    },
    async produce(opened, proxy) {
      return caught(
        opened.session(async (query) => {
          await query('SELECT 1')
          proxy.blackHole()
          await query('SELECT 2')
        }),
      ).finally(() => proxy.resume())
    },
  },
  {
    name: 'a statement is sent with fewer values than its placeholders (08P01)',
    modes: [...pgModes, 'pglite'],
    expected: {
      code: '08P01',
      kind: 'protocol_violation',
      message:
        /^query failed: bind message supplies 1 parameters, but prepared statement "" requires 2 \(08P01 protocol_violation\): what was sent does not fit the statement, such as fewer values than its \$n placeholders\. This is a bug in the code that built the query, not a network problem; the connection stays usable$/,
    },
    async produce(opened) {
      const error = await caught(
        opened.session((query) => query('SELECT $1::int + $2::int AS n', [1])),
      )
      // The connection (the client's own, in client mode) answers the next statement.
      await opened.session((query) => query('SELECT 1'))
      return error
    },
  },
]

const cases = faults.flatMap((fault) =>
  modes
    .filter((mode) => fault.modes.includes(mode.name))
    .map((mode) => ({ fault: fault.name, mode: mode.name, run: { fault, mode } })),
)

describe('the same fault, the same error in every mode', () => {
  it.each(cases)('$fault, $mode', { timeout: 60_000 }, async ({ run: { fault, mode } }) => {
    const proxy = await startBlackHoleProxy()
    const opened = await mode.open(proxy.url)
    try {
      const thrown = await fault.produce(opened, proxy)
      expect(thrown).toBeInstanceOf(FluentOrmError)
      const error = thrown as FluentOrmError
      expect({ code: error.code, kind: error.kind }).toEqual({
        code: fault.expected.code,
        kind: fault.expected.kind,
      })
      expect(error.message).toMatch(fault.expected.message)
      expect(error.message).not.toContain('DATABASE_URL')
      expect(error.message).not.toContain('not queryable')
    } finally {
      proxy.resume()
      await opened.close().catch(() => undefined)
      await proxy.close()
    }
  })

  it('never takes a system error code for a SQLSTATE (EPIPE has 5 capitals)', () => {
    const epipe = Object.assign(new Error('write EPIPE'), {
      code: 'EPIPE',
      errno: -32,
      syscall: 'write',
    })
    const error = toFluentError(epipe, { operation: 'query', sql: 'SELECT 1' })
    expect({ code: error.code, kind: error.kind }).toEqual({
      code: 'CONNECTION_LOST',
      kind: 'connection',
    })
    expect(error.message).toBe(
      `query failed: the database connection was lost (write EPIPE); ${lostReason}`,
    )
  })

  it('tells a refused first connection in connect() to check the URL, and a server starting up to retry', async () => {
    const refused = await connect({ url: 'postgresql://postgres@127.0.0.1:1/test' }).catch(
      (error: unknown) => error,
    )
    expect(refused).toMatchObject({ code: 'CONNECTION_FAILED', kind: 'connection' })
    expect((refused as Error).message).toContain('Check the host and port of the database URL.')
    const starting = Object.assign(new Error('the database system is starting up'), {
      code: '57P03',
      severity: 'FATAL',
    })
    const error = toFluentError(starting, { operation: 'query' })
    expect({ code: error.code, kind: error.kind }).toEqual({ code: '57P03', kind: 'connection' })
    expect(error.message).toMatch(
      /^query failed: could not open a connection to PostgreSQL \(the database system is starting up\); the statement was not sent\./,
    )
  })
})
