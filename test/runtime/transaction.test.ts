import type { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  type Driver,
  type Executor,
  FluentOrmError,
  toDriver,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { ownTransactionWaitMs } from '../../packages/runtime/src/executor/transaction-scope.ts'
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
    expect(thrown).toMatchObject({ code: 'READ_ONLY', kind: 'read_only' })
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

  it('refuses a second nested transaction, or a statement on tx, while a nested one runs', async () => {
    // Side by side, the second savepoint nested inside the first: the first's rollback undid
    // the second's rows though its transaction() had resolved.
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
    let outcomes: PromiseSettledResult<unknown>[] = []
    await transaction(backend.db, async (tx) => {
      outcomes = await Promise.allSettled([
        transaction(tx, async (a) => {
          await add(a, 'a')
          await sleep(50)
          throw new Error('a fails')
        }),
        (async () => {
          await sleep(10)
          return transaction(tx, (b) => add(b, 'b'))
        })(),
        (async () => {
          await sleep(10)
          return add(tx, 'outer during a')
        })(),
      ])
      await add(tx, 'outer after')
    })
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected'])
    expect(String((outcomes[0] as PromiseRejectedResult).reason)).toMatch(/a fails/)
    for (const outcome of outcomes.slice(1)) {
      const reason = (outcome as PromiseRejectedResult).reason
      expect(reason).toBeInstanceOf(FluentOrmError)
      expect(reason).toMatchObject({ code: 'INVALID_USAGE', kind: 'invalid_usage' })
      expect(String(reason)).toMatch(/a nested transaction of this transaction is still running/)
    }
    expect(await names()).toEqual(['outer after'])
    // Two that would both succeed: the second is refused (it failed with savepoint "sp_2"
    // does not exist, aborting the whole transaction), the first commits with the outer one.
    const both = await transaction(backend.db, async (tx) =>
      Promise.allSettled([
        transaction(tx, (first) => add(first, 'first')),
        transaction(tx, (second) => add(second, 'second')),
      ]),
    )
    expect(both.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected'])
    expect(await names()).toEqual(['first', 'outer after'])
    // One after another, as before.
    await transaction(backend.db, async (tx) => {
      await transaction(tx, (first) => add(first, 'one'))
      await transaction(tx, (second) => add(second, 'two'))
      await add(tx, 'three')
    })
    expect(await names()).toEqual(['first', 'one', 'outer after', 'three', 'two'])
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

  it('fails a statement on db the callback awaits, instead of waiting forever', async () => {
    const started = Date.now()
    const thrown = await transaction(backend.db, async (tx) => {
      await tx.query({ text: "INSERT INTO items VALUES ('a')" })
      await count(backend.db) // should have been tx
    }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(FluentOrmError)
    expect(thrown).toMatchObject({ code: 'DB_INSIDE_TRANSACTION', kind: 'invalid_usage' })
    expect((thrown as Error).message).toMatch(/Pass tx to every query inside the callback/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(ownTransactionWaitMs - 50)
    expect(await count(backend.db)).toBe(0n) // rolled back
  })

  it('fails transaction(db) awaited inside the callback, even from a savepoint', async () => {
    const insideSavepoint = await transaction(backend.db, (tx) =>
      transaction(tx, () => transaction(backend.db, async () => 'never')),
    ).catch((error: unknown) => error)
    expect(insideSavepoint).toMatchObject({ code: 'DB_INSIDE_TRANSACTION' })
  })

  it('runs work the callback started but did not await right after the commit', async () => {
    let late: Promise<bigint> | undefined
    const running = transaction(backend.db, async (tx) => {
      await tx.query({ text: "INSERT INTO items VALUES ('b')" })
      // Starts while the transaction is open, is not awaited: it waits for the commit.
      late = Promise.resolve().then(() => count(backend.db))
    })
    // Another caller, outside the callback, waits its turn the same way.
    const outside = count(backend.db)
    await running
    expect(await outside).toBe(1n)
    expect(await late).toBe(1n)
  })

  it('lets a LISTEN handler that PGlite calls during the commit use db', async () => {
    let onNotify!: () => void
    const heard = new Promise<bigint>((resolve, reject) => {
      onNotify = () => void count(backend.db).then(resolve, reject)
    })
    await (backend.db as PGlite).listen('items_changed', () => onNotify())
    await transaction(backend.db, async (tx) => {
      await tx.query({ text: "INSERT INTO items VALUES ('c')" })
      await tx.query({ text: 'NOTIFY items_changed' })
    })
    expect(await heard).toBe(2n)
  })
})
