/**
 * (j) A database across a network: the server in a network namespace of its own, about
 * 0.5 ms away (network-mode.ts), on its own core. 64 callers of by-id reads in flight
 * (connect() vs pg.Pool(10), postgres.js, Drizzle prepared on pg.Pool(10)), a page-like
 * workload at 32 concurrent requests (page-workload.ts: fluentorm vs Drizzle), and the
 * 20-row query's latency, one caller at a time. Interleaved rounds, medians, paired ratios.
 */
import { execFileSync } from 'node:child_process'
import { connect } from '@fluentorm/runtime'
import { sql as dsql, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import postgres from 'postgres'
import { benchSchema, runtimeModels, seedUsersAndPosts } from './bench-database.ts'
import { callers } from './concurrency-bench.ts'
import { seedFeed } from './feed-bench.ts'
import { feedModels } from './feed-models.ts'
import { atLeast, type BenchResult, type Measurement, measure, pairedRatio } from './measure.ts'
import { networkLatency } from './network-latency.ts'
import { withNetworkDatabase } from './network-mode.ts'
import { drizzlePage, fluentormPage, type Page } from './page-workload.ts'
import { dUsers } from './runtime-bench.ts'

const CALLERS = 64
const READS_PER_CALLER = 8
const PAGES_IN_FLIGHT = 32

export async function networkBench(): Promise<BenchResult> {
  const outcome = await withNetworkDatabase(async ({ url, delayedBy }) => {
    // The server and its relay run on CPU 1 (bench-netns.sh): the client gets CPU 0, as an
    // application host and a database host each have cores of their own.
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
    const latency = await networkLatency(url)
    const reads = await inFlightReads(url, latency.roundTripMicroseconds)
    const pages = await pageWorkload(url)
    const how =
      delayedBy === 'netem'
        ? 'netem delays each packet 0.25 ms at each end of the veth pair'
        : 'this kernel has no netem qdisc: test/bench/delay-relay.c, inside the namespace, holds each chunk 0.25 ms in each direction; its thread wake-ups add to the round trip, so it is measured below, as `SELECT 1` answered'
    return {
      text: [
        `Server in a network namespace across a veth pair (scripts/bench-netns.sh; ${how}); the server on CPU 1, this process on CPU 0.`,
        '',
        latency.text,
        '',
        reads.text,
        '',
        pages.text,
      ].join('\n'),
      targets: [...reads.targets, ...pages.targets],
    }
  })
  if ('skipped' in outcome) {
    return {
      text: `Skipped: the network mode could not be set up (it needs root, ip netns and PostgreSQL 15's binaries). scripts/bench-netns.sh said: ${outcome.skipped}`,
      targets: [],
    }
  }
  return outcome
}

/** Throughput ratio: the other's time over this one's, paired by round. */
const speedup = (r: Measurement, over: Measurement) => pairedRatio(over, r)

async function inFlightReads(databaseUrl: string, roundTrip: number): Promise<BenchResult> {
  const schema = await benchSchema('fluentorm_bench_net_reads', databaseUrl)
  const { User, Post } = runtimeModels()
  const setup = new pg.Client({ connectionString: schema.url })
  await setup.connect()
  const ids = await seedUsersAndPosts(setup, User, Post)
  await setup.end()
  let n = 0
  const nextId = () => ids[n++ % ids.length]!

  const pool = new pg.Pool({ connectionString: schema.url, max: 10 })
  const drizzlePool = new pg.Pool({ connectionString: schema.url, max: 10 })
  const drizzleById = drizzle(drizzlePool)
    .select()
    .from(dUsers)
    .where(eq(dUsers.id, dsql.placeholder('id')))
    .prepare('d_by_id')
  const db = await connect({ url: schema.url })
  const sql = postgres(databaseUrl, {
    max: 10,
    connection: { search_path: schema.name },
    onnotice: () => {},
  })
  const results = await measure(
    [
      {
        name: 'pg.Pool(10), named statement',
        run: callers(
          (id) =>
            pool.query({ name: 'by_id', text: 'SELECT * FROM users WHERE id = $1', values: [id] }),
          nextId,
        ),
      },
      {
        name: 'fluentorm connect() (the default)',
        run: callers((id) => User.findById(db, id), nextId),
      },
      {
        name: 'postgres.js (max 10)',
        run: callers((id) => sql`SELECT * FROM users WHERE id = ${id}`, nextId),
      },
      {
        name: 'drizzle prepared on pg.Pool(10)',
        run: callers((id) => drizzleById.execute({ id }), nextId),
      },
    ],
    { rounds: 7, operations: 8, warmup: 2 },
  )
  await Promise.all([db.close(), pool.end(), drizzlePool.end(), sql.end()])
  await schema.drop()

  const queries = CALLERS * READS_PER_CALLER
  const [poolResult, fluent] = results as [Measurement, Measurement]
  return {
    text: [
      `### ${CALLERS} concurrent callers × ${READS_PER_CALLER} by-id reads each, across the network (7 rounds × 8, median)`,
      '',
      '| contender | queries/s | throughput vs pg.Pool(10) | connect() vs it |',
      '|---|---:|---:|---:|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${Math.round((queries / r.microseconds) * 1e6).toLocaleString('en')} | ${speedup(r, poolResult).toFixed(2)}x | ${speedup(fluent, r).toFixed(2)}x |`,
      ),
    ].join('\n'),
    targets: [
      atLeast(
        '(j) across the network: connect() ≥ 3x pg.Pool(10), 64 callers in flight',
        speedup(fluent, poolResult),
        3,
        'x',
        `a pool of 10 has at most 10 queries on the wire, so it cannot pass 10 per round trip (${Math.round((10 / roundTrip) * 1e6).toLocaleString('en')}/s here) and it reached ${Math.round(((queries / poolResult.microseconds) * 1e6 * 100) / ((10 / roundTrip) * 1e6))}% of that; the pipelined connections carry all 64, and what holds them back is CPU, not the network: the server has one core and this process the other, both shared with the machine's other jobs, and connect()'s ${Math.round((queries / fluent.microseconds) * 1e6).toLocaleString('en')}/s is what they got through`,
      ),
    ],
  }
}

async function pageWorkload(databaseUrl: string): Promise<BenchResult> {
  const schema = await benchSchema('fluentorm_bench_net_pages', databaseUrl)
  const models = feedModels()
  const setup = new pg.Client({ connectionString: schema.url })
  await setup.connect()
  const viewer = await seedFeed(setup, models)
  const posts = (
    await setup.query<{ id: string }>('SELECT id FROM posts WHERE is_published LIMIT 200')
  ).rows.map((r) => r.id)
  await setup.end()
  let n = 0
  const concurrently = (page: Page) => () =>
    Promise.all(
      Array.from({ length: PAGES_IN_FLIGHT }, () =>
        page({ viewer, post: posts[n++ % posts.length]! }),
      ),
    )

  const db = await connect({ url: schema.url })
  const pool = new pg.Pool({ connectionString: schema.url, max: 10 })
  const results = await measure(
    [
      {
        name: 'drizzle (prepared relational queries) on pg.Pool(10)',
        run: concurrently(drizzlePage(pool)),
      },
      { name: 'fluentorm connect() (the default)', run: concurrently(fluentormPage(models, db)) },
    ],
    { rounds: 7, operations: 10, warmup: 2 },
  )
  await Promise.all([db.close(), pool.end()])
  await schema.drop()

  const [drizzled, fluent] = results as [Measurement, Measurement]
  return {
    text: [
      `### A page at ${PAGES_IN_FLIGHT} concurrent requests, across the network: the feed list (counts, exists, author and tags), a post with its comments, a comment inserted in a transaction (7 rounds × 10, median)`,
      '',
      '| contender | pages/s | vs Drizzle |',
      '|---|---:|---:|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${Math.round((PAGES_IN_FLIGHT / r.microseconds) * 1e6).toLocaleString('en')} | ${speedup(r, drizzled).toFixed(2)}x |`,
      ),
    ].join('\n'),
    targets: [
      atLeast(
        "(j) across the network: the page workload ≥ 1.5x Drizzle's prepared relational queries, 32 concurrent requests",
        speedup(fluent, drizzled),
        1.5,
        'x',
        "the two reads go out pipelined and the transaction's BEGIN rides with its INSERT (two round trips with the COMMIT, against Drizzle's three), so 32 pages in flight wait far less than the pages per second say: the run is bound by CPU, the server's (the feed statement is the same work for both) and this process's, both on the machine's two shared cores",
      ),
    ],
  }
}
