/**
 * (i) Through PgBouncer in transaction mode: 64 callers in flight reading users by id, and a
 * mixed page (a read, then a write in a transaction), connect({ pooler: 'transaction' })
 * against pg.Pool(10) through the same PgBouncer (unnamed statements, as PgBouncer 1.18 in
 * transaction mode requires of both). Issue 14's target: ≥ 1.0x pg.Pool.
 */
import { connect, transaction } from '@fluentorm/runtime'
import pg from 'pg'
import { pgBouncers } from '../support/pgbouncer.ts'
import { adminQuery, benchModels, DATABASE_URL, USERS_FILE } from './bench-database.ts'
import { atLeast, type BenchResult, measure, pairedRatio } from './measure.ts'

const CALLERS = 64
const PER_CALLER = 8
/** A database of its own: PgBouncer refuses the search_path startup option the others use. */
const DATABASE = 'fluentorm_bench_pooler'

export async function poolerBench(): Promise<BenchResult> {
  await adminQuery(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)
  await adminQuery(`CREATE DATABASE ${DATABASE}`)
  const bouncers = await pgBouncers()
  const url = bouncers.url('transaction', DATABASE)
  const { User } = benchModels([USERS_FILE])
  const direct = new URL(DATABASE_URL)
  direct.pathname = `/${DATABASE}`
  const setup = new pg.Client({ connectionString: direct.toString() })
  await setup.connect()
  await User.createTable(setup)
  await setup.query(
    `INSERT INTO users (id, email, name) SELECT gen_random_uuid(), 'u' || i || '@x.io', 'user ' || i FROM generate_series(1, 1000) i`,
  )
  const ids = (await setup.query<{ id: string }>('SELECT id FROM users')).rows.map((r) => r.id)
  await setup.end()
  let n = 0
  const nextId = () => ids[n++ % ids.length]!

  const pool = new pg.Pool({ connectionString: url, max: 10 })
  const db = await connect({ url, pooler: 'transaction', statementTimeout: 0 })
  const callers = (read: (id: string) => Promise<unknown>) => () =>
    Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let i = 0; i < PER_CALLER; i++) await read(nextId())
      }),
    )
  const reads = await measure(
    [
      {
        name: 'pg.Pool(10) through PgBouncer',
        run: callers((id) => pool.query('SELECT * FROM users WHERE id = $1', [id])),
      },
      {
        name: "connect({ pooler: 'transaction' }) through PgBouncer",
        run: callers((id) => User.findById(db, id)),
      },
    ],
    { rounds: 7, operations: 8, warmup: 2 },
  )
  // A page: read a user, then rename it in a transaction, 16 at a time.
  const pages = (page: (id: string) => Promise<unknown>) => () =>
    Promise.all(Array.from({ length: 16 }, () => page(nextId())))
  const writes = await measure(
    [
      {
        name: 'pg.Pool(10) through PgBouncer',
        run: pages(async (id) => {
          await pool.query('SELECT * FROM users WHERE id = $1', [id])
          const client = await pool.connect()
          try {
            await client.query('BEGIN')
            await client.query('UPDATE users SET name = $1 WHERE id = $2', ['renamed', id])
            await client.query('COMMIT')
          } finally {
            client.release()
          }
        }),
      },
      {
        name: "connect({ pooler: 'transaction' }) through PgBouncer",
        run: pages(async (id) => {
          await User.findById(db, id)
          await transaction(db, (tx) =>
            User.query().where('id', id).update(tx, { name: 'renamed' }),
          )
        }),
      },
    ],
    { rounds: 7, operations: 10, warmup: 2 },
  )
  await db.close()
  await pool.end()
  bouncers.stop()
  await adminQuery(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`)

  const table = (results: typeof reads, perOp: number, unit: string) => [
    `| contender | ${unit}/s | vs pg.Pool through PgBouncer |`,
    '|---|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.name} | ${Math.round((perOp / r.microseconds) * 1e6).toLocaleString('en')} | ${pairedRatio(results[0]!, r).toFixed(2)}x |`,
    ),
  ]
  const readSpeedup = pairedRatio(reads[0]!, reads[1]!)
  const pageSpeedup = pairedRatio(writes[0]!, writes[1]!)
  const why =
    "both send unnamed statements through the same PgBouncer. Reads: fluentorm pipelines single statements over its connections. Pages: fluentorm's transaction sends BEGIN and its SET LOCAL settings with the update (two round trips with the COMMIT, against the hand-written BEGIN / UPDATE / COMMIT's three); what is left is the query builder's work and the noise between rounds"
  return {
    text: [
      `### ${CALLERS} concurrent callers × ${PER_CALLER} by-id reads through PgBouncer (transaction mode; 7 rounds, median; ratios are medians of per-round ratios)`,
      '',
      ...table(reads, CALLERS * PER_CALLER, 'queries'),
      '',
      '### 16 concurrent pages (a read, then an update in a transaction) through PgBouncer (7 rounds × 10, median)',
      '',
      ...table(writes, 16, 'pages'),
    ].join('\n'),
    targets: [
      atLeast(
        "(i) connect({ pooler: 'transaction' }) reads ≥ 1x pg.Pool, both through PgBouncer",
        readSpeedup,
        1,
        'x',
        why,
      ),
      atLeast(
        "(i) connect({ pooler: 'transaction' }) pages ≥ 1x pg.Pool, both through PgBouncer",
        pageSpeedup,
        1,
        'x',
        why,
      ),
    ],
  }
}
