import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { transaction } from '../../packages/runtime/src/executor/index.ts'
import { PgClientDriver } from '../../packages/runtime/src/executor/pg-client-driver.ts'
import { directSettings } from '../../packages/runtime/src/executor/pg-connection.ts'
import { DATABASE_URL, pgBackend } from '../support/backends.ts'

/**
 * A pg.Client that records what it writes, to compare with docs/TRANSACTIONS.md: one entry
 * per round trip (the statements up to a Sync, or one simple query), each statement's text.
 */
class RecordingClient extends pg.Client {
  readonly trips: string[][] = []
  #statements: string[] = []
  async record(): Promise<void> {
    await this.connect()
    const wire = (this as unknown as { connection: Record<string, (...args: any[]) => void> })
      .connection
    const { parse, query, sync } = wire
    wire.parse = (message: { text: string }) => {
      this.#statements.push(message.text)
      parse!.call(wire, message)
    }
    wire.query = (text: string) => {
      this.trips.push([text])
      query!.call(wire, text)
    }
    wire.sync = () => {
      this.trips.push(this.#statements)
      this.#statements = []
      sync!.call(wire)
    }
  }
}

const insert = (name: string) => ({
  text: 'INSERT INTO items (name) VALUES ($1)',
  values: [name],
})

/**
 * For the tests of the describe block it is called in: a client made by `open` on a schema
 * of its own, connected by `connect`, with an empty items table. Returns the client's getter
 * (the client exists once the block's beforeAll has run).
 */
function clientWithItems<C extends pg.Client>(
  open: (config: pg.ClientConfig) => C,
  connect: (client: C) => Promise<unknown>,
): () => C {
  let backend: Awaited<ReturnType<typeof pgBackend>> | undefined
  let client: C | undefined
  beforeAll(async () => {
    backend = await pgBackend()
    client = open({ connectionString: DATABASE_URL, options: `-c search_path=${backend.schema}` })
    await connect(client)
    await client.query('CREATE TABLE items (name text PRIMARY KEY)')
  })
  afterAll(async () => {
    await client?.end()
    await backend?.close()
  })
  return () => client!
}

describe('the SQL docs/TRANSACTIONS.md shows', () => {
  const client = clientWithItems(
    (config) => new RecordingClient(config),
    (recording) => recording.record(),
  )

  it('nested transactions: savepoints, an inner rollback keeps the outer work', async () => {
    client().trips.length = 0
    await transaction(client(), async (tx) => {
      await tx.query(insert('outer'))
      await transaction(tx, async (inner) => {
        await inner.query(insert('inner'))
        throw new Error('inner fails')
      }).catch(() => {})
      await transaction(tx, (inner) => inner.query(insert('kept')))
    })
    // BEGIN goes out with the first statement, in its round trip.
    expect(client().trips).toEqual([
      ['BEGIN', insert('outer').text],
      ['SAVEPOINT sp_1'],
      [insert('inner').text],
      ['ROLLBACK TO SAVEPOINT sp_1'],
      ['SAVEPOINT sp_2'],
      [insert('kept').text],
      ['RELEASE SAVEPOINT sp_2'],
      ['COMMIT'],
    ])
    const { rows } = await client().query('SELECT name FROM items ORDER BY name')
    expect(rows.map((row: { name: string }) => row.name)).toEqual(['kept', 'outer'])
  })

  it('rollback and isolation modes', async () => {
    client().trips.length = 0
    await transaction(
      client(),
      async (tx) => {
        await tx.query({ text: 'SELECT 1' })
        throw new Error('payment declined')
      },
      { isolationLevel: 'serializable', readOnly: true },
    ).catch(() => {})
    expect(client().trips).toEqual([
      ['BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY', 'SELECT 1'],
      ['ROLLBACK'],
    ])
  })

  it('a transaction that sends no statement sends no BEGIN, COMMIT or ROLLBACK', async () => {
    client().trips.length = 0
    expect(await transaction(client(), async () => 'nothing sent')).toBe('nothing sent')
    await expect(
      transaction(client(), async () => {
        throw new Error('failed before any statement')
      }),
    ).rejects.toThrow('failed before any statement')
    expect(client().trips).toEqual([])
  })

  it('exec and copyFrom as the first statement: BEGIN goes first, on its own', async () => {
    client().trips.length = 0
    await transaction(client(), async (tx) => {
      await tx.exec("INSERT INTO items VALUES ('by exec')")
      await tx.copyFrom!({ table: 'items', columns: ['name'] }, [['by copy']])
      throw new Error('undo')
    }).catch(() => {})
    expect(client().trips.slice(0, 2)).toEqual([
      ['BEGIN'],
      ["INSERT INTO items VALUES ('by exec')"],
    ])
    expect(client().trips.at(-1)).toEqual(['ROLLBACK'])
    const { rows } = await client().query(
      "SELECT count(*)::int AS n FROM items WHERE name IN ('by exec', 'by copy')",
    )
    expect(rows[0].n).toBe(0)
  })

  it('statements asked for at once all run inside the transaction, in order', async () => {
    client().trips.length = 0
    await transaction(client(), async (tx) => {
      await Promise.all(['p1', 'p2', 'p3'].map((name) => tx.query(insert(name))))
      throw new Error('undo')
    }).catch(() => {})
    expect(client().trips).toEqual([
      ['BEGIN', insert('p1').text],
      [insert('p2').text],
      [insert('p3').text],
      ['ROLLBACK'],
    ])
    const { rows } = await client().query(
      "SELECT count(*)::int AS n FROM items WHERE name LIKE 'p_'",
    )
    expect(rows[0].n).toBe(0)
  })
})

describe('BEGIN sent with the first statement', () => {
  const client = clientWithItems(
    (config) => new pg.Client(config),
    (plain) => plain.connect(),
  )
  const count = async () =>
    (await client().query('SELECT count(*)::int AS n FROM items')).rows[0].n as number

  it('when BEGIN or its settings fail, no statement of the transaction runs outside it', async () => {
    const driver = new PgClientDriver(client(), {
      ...directSettings,
      transactionSettings: "SET LOCAL statement_timeout = 'not a duration'",
    })
    let outcomes: PromiseSettledResult<unknown>[] = []
    await expect(
      transaction(driver, async (tx) => {
        outcomes = await Promise.allSettled(['a', 'b', 'c'].map((name) => tx.query(insert(name))))
      }),
    ).rejects.toThrow(/statement_timeout/)
    // Each statement fails with why the transaction could not begin (the later ones unsent),
    // and the COMMIT the callback's return asked for fails with it too.
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected'])
    for (const outcome of outcomes) {
      expect(String((outcome as PromiseRejectedResult).reason)).toMatch(/statement_timeout/)
    }
    expect(await count()).toBe(0)
    // The client is usable, and outside any transaction.
    expect((await client().query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }])
    expect((client() as unknown as { getTransactionStatus(): string }).getTransactionStatus()).toBe(
      'I',
    )
  })

  it('a first statement refused before it is sent leaves BEGIN to the next one', async () => {
    const driver = new PgClientDriver(client(), { ...directSettings, pooler: 'transaction' })
    await expect(
      transaction(driver, async (tx) => {
        // A session feature behind a transaction-mode pooler: refused, nothing sent.
        await expect(tx.query({ text: 'LISTEN jobs' })).rejects.toThrow(/pooler/i)
        await tx.query(insert('in the transaction'))
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await count()).toBe(0)
  })

  it('a first statement with a value that cannot be sent leaves BEGIN to the next one', async () => {
    await expect(
      transaction(client(), async (tx) => {
        await expect(tx.query({ text: 'SELECT $1', values: [Symbol('no')] })).rejects.toThrow()
        await tx.query(insert('after the bad value'))
        throw new Error('undo')
      }),
    ).rejects.toThrow('undo')
    expect(await count()).toBe(0)
  })

  it('BEGIN, its settings and the first statement leave in one write to the socket', async () => {
    // Each write the socket makes is a system call and a packet: a pooler or server reads
    // and wakes per packet. Counted at the socket, below pg's messages.
    const stream = (client() as unknown as { connection: { stream: Record<string, any> } })
      .connection.stream
    let writes = 0
    const { _write, _writev } = stream
    stream._write = (...args: unknown[]) => {
      writes += 1
      return _write.apply(stream, args)
    }
    stream._writev = (...args: unknown[]) => {
      writes += 1
      return _writev.apply(stream, args)
    }
    try {
      const settings = "SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '5s'"
      for (const transactionSettings of [undefined, settings]) {
        const driver = new PgClientDriver(client(), { ...directSettings, transactionSettings })
        writes = 0
        await transaction(driver, async (tx) => {
          await tx.query(insert('one write'))
          // The first statement and what went ahead of it: one write; the COMMIT is the second.
          expect(writes).toBe(1)
          throw new Error('undo')
        }).catch((error: Error) => expect(error.message).toBe('undo'))
        expect(writes).toBe(2)
      }
    } finally {
      stream._write = _write
      stream._writev = _writev
    }
    expect(await count()).toBe(0)
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
      // At least one retry. Under load the retry can start before the other transaction
      // committed and conflict with it again (a fourth run), as SERIALIZABLE allows.
      expect(runs).toBeGreaterThanOrEqual(3)
      expect(runs).toBeLessThanOrEqual(6)
      const { rows } = await backend.db.query('SELECT count(*)::int AS n FROM ledger')
      expect(rows).toEqual([{ n: 2 }])
    } finally {
      await backend.close()
    }
  })
})
