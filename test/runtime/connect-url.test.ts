import { afterEach, describe, expect, it } from 'vitest'
import { connect, FluentOrmError } from '../../packages/runtime/src/executor/index.ts'
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
