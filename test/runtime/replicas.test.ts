import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  connect,
  FluentOrmError,
  type PgDatabase,
  transaction,
} from '../../packages/runtime/src/executor/index.ts'
import { sql } from '../../packages/runtime/src/sql/sql-fragment.ts'
import { DATABASE_URL } from '../support/backends.ts'
import { startBlackHoleProxy } from '../support/black-hole-proxy.ts'
import { modelsOf } from '../support/models.ts'
import { freePort } from '../support/pgbouncer.ts'
import { streamingReplica } from '../support/replica.ts'

// A real hot standby streaming from the test server (REPLICA_URL from .ci/run, or one this
// file starts). Every test database is this file's own; the replica receives it by streaming.
const replica = await streamingReplica()
const database = `fo_replica_${randomBytes(5).toString('hex')}`
const primaryUrl = withDatabase(DATABASE_URL, database)
const replicaUrl = replica?.url(database) ?? ''

const { Item } = modelsOf({
  items: (t) => {
    t.bigIncrements({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.integer({ name: 'qty', defaultValue: '0' })
  },
})

async function on<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows as T[]
  } finally {
    await client.end()
  }
}

/** Waits until the replica has replayed everything the primary has written so far. */
async function replayed(): Promise<void> {
  const [row] = await on<{ lsn: string }>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')
  const lsn = row!.lsn
  await until(async () => {
    const [row] = await on<{ done: boolean }>(
      withDatabase(replicaUrl, 'postgres'),
      `SELECT pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn AS done`,
    )
    return row!.done
  }, 'the replica to replay the primary')
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 20_000) {
  const end = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`waited ${ms} ms for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Pauses replay on the replica for the length of `fn`: the replica then misses every write. */
async function withReplayPaused<T>(fn: () => Promise<T>): Promise<T> {
  await on(replicaUrl, 'SELECT pg_wal_replay_pause()')
  try {
    return await fn()
  } finally {
    await on(replicaUrl, 'SELECT pg_wal_replay_resume()')
  }
}

const whereAmI = sql<{ recovery: boolean }>`SELECT pg_is_in_recovery() AS recovery`
const onReplica = async (db: Parameters<typeof whereAmI.fetch>[0]) =>
  (await whereAmI.fetch(db))[0]!.recovery

describe.skipIf(replica === undefined)('connect({ replicas })', () => {
  let db: PgDatabase

  beforeAll(async () => {
    await on(withDatabase(DATABASE_URL, 'postgres'), `CREATE DATABASE ${database}`)
    await replayed()
    db = (await connect({ url: primaryUrl, replicas: [replicaUrl] })) as PgDatabase
    await Item.createTable(db)
    await Item.insertMany(db, [{ name: 'a' }, { name: 'b' }, { name: 'c' }])
    await replayed()
  })

  afterAll(async () => {
    await db?.close()
    replica?.stop()
    await on(
      withDatabase(DATABASE_URL, 'postgres'),
      `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`,
    )
  })

  it('sends sql fetches to the replica, and db.primary, transactions and unmarked db.query to the primary', async () => {
    expect(db.replicas).toMatchObject([{ state: 'up', server: expect.stringContaining(database) }])
    expect(await onReplica(db)).toBe(true)
    expect(await onReplica(db.primary)).toBe(false)
    expect(await transaction(db, (tx) => onReplica(tx))).toBe(false)
    const unmarked = await db.query<{ r: boolean }>({ text: 'SELECT pg_is_in_recovery() AS r' })
    expect(unmarked.rows[0]!.r).toBe(false)
    const marked = await db.query<{ r: boolean }>({
      text: 'SELECT pg_is_in_recovery() AS r',
      readOnly: true,
    })
    expect(marked.rows[0]!.r).toBe(true)
    expect(await db.session((s) => onReplica(s))).toBe(false)
  })

  it('runs model reads and query terminals on the replica; db.primary and transactions read their own write', async () => {
    await withReplayPaused(async () => {
      const written = await Item.insert(db, { name: 'unseen', qty: 7 })
      // The replica replays nothing now: every read that runs there misses the row.
      expect(await Item.findById(db, written.id)).toBeNull()
      expect(await Item.count(db)).toBe(3)
      expect((await Item.findAll(db)).map((r: { name: string }) => r.name)).toEqual(['a', 'b', 'c'])
      const unseen = Item.query().where('name', 'unseen')
      expect(await unseen.first(db)).toBeNull()
      expect(await unseen.fetch(db)).toEqual([])
      expect(await unseen.count(db)).toBe(0)
      expect(await unseen.exists(db)).toBe(false)
      expect(await unseen.pluck(db, 'qty')).toEqual([])
      expect(await unseen.max(db, 'qty')).toBeNull()
      expect(await Item.query().sum(db, 'qty')).toBe(0)
      expect((await Item.query().paginate(db, 1, 10)).total).toBe(3)
      const page = await Item.query().orderBy('id').cursorPaginate(db, { perPage: 10 })
      expect(page.rows).toHaveLength(3)
      // The primary has it at once.
      expect(await Item.findById(db.primary, written.id)).toMatchObject({ name: 'unseen' })
      expect(await unseen.count(db.primary)).toBe(1)
      expect(await transaction(db, (tx) => Item.findById(tx, written.id))).toMatchObject({
        name: 'unseen',
      })
      // A locking read is not a read: it runs on the primary.
      expect(await unseen.forUpdate().first(db)).toMatchObject({ name: 'unseen' })
      await Item.hardDelete(db, written.id)
    })
    await replayed()
  })

  it('never sends a write to the replica, under concurrency too', async () => {
    const before = db.replicas[0]!.reads
    const writes = Array.from({ length: 60 }, async (_, i) => {
      const row = await Item.insert(db, { name: `w${i}` })
      await Item.update(db, row.id, { qty: i })
      await Item.query()
        .where('id', row.id)
        .update(db, { qty: i + 1 })
      // A write through sql fetch: the replica refuses it before doing anything, so it runs
      // on the primary.
      const [copy] = await sql<{
        id: bigint
      }>`INSERT INTO items (name) VALUES (${`s${i}`}) RETURNING id`.fetch(db)
      await Item.hardDelete(db, copy!.id)
      return row.id as bigint
    })
    const reads = Array.from({ length: 60 }, () => Item.count(db))
    const ids = await Promise.all(writes)
    await Promise.all(reads)
    const rows = await Item.query().whereIn('id', ids).fetch(db.primary)
    const qty = new Map(rows.map((r: { id: bigint; qty: number }) => [r.id, r.qty]))
    expect(ids.map((id) => qty.get(id))).toEqual(ids.map((_, i) => i + 1))
    expect(await Item.count(db.primary)).toBe(63)
    expect(db.replicas[0]!.reads).toBeGreaterThanOrEqual(before + 60)
    expect(db.replicas[0]!.state).toBe('up')
    await Item.query().where('name', 'like', 'w%').delete(db)
    await replayed()
  })

  it('tells a write that reaches a read-only server so (READ_ONLY)', async () => {
    const direct = (await connect({ url: replicaUrl })) as PgDatabase
    try {
      const thrown = await Item.insert(direct, { name: 'x' }).catch((error: unknown) => error)
      expect(thrown).toBeInstanceOf(FluentOrmError)
      expect(thrown).toMatchObject({ code: 'READ_ONLY', kind: 'read_only' })
      expect((thrown as Error).message).toMatch(
        /^Item\.insert failed: cannot execute INSERT in a read-only transaction \(25006\): .*hot standby.*Send writes to the primary/,
      )
    } finally {
      await direct.close()
    }
  })

  it('reads on through the other replica or the primary while a replica is down, and takes it back when it returns', async () => {
    await replayed()
    const proxy = await startBlackHoleProxy(replicaUrl)
    const refused = withPort(replicaUrl, await freePort())
    const two = (await connect({
      url: primaryUrl,
      replicas: [refused, proxy.url],
      replicaCheckInterval: 50,
      queryTimeout: 1_000,
    })) as PgDatabase
    try {
      // A replica nobody listens for starts out of rotation; connect() does not fail.
      expect(two.replicas.map((r) => r.state)).toEqual(['down', 'up'])
      expect(two.replicas[0]!.reason).toMatch(/ECONNREFUSED/)
      expect(await onReplica(two)).toBe(true)

      // Its connections reset under reads in flight: none fails.
      const inFlight = Array.from({ length: 20 }, () => Item.count(two))
      await new Promise((resolve) => setImmediate(resolve))
      proxy.reset()
      expect(await Promise.all(inFlight)).toEqual(Array(20).fill(3))
      await until(() => two.replicas[1]!.state === 'up', 'the replica to come back after a reset')

      // Its network goes silent: the reads sent there move on at queryTimeout, the ones after
      // go to the primary at once.
      proxy.blackHole()
      const started = Date.now()
      const held = await Promise.all(Array.from({ length: 10 }, () => onReplica(two)))
      expect(held.every((recovery) => recovery === false)).toBe(true)
      expect(Date.now() - started).toBeLessThan(10_000)
      expect(two.replicas[1]!.state).toBe('down')
      const after = Date.now()
      expect(await onReplica(two)).toBe(false)
      expect(await Item.count(two)).toBe(3)
      expect(Date.now() - after).toBeLessThan(500)

      // The network returns: the replica comes back into rotation by itself.
      proxy.resume()
      await until(() => two.replicas[1]!.state === 'up', 'the replica to come back')
      const reads = two.replicas[1]!.reads
      expect(await onReplica(two)).toBe(true)
      expect(two.replicas[1]!.reads).toBe(reads + 1)
      expect(two.replicas[0]!.state).toBe('down')
    } finally {
      await two.close()
      await proxy.close()
    }
  })

  it('takes a replica further behind than maxLag out of rotation and back once it catches up', async () => {
    const lagged = (await connect({
      url: primaryUrl,
      replicas: [replicaUrl],
      maxLag: 1_000,
      replicaCheckInterval: 50,
    })) as PgDatabase
    try {
      // Nothing written here for longer than maxLag: the replica's last replayed commit may be
      // older than that, yet it has everything (other test files may write meanwhile: then
      // it lags by the few ms of streaming).
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      expect(lagged.replicas[0]!.state).toBe('up')
      expect(lagged.replicas[0]!.lag).toBeLessThan(1_000)

      await withReplayPaused(async () => {
        await Item.insert(lagged, { name: 'lag' })
        await until(() => lagged.replicas[0]!.state === 'lagging', 'the replica to lag')
        expect(lagged.replicas[0]!.lag).toBeGreaterThan(1_000)
        expect(lagged.replicas[0]!.reason).toMatch(/ms behind the primary, more than maxLag/)
        expect(await onReplica(lagged)).toBe(false)
        // The read sees the write: it ran on the primary.
        expect(await Item.query().where('name', 'lag').count(lagged)).toBe(1)
      })
      await until(() => lagged.replicas[0]!.state === 'up', 'the replica to catch up')
      expect(await onReplica(lagged)).toBe(true)
      expect(await Item.query().where('name', 'lag').count(lagged)).toBe(1)
      await Item.query().where('name', 'lag').delete(lagged)
    } finally {
      await lagged.close()
    }
  })

  it('refuses replicas it cannot use, before connecting', async () => {
    await expect(connect({ url: primaryUrl, replicas: ['mysql://x@y/z'] })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
      message: expect.stringContaining('replicas[0] is a mysql:// URL'),
    })
    await expect(
      connect({ url: primaryUrl, replicas: replicaUrl as unknown as string[] }),
    ).rejects.toMatchObject({ code: 'INVALID_CONFIG' })
    await expect(connect({ url: primaryUrl, replicas: [replicaUrl], maxLag: -1 })).rejects.toThrow(
      /maxLag must be a number of milliseconds above 0/,
    )
  })
})

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${name}`
  return parsed.toString()
}

function withPort(url: string, port: number): string {
  const parsed = new URL(url)
  parsed.port = String(port)
  return parsed.toString()
}
