import { afterEach, describe, expect, it } from 'vitest'
import { optionSettings, splitUrlOptions } from '../../packages/runtime/src/connect-url.ts'
import {
  connect,
  FluentOrmError,
  type PgDatabase,
} from '../../packages/runtime/src/executor/index.ts'
import type { DeadlineSettings } from '../../packages/runtime/src/executor/query-deadline.ts'
import { settingMs } from '../../packages/runtime/src/executor/session-timeout.ts'
import { DATABASE_URL } from '../support/backends.ts'

const refusal = (options: Parameters<typeof connect>[0]) =>
  connect(options).then(
    (db) => db.close().then(() => undefined),
    (error: unknown) => error as FluentOrmError,
  )

describe('connect() refuses a URL that is not PostgreSQL, before connecting', () => {
  const saved = process.env.DATABASE_URL
  afterEach(() => {
    process.env.DATABASE_URL = saved
  })

  it.each([
    [
      'postgresql://app:s3cret@db:notaport/shop',
      'is not a valid URL (postgresql://app:***@db:notaport/shop',
    ],
    ['postgres://app:s3cret@[::1/shop', 'is not a valid URL (postgres://app:***@[::1/shop'],
    ['localhost', 'is not a valid URL (localhost'],
    [
      'mysql://root:s3cret@127.0.0.1:3306/app',
      'is a mysql:// URL (mysql://root:***@127.0.0.1:3306/app), but fluentorm connects to PostgreSQL only',
    ],
    ['sqlite:///tmp/app.db', 'is a sqlite:// URL'],
  ])('%s: INVALID_CONFIG, says what is wrong and what to pass, no password', async (url, what) => {
    const error = await refusal({ url })
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error).toMatchObject({
      code: 'INVALID_CONFIG',
      kind: 'invalid_usage',
      operation: 'connect',
    })
    expect(error!.message).toContain(`the url passed to connect() ${what}`)
    expect(error!.message).toContain('Pass postgresql://user:password@host:5432/database')
    expect(error!.message).not.toContain('s3cret')
  })

  it('names DATABASE_URL when the URL came from it, and offers PGlite', async () => {
    process.env.DATABASE_URL = 'mysql://root:s3cret@127.0.0.1/app'
    const error = await refusal({})
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' })
    expect(error!.message).toContain('DATABASE_URL is a mysql:// URL')
    expect(error!.message).toContain('or unset DATABASE_URL to use embedded PGlite')
    expect(error!.message).not.toContain('s3cret')
  })

  it('accepts postgres:// as well as postgresql://', async () => {
    const url = DATABASE_URL.replace(/^postgresql:/, 'postgres:')
    expect(await refusal({ url, pipeline: false })).toBeUndefined()
  })

  it('refuses ?options= in the URL behind a pooler, which would refuse it', async () => {
    const error = await refusal({
      url: `${DATABASE_URL}?options=-c%20search_path%3Dx`,
      pooler: 'transaction',
    })
    expect(error).toMatchObject({ code: 'INVALID_CONFIG' })
    expect(error!.message).toContain('the URL has ?options=, which a pooler refuses')
  })

  it('refuses an option it does not have, misspelt or nested, naming the ones it has', async () => {
    // Read as no option, `poolr: 'transaction'` ran without pooler mode behind PgBouncer.
    for (const [options, name] of [
      [{ url: DATABASE_URL, poolr: 'transaction' }, 'poolr'],
      [{ url: DATABASE_URL, connectionString: DATABASE_URL }, 'connectionString'],
      [{ url: DATABASE_URL, pool: { maxConnections: 5 } }, 'pool.maxConnections'],
    ] as const) {
      const error = await refusal(options as never)
      expect(error).toMatchObject({ code: 'INVALID_OPTION', kind: 'invalid_usage' })
      expect(error!.message).toContain(`connect() has no option ${name}; its options are `)
      expect(error!.message).toMatch(/\b(?:pooler|pool\.max)\b/)
    }
  })

  it('refuses an unknown pooler mode', async () => {
    const error = await refusal({ url: DATABASE_URL, pooler: 'statement' as 'session' })
    expect(error).toMatchObject({ code: 'INVALID_OPTION', kind: 'invalid_usage' })
    expect(error!.message).toContain(`pooler must be 'transaction'`)
  })
})

describe('connect() refuses numeric options that are not whole numbers, before connecting', () => {
  it.each([
    [{ lockTimeout: 'x' }, 'lockTimeout must be a whole number of at least 0, got "x"'],
    [{ statementTimeout: -1 }, 'statementTimeout must be a whole number of at least 0, got -1'],
    [{ statementTimeout: 1.5 }, 'statementTimeout must be a whole number of at least 0, got 1.5'],
    [
      { statementCacheSize: Number.NaN },
      'statementCacheSize must be a whole number of at least 0, got NaN',
    ],
    [{ pool: { max: 0 } }, 'pool.max must be a whole number of at least 1, got 0'],
    [{ pool: 'big' }, 'pool must be an object'],
    [
      { pipeline: { connections: '2' } },
      'pipeline.connections must be a whole number of at least 1, got "2"',
    ],
  ])('%j', async (options, message) => {
    const error = await refusal({ url: DATABASE_URL, ...(options as object) })
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error?.code).toBe('INVALID_OPTION')
    expect(error?.message).toContain(message)
  })

  it('accepts the documented forms', async () => {
    expect(
      await refusal({
        url: DATABASE_URL,
        statementTimeout: 0,
        lockTimeout: 1000,
        pool: { max: 2 },
      }),
    ).toBeUndefined()
  })
})

describe("the URL's ?options= and connect()'s timeouts, both sent", () => {
  const urlWith = (options: string) => {
    const url = new URL(DATABASE_URL)
    url.searchParams.set('options', options)
    return url.toString()
  }

  /** What the server runs with, and the deadline the Database keeps for its statements. */
  async function settingsOf(options: Parameters<typeof connect>[0]) {
    const db = (await connect(options)) as PgDatabase
    try {
      const { rows } = await db.query<Record<string, string>>({
        text: "SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('lock_timeout') AS lock_timeout, current_setting('search_path') AS search_path",
      })
      const own = db as unknown as {
        settings?: DeadlineSettings
        pipeline?: { settings: DeadlineSettings }
      }
      const { queryTimeout, statementTimeout } = (own.pipeline?.settings ?? own.settings)!
      return { server: rows[0], deadline: { queryTimeout, statementTimeout } }
    } finally {
      await db.close()
    }
  }

  it.each([
    { mode: 'pipelined', pipeline: undefined },
    { mode: 'through the pool', pipeline: false as const },
  ])("sets the URL's search_path and the connect() timeouts, $mode", async ({ pipeline }) => {
    const got = await settingsOf({
      url: urlWith('-c search_path=fo_url_options,public'),
      statementTimeout: 300,
      lockTimeout: 1234,
      pipeline,
    })
    expect(got).toEqual({
      server: {
        statement_timeout: '300ms',
        lock_timeout: '1234ms',
        search_path: 'fo_url_options,public',
      },
      // 300 + pool.connectionTimeoutMillis 10_000 + 1_000
      deadline: { queryTimeout: 11_300, statementTimeout: 300 },
    })
  })

  it("takes the URL's timeouts over the defaults, the connect() options over the URL's, and derives the deadline from what the server got", async () => {
    const url = urlWith('-c statement_timeout=5s -c lock_timeout=1s')
    expect(await settingsOf({ url })).toMatchObject({
      server: { statement_timeout: '5s', lock_timeout: '1s' },
      deadline: { queryTimeout: 16_000, statementTimeout: 5_000 },
    })
    // 0 too: over the URL's value, "none" has to be sent.
    expect(await settingsOf({ url, statementTimeout: 700, lockTimeout: 0 })).toMatchObject({
      server: { statement_timeout: '700ms', lock_timeout: '0' },
      deadline: { queryTimeout: 11_700, statementTimeout: 700 },
    })
    expect(
      await settingsOf({ url: urlWith('-c statement_timeout=0'), pipeline: false }),
    ).toMatchObject({
      server: { statement_timeout: '0' },
      deadline: { queryTimeout: 0, statementTimeout: 0 },
    })
  })

  it('runs the example of docs/CONNECT.md', async () => {
    const url = `${DATABASE_URL}?options=-c%20search_path%3Dapp%20-c%20lock_timeout%3D1s`
    expect(await settingsOf({ url, lockTimeout: 2_000 })).toMatchObject({
      server: { statement_timeout: '30s', lock_timeout: '2s', search_path: 'app' },
    })
  })

  it('takes ?options= out of the URL pg is given, the rest as written', () => {
    expect(
      splitUrlOptions(
        'postgresql://app:p%40ss@db:5433/shop?sslmode=disable&options=-c%20a%3D1&application_name=a+b#x',
      ),
    ).toEqual({
      connectionString:
        'postgresql://app:p%40ss@db:5433/shop?sslmode=disable&application_name=a+b#x',
      options: '-c a=1',
    })
    expect(splitUrlOptions('postgresql://db/shop?options=-c search_path=app')).toEqual({
      connectionString: 'postgresql://db/shop',
      options: '-c search_path=app',
    })
    // pg reads the last one.
    expect(splitUrlOptions('postgresql://db/shop?options=-ca%3D1&options=-cb%3D2').options).toBe(
      '-cb=2',
    )
    for (const url of ['postgresql://db/shop', 'postgresql://db/shop#?options=x', '/tmp shop']) {
      expect(splitUrlOptions(url)).toEqual({ connectionString: url, options: undefined })
    }
  })

  it('reads the settings of startup options as the server does', () => {
    expect(
      Object.fromEntries(
        optionSettings(
          '-c search_path=a\\ b -cStatement_Timeout=5s --lock-timeout=1min -B 100 -c statement_timeout=2s',
        ),
      ),
    ).toEqual({ search_path: 'a b', statement_timeout: '2s', lock_timeout: '1min' })
    expect(
      ['5000', '5s', ' 1.5 min', '250us', '2h', '1d', '0', '5S', '010', '0x10', 'x'].map(settingMs),
    ).toEqual([
      5_000,
      5_000,
      90_000,
      0,
      7_200_000,
      86_400_000,
      0,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })
})
