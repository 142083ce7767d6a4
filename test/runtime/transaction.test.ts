import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type Driver,
  type Executor,
  FluentOrmError,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { BACKENDS, type Backend, pgliteBackend } from '../support/backends.ts'

describe.each(BACKENDS)('transaction on $name', ({ open }) => {
  let backend: Backend
  let db: Driver
  const names = async () =>
    (await db.query<{ name: string }>({ text: 'SELECT name FROM items ORDER BY name' })).rows.map(
      (row) => row.name,
    )
  const add = (tx: Driver, name: string) =>
    tx.query({ text: 'INSERT INTO items (name) VALUES ($1)', values: [name] })

  beforeAll(async () => {
    backend = await open()
    db = toDriver(backend.db)
    await db.exec('CREATE TABLE items (name text PRIMARY KEY)')
  })
  beforeEach(() => db.exec('TRUNCATE items'))
  afterAll(() => backend?.close())

  it('commits and returns the callback result', async () => {
    const result = await transaction(backend.db, async (tx) => {
      await add(tx, 'a')
      await add(tx, 'b')
      return 'done'
    })
    expect(result).toBe('done')
    expect(await names()).toEqual(['a', 'b'])
  })

  it('rolls back and rethrows the original error', async () => {
    const original = new Error('payment declined')
    const thrown = await transaction(backend.db, async (tx) => {
      await add(tx, 'a')
      throw original
    }).catch((error: unknown) => error)
    expect(thrown).toBe(original)
    expect(await names()).toEqual([])
  })

  it('rethrows the failing statement, not an error from the rollback', async () => {
    const thrown = await transaction(backend.db, async (tx) => {
      await add(tx, 'a')
      await add(tx, 'a')
    }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ code: '23505', kind: 'unique_violation' })
    expect(await names()).toEqual([])
  })

  it('nests as savepoints: an inner rollback keeps the outer work', async () => {
    await transaction(backend.db, async (tx) => {
      await add(tx, 'outer')
      const inner = await transaction(tx, async (nested) => {
        await add(nested, 'inner')
        throw new Error('inner fails')
      }).catch((error: Error) => error.message)
      expect(inner).toBe('inner fails')
      await transaction(tx, async (nested) => {
        await add(nested, 'kept')
        await transaction(nested, (deeper) => add(deeper, 'deep'))
      })
    })
    expect(await names()).toEqual(['deep', 'kept', 'outer'])
  })

  it('rolls back the inner work when the outer transaction fails', async () => {
    await transaction(backend.db, async (tx) => {
      await transaction(tx, (nested) => add(nested, 'inner'))
      throw new Error('outer fails')
    }).catch(() => undefined)
    expect(await names()).toEqual([])
  })

  it.each([
    ['read committed', 'read committed'],
    ['repeatable read', 'repeatable read'],
    ['serializable', 'serializable'],
  ] as const)('sets the isolation level %s', async (isolationLevel, shown) => {
    const level = await transaction(
      backend.db,
      async (tx) =>
        (await tx.query<{ transaction_isolation: string }>({ text: 'SHOW transaction_isolation' }))
          .rows[0]!.transaction_isolation,
      { isolationLevel },
    )
    expect(level).toBe(shown)
  })

  it('opens a read-only transaction', async () => {
    const thrown = await transaction(backend.db, (tx) => add(tx, 'x'), { readOnly: true }).catch(
      (error: unknown) => error,
    )
    expect(thrown).toMatchObject({ code: '25006' })
  })

  it('refuses a transaction that is used after it finished', async () => {
    let escaped: Driver | undefined
    await transaction(backend.db, async (tx) => {
      escaped = tx
    })
    const thrown = await add(escaped!, 'late').catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ code: 'TRANSACTION_FINISHED', kind: 'transaction_finished' })
    expect((thrown as Error).message).toBe(
      'query failed: the transaction has already committed or rolled back. Use tx only inside the transaction(db, async (tx) => …) callback, and await every query before the callback returns',
    )
    expect(await names()).toEqual([])
  })

  it('refuses isolation options on a nested transaction', async () => {
    const thrown = await transaction(backend.db, (tx) =>
      transaction(tx, async () => undefined, { isolationLevel: 'serializable' }),
    ).catch((error: unknown) => error)
    expect(thrown).toMatchObject({ code: 'INVALID_USAGE' })
  })

  it('runs concurrent transactions to completion', async () => {
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        transaction(backend.db, async (tx) => {
          await add(tx, name)
          const { rows } = await tx.query<{ n: bigint }>({
            text: 'SELECT count(*) AS n FROM items',
          })
          return rows[0]!.n
        }),
      ),
    )
    expect(await names()).toEqual(['a', 'b', 'c'])
  })
})

describe('transaction on PGlite, with db where tx belongs', () => {
  let backend: Backend
  beforeAll(async () => {
    backend = await pgliteBackend()
    await toDriver(backend.db).exec('CREATE TABLE items (name text PRIMARY KEY)')
  })
  afterAll(() => backend?.close())
  const count = async (db: Executor) =>
    (await toDriver(db).query<{ n: bigint }>({ text: 'SELECT count(*) AS n FROM items' })).rows[0]!
      .n

  it('refuses a statement on db inside the callback instead of waiting forever', async () => {
    const thrown = await transaction(backend.db, async (tx) => {
      await tx.query({ text: "INSERT INTO items VALUES ('a')" })
      await count(backend.db) // should have been tx
    }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ code: 'DB_INSIDE_TRANSACTION', kind: 'invalid_usage' })
    expect((thrown as Error).message).toMatch(/Pass tx to every query inside the callback/)
    expect(await count(backend.db)).toBe(0n) // rolled back
  })

  it('refuses transaction(db) inside the callback, nested in a helper or a savepoint', async () => {
    const insideSavepoint = await transaction(backend.db, (tx) =>
      transaction(tx, () => transaction(backend.db, async () => 'never')),
    ).catch((error: unknown) => error)
    expect(insideSavepoint).toMatchObject({ code: 'DB_INSIDE_TRANSACTION' })
  })

  it('lets other callers wait their turn, and work the callback left running go after it', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let late: Promise<bigint> | undefined
    const running = transaction(backend.db, async (tx) => {
      await tx.query({ text: "INSERT INTO items VALUES ('b')" })
      // Not awaited: it runs once the transaction has ended, and must not be refused.
      late = held.then(() => count(backend.db))
    })
    // Another caller, outside the callback: it waits for the transaction, then runs.
    const outside = count(backend.db)
    await running
    release()
    expect(await outside).toBe(1n)
    expect(await late).toBe(1n)
  })
})
