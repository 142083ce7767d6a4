/**
 * (n) Memory: the bytes a cached prepared statement holds (this process's heap, and the
 * server backend's memory contexts), what the statement cache bounds them to, and the bytes
 * an open pipelined connection holds (here and in its backend), idle and per query in flight.
 */
import { readFileSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { connect, type Database } from '@fluentorm/runtime'
import pg from 'pg'
import { benchSchema, runtimeModels, seedUsersAndPosts } from './bench-database.ts'
import { feedQuery, seedFeed } from './feed-bench.ts'
import { feedModels } from './feed-models.ts'
import type { BenchResult } from './measure.ts'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** This process's heap and the memory outside it (Buffers, sockets' data), after full collections. */
function heldBytes(): number {
  gc()
  gc()
  const { heapUsed, external } = process.memoryUsage()
  return heapUsed + external
}

/** pg's default, which connect() keeps unless told otherwise (statement-cache.ts). */
const CACHE_SIZE = 256
/** Enough statements that their bytes stand far above what a collection leaves behind. */
const FEW = 1000
const MANY = 1500

export async function memoryBench(): Promise<BenchResult> {
  const users = await benchSchema('fluentorm_bench_memory')
  const feed = await benchSchema('fluentorm_bench_memory_feed')
  const setup = new pg.Client({ connectionString: users.url })
  const feedSetup = new pg.Client({ connectionString: feed.url })
  await Promise.all([setup.connect(), feedSetup.connect()])
  const { User, Post } = runtimeModels()
  const ids = await seedUsersAndPosts(setup, User, Post)
  const models = feedModels()
  const viewer = await seedFeed(feedSetup, models)
  await Promise.all([setup.end(), feedSetup.end()])

  const page = await statementMemory(
    users.url,
    (limit) => (db) =>
      Post.query().where('user_id', ids[0]).orderBy('created_at', 'desc').limit(limit).fetch(db),
  )
  const feedPage = await statementMemory(
    feed.url,
    (limit) => (db) => feedQuery(models.Post).limit(limit).fetch(db, { published: true, viewer }),
  )
  const connections = await connectionMemory(users.url, (db, i) =>
    User.findById(db, ids[i % ids.length]),
  )
  await Promise.all([users.drop(), feed.drop()])

  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
  const statementRow = (name: string, m: StatementMemory) =>
    `| ${name} | ${kib(m.clientPerStatement)} | ${kib(m.serverPerStatement)} | ${m.preparedAfterMany} | ${kib(m.clientAfterMany)} | ${kib(m.serverAfterMany)} |`
  return {
    text: [
      `### Per cached statement: ${FEW} distinct statements with a cache that keeps them all (each run 6 times, so the server keeps its generic plan too), then ${MANY} with the default cache (${CACHE_SIZE} per connection)`,
      '',
      `| statement | this process, per statement | server backend, per statement | prepared after ${MANY} | this process, after ${MANY} | server, after ${MANY} |`,
      '|---|---:|---:|---:|---:|---:|',
      statementRow('a 20-row query (posts of a user)', page),
      statementRow('the feed page of (g) (counts, exists, two includes)', feedPage),
      '',
      `Bound: per connection, at most ${CACHE_SIZE} statements (statementCacheSize) plus those being prepared at that moment, so the figures "after ${MANY}" are the ceiling for statements like these, whatever number of distinct texts an application sends.`,
      '',
      '### Per open pipelined connection (connect() with 1 and with 9 pipelined connections, each connection used)',
      '',
      '| | bytes |',
      '|---|---:|',
      `| this process, per idle pipelined connection | ${kib(connections.clientPerConnection)} |`,
      `| server backend, per connection (private memory, smaps_rollup) | ${kib(connections.serverPerConnection)} |`,
      `| this process, per query in flight (${IN_FLIGHT.toLocaleString('en')} findById written at once on 2 connections) | ${(connections.clientPerQueryInFlight / 1024).toFixed(2)} KiB |`,
      '',
      "Bound: connect() opens `pipeline.connections` (2) pipelined connections and at most `pool.max` (10) pool connections; a pipelined connection holds the per-connection bytes above plus the per-query bytes for each query written and not yet answered. fluentorm does not cap the queries in flight: the application's concurrency does (64 callers: 64 queries).",
    ].join('\n'),
    targets: [],
  }
}

interface StatementMemory {
  readonly clientPerStatement: number
  readonly serverPerStatement: number
  readonly preparedAfterMany: number
  readonly clientAfterMany: number
  readonly serverAfterMany: number
}

/**
 * Runs distinct statements (`query(limit)`: the limit is written into the SQL, so each limit
 * is a statement of its own) on one pipelined connection and reads the memory both sides
 * hold before and after.
 */
async function statementMemory(
  url: string,
  query: (limit: number) => (db: Database) => Promise<unknown>,
): Promise<StatementMemory> {
  // Every statement once on a connection of its own first, so the code and caches this
  // process builds for them (JIT, the builders' own) exist before anything is counted.
  const db = await connect({ url, pipeline: { connections: 1 } })
  for (let limit = 1; limit <= FEW; limit++) await query(limit)(db)
  await db.close()
  // FEW statements with a cache large enough to keep them all: what one statement holds.
  const each = await held(url, FEW + 1, FEW, query)
  // MANY with the default cache: what the cache lets a connection hold at most.
  const many = await held(url, undefined, MANY, query)
  return {
    clientPerStatement: each.client / FEW,
    serverPerStatement: each.server / FEW,
    preparedAfterMany: many.prepared,
    clientAfterMany: many.client,
    serverAfterMany: many.server,
  }
}

/** What `count` distinct statements, each run 6 times, add on both sides of one connection. */
async function held(
  url: string,
  statementCacheSize: number | undefined,
  count: number,
  query: (limit: number) => (db: Database) => Promise<unknown>,
) {
  const db = await connect({ url, pipeline: { connections: 1 }, statementCacheSize })
  const single = async (text: string) =>
    Number((await db.query<{ n: string }>({ text })).rows[0]!.n)
  const serverBytes = () =>
    single('SELECT sum(total_bytes - free_bytes)::bigint AS n FROM pg_backend_memory_contexts')
  const run = async (from: number, to: number) => {
    for (let limit = from; limit < to; limit++) {
      const once = query(limit)
      for (let i = 0; i < 6; i++) await once(db)
    }
  }
  await run(1, 2)
  const [client0, server0] = [heldBytes(), await serverBytes()]
  await run(2, 2 + count)
  const [client1, server1] = [heldBytes(), await serverBytes()]
  const prepared = await single('SELECT count(*) AS n FROM pg_prepared_statements')
  await db.close()
  return { client: client1 - client0, server: server1 - server0, prepared }
}

const IN_FLIGHT = 5000

interface ConnectionMemory {
  readonly clientPerConnection: number
  readonly serverPerConnection: number
  readonly clientPerQueryInFlight: number
}

async function connectionMemory(
  url: string,
  read: (db: Database, i: number) => Promise<unknown>,
): Promise<ConnectionMemory> {
  const opened = async (connections: number) => {
    const named = new URL(url)
    named.searchParams.set('application_name', `fluentorm_bench_memory_${connections}`)
    const db = await connect({ url: named.toString(), pipeline: { connections } })
    // 64 at once: every pipelined connection gets queries, so every one is open.
    await Promise.all(Array.from({ length: 64 }, (_, i) => read(db, i)))
    return {
      db,
      client: heldBytes(),
      server: await backendBytes(url, named.searchParams.get('application_name')!),
    }
  }
  const one = await opened(1)
  const nine = await opened(9)
  await Promise.all([one.db.close(), nine.db.close()])

  const db = await connect({ url })
  await Promise.all(Array.from({ length: 64 }, (_, i) => read(db, i)))
  const idle = heldBytes()
  const reads = Array.from({ length: IN_FLIGHT }, (_, i) => read(db, i))
  const busy = heldBytes()
  await Promise.all(reads)
  await db.close()
  return {
    clientPerConnection: (nine.client - one.client) / 8,
    serverPerConnection: nine.server,
    clientPerQueryInFlight: (busy - idle) / IN_FLIGHT,
  }
}

/** The private memory (smaps_rollup) per server backend serving `applicationName`. */
async function backendBytes(url: string, applicationName: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [applicationName],
  )
  await admin.end()
  let bytes = 0
  for (const { pid } of rows) {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8')
    for (const field of ['Private_Clean', 'Private_Dirty']) {
      bytes += Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0) * 1024
    }
  }
  return rows.length ? bytes / rows.length : Number.NaN
}
