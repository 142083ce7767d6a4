/**
 * 64 callers in flight, each reading users by id one after another: connect() (pipelined,
 * 1, 2 and 4 connections, and with pipeline: false) vs pg.Pool(10) with the same named
 * statement vs postgres.js (max 10). Interleaved rounds, medians, ratios to pg.Pool.
 */
import { connect, type Database } from '@fluentorm/runtime'
import pg from 'pg'
import postgres from 'postgres'
import { benchModels, benchSchema, DATABASE_URL, USERS_FILE } from './bench-database.ts'
import { atLeast, type BenchResult, type Measurement, measure, pairedRatio } from './measure.ts'
import { separateCores } from './placement.ts'

const CALLERS = 64
const PER_CALLER = 8

/** Runs `count` (CALLERS) concurrent loops of PER_CALLER awaited reads. */
export function callers(
  read: (id: string) => Promise<unknown>,
  nextId: () => string,
  count = CALLERS,
) {
  return () =>
    Promise.all(
      Array.from({ length: count }, async () => {
        for (let i = 0; i < PER_CALLER; i++) await read(nextId())
      }),
    )
}

export async function concurrencyBench(): Promise<BenchResult> {
  const schema = await benchSchema('fluentorm_bench_concurrency')
  const { User } = benchModels([USERS_FILE])
  const pool = new pg.Pool({ connectionString: DATABASE_URL, options: schema.options, max: 10 })
  await User.createTable(pool)
  await pool.query(
    `INSERT INTO users (id, email, name) SELECT gen_random_uuid(), 'u' || i || '@x.io', 'user ' || i FROM generate_series(1, 1000) i`,
  )
  const ids = (await pool.query<{ id: string }>('SELECT id FROM users')).rows.map((r) => r.id)
  let n = 0
  const nextId = () => ids[n++ % ids.length]!

  const databases: [string, Database][] = [
    [
      'fluentorm connect() (pipelined, 2 connections: the default)',
      await connect({ url: schema.url }),
    ],
    [
      'fluentorm connect() pipeline 1 connection',
      await connect({ url: schema.url, pipeline: { connections: 1 } }),
    ],
    [
      'fluentorm connect() pipeline 4 connections',
      await connect({ url: schema.url, pipeline: { connections: 4 } }),
    ],
    [
      'fluentorm connect({ pipeline: false }) (pool of 10)',
      await connect({ url: schema.url, pipeline: false }),
    ],
  ]
  const sql = postgres(DATABASE_URL, {
    max: 10,
    connection: { search_path: schema.name },
    onnotice: () => {},
  })
  const contenders = [
    {
      name: 'pg.Pool(10), named statement',
      run: callers(
        (id) =>
          pool.query({ name: 'by_id', text: 'SELECT * FROM users WHERE id = $1', values: [id] }),
        nextId,
      ),
    },
    ...databases.map(([name, db]) => ({
      name,
      run: callers((id) => User.findById(db, id), nextId),
    })),
    {
      name: 'postgres.js (max 10)',
      run: callers((id) => sql`SELECT * FROM users WHERE id = ${id}`, nextId),
    },
  ]
  let placement = ''
  const results = await measure(contenders, {
    rounds: 7,
    operations: 8,
    warmup: 2,
    afterWarmup: async () => {
      placement = await separateCores(pool)
    },
  })

  await Promise.all(databases.map(([, db]) => db.close()))
  await pool.end()
  await sql.end()
  await schema.drop()

  const queries = CALLERS * PER_CALLER
  const poolResult = results[0]!
  const postgresJs = results[results.length - 1]!
  // Throughput ratios: the other's time over this one's, paired by round.
  const speedup = (r: Measurement, over: Measurement) => pairedRatio(over, r)
  const lines = [
    placement,
    '',
    `### ${CALLERS} concurrent callers × ${PER_CALLER} by-id reads each (7 rounds × 8, median; ratios are medians of per-round ratios)`,
    '',
    '| contender | queries/s | throughput vs pg.Pool(10) | vs postgres.js |',
    '|---|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${Math.round((queries / r.microseconds) * 1e6).toLocaleString('en')} | ${speedup(r, poolResult).toFixed(2)}x | ${speedup(r, postgresJs).toFixed(2)}x |`,
    ),
  ]
  const fluent = results[1]!
  const single = results[2]!
  const why = `the default's 2 pipelined connections are 2 backend processes competing with Node for the machine's 2 cores; 1 pipelined connection reached ${speedup(single, poolResult).toFixed(2)}x pg.Pool and ${speedup(single, postgresJs).toFixed(2)}x postgres.js in this run. The default stays at 2 for a database server with cores of its own and to limit head-of-line blocking (docs/PERFORMANCE.md); pass pipeline: { connections: 1 } when the database shares a small machine`
  return {
    text: lines.join('\n'),
    targets: [
      atLeast('(b) connect() ≥ 2x pg.Pool(10)', speedup(fluent, poolResult), 2, 'x', why),
      atLeast('(b) connect() ≥ 1x postgres.js', speedup(fluent, postgresJs), 1, 'x', why),
    ],
  }
}
