import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transaction } from '../../packages/runtime/src/executor/index.ts'
import { DATABASE_URL, pgBackend } from '../support/backends.ts'

/** A pg.Client that records every statement it sends, to compare with docs/TRANSACTIONS.md. */
class RecordingClient extends pg.Client {
  readonly sent: string[] = []
  override query(...args: unknown[]): any {
    const first = args[0] as string | { text: string }
    this.sent.push(typeof first === 'string' ? first : first.text)
    return (super.query as (...rest: unknown[]) => unknown)(...args)
  }
}

describe('the SQL docs/TRANSACTIONS.md shows', () => {
  let client: RecordingClient
  let close: () => Promise<void>
  beforeAll(async () => {
    const backend = await pgBackend()
    close = () => backend.close()
    client = new RecordingClient({
      connectionString: DATABASE_URL,
      options: `-c search_path=${backend.schema}`,
    })
    await client.connect()
    await client.query('CREATE TABLE items (name text PRIMARY KEY)')
  })
  afterAll(async () => {
    await client?.end()
    await close?.()
  })
  const insert = (name: string) => ({
    text: 'INSERT INTO items (name) VALUES ($1)',
    values: [name],
  })

  it('nested transactions: savepoints, an inner rollback keeps the outer work', async () => {
    client.sent.length = 0
    await transaction(client, async (tx) => {
      await tx.query(insert('outer'))
      await transaction(tx, async (inner) => {
        await inner.query(insert('inner'))
        throw new Error('inner fails')
      }).catch(() => {})
      await transaction(tx, (inner) => inner.query(insert('kept')))
    })
    expect(client.sent).toEqual([
      'BEGIN',
      insert('outer').text,
      'SAVEPOINT sp_1',
      insert('inner').text,
      'ROLLBACK TO SAVEPOINT sp_1',
      'SAVEPOINT sp_2',
      insert('kept').text,
      'RELEASE SAVEPOINT sp_2',
      'COMMIT',
    ])
    const { rows } = await client.query('SELECT name FROM items ORDER BY name')
    expect(rows.map((row: { name: string }) => row.name)).toEqual(['kept', 'outer'])
  })

  it('rollback and isolation modes', async () => {
    client.sent.length = 0
    await transaction(
      client,
      async (tx) => {
        await tx.query({ text: 'SELECT 1' })
        throw new Error('payment declined')
      },
      { isolationLevel: 'serializable', readOnly: true },
    ).catch(() => {})
    expect(client.sent).toEqual([
      'BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY',
      'SELECT 1',
      'ROLLBACK',
    ])
  })
})

describe('retry', () => {
  it('runs a serializable transaction again after a serialization failure', async () => {
    const backend = await pgBackend()
    try {
      await backend.db.query('CREATE TABLE ledger (amount int NOT NULL)')
      let runs = 0
      let release: () => void = () => {}
      const bothRead = new Promise<void>((resolve) => {
        let waiting = 2
        release = () => {
          waiting -= 1
          if (waiting === 0) resolve()
        }
      })
      // Two transactions read the same sum, then both write: SERIALIZABLE aborts one (40001).
      const transfer = () =>
        transaction(
          backend.db,
          async (tx) => {
            runs += 1
            await tx.query({ text: 'SELECT sum(amount) FROM ledger' })
            if (runs <= 2) {
              release()
              await bothRead
            }
            await tx.query({ text: 'INSERT INTO ledger (amount) VALUES (1)' })
          },
          { isolationLevel: 'serializable', retry: { attempts: 3 } },
        )
      await Promise.all([transfer(), transfer()])
      expect(runs).toBe(3)
      const { rows } = await backend.db.query('SELECT count(*)::int AS n FROM ledger')
      expect(rows).toEqual([{ n: 2 }])
    } finally {
      await backend.close()
    }
  })
})
