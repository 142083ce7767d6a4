/**
 * Read replicas: 64 callers in flight reading users by id, through connect() on the primary
 * alone and through connect({ replicas: [one] }), where every read goes to the replica.
 * The replica is .ci/run's (REPLICA_URL) or one started by test/support/replica.sh.
 * Interleaved rounds, medians, the ratio of the two.
 */
import { connect } from '@fluentorm/runtime'
import pg from 'pg'
import { streamingReplica } from '../support/replica.ts'
import { benchModels, benchSchema, USERS_FILE } from './bench-database.ts'
import { type BenchResult, measure, pairedRatio } from './measure.ts'

const CALLERS = 64
const PER_CALLER = 8

export async function replicaBench(): Promise<BenchResult> {
  const replica = await streamingReplica()
  if (replica === undefined) {
    return { text: 'Skipped: no streaming replica (set REPLICA_URL).', targets: [] }
  }
  const schema = await benchSchema('fluentorm_bench_replicas')
  const { User } = benchModels([USERS_FILE])
  const primary = await connect({ url: schema.url })
  await User.createTable(primary)
  await primary.query({
    text: `INSERT INTO users (id, email, name) SELECT gen_random_uuid(), 'u' || i || '@x.io', 'user ' || i FROM generate_series(1, 1000) i`,
  })
  const ids = (await primary.query<{ id: string }>({ text: 'SELECT id FROM users' })).rows.map(
    (r) => r.id,
  )
  const replicaUrl = new URL(replica.url(new URL(schema.url).pathname.slice(1)))
  replicaUrl.search = new URL(schema.url).search
  await caughtUp(schema.url, replicaUrl.toString())
  const replicated = await connect({ url: schema.url, replicas: [replicaUrl.toString()] })
  let n = 0
  const nextId = () => ids[n++ % ids.length]!
  const callers = (db: typeof primary) => () =>
    Promise.all(
      Array.from({ length: CALLERS }, async () => {
        for (let i = 0; i < PER_CALLER; i++) await User.findById(db, nextId())
      }),
    )
  const results = await measure(
    [
      { name: 'connect() on the primary alone', run: callers(primary) },
      { name: 'connect({ replicas: [1] }): every read on the replica', run: callers(replicated) },
    ],
    { rounds: 7, operations: 8, warmup: 2 },
  )
  const onReplica = replicated.kind === 'pg' ? (replicated.replicas[0]?.reads ?? 0) : 0
  await Promise.all([primary.close(), replicated.close()])
  await schema.drop()
  replica.stop()

  const queries = CALLERS * PER_CALLER
  const [alone, withReplica] = results as [(typeof results)[0], (typeof results)[0]]
  return {
    text: [
      `### ${CALLERS} concurrent callers × ${PER_CALLER} by-id reads each (7 rounds × 8, median)`,
      '',
      '| contender | queries/s | throughput vs primary alone |',
      '|---|---:|---:|',
      ...results.map(
        (r) =>
          `| ${r.name} | ${Math.round((queries / r.microseconds) * 1e6).toLocaleString('en')} | ${pairedRatio(alone, r).toFixed(2)}x |`,
      ),
      '',
      `${onReplica.toLocaleString('en')} reads ran on the replica. Both servers share this machine's cores, so the replica adds no CPU here: the ratio shows what routing costs, not what a replica on its own host adds (${pairedRatio(alone, withReplica).toFixed(2)}x).`,
    ].join('\n'),
    targets: [],
  }
}

/** Waits until the replica has replayed what the primary has written so far. */
async function caughtUp(primaryUrl: string, replicaUrl: string): Promise<void> {
  const ask = async (url: string, text: string) => {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    try {
      return (await client.query(text)).rows[0] as Record<string, unknown>
    } finally {
      await client.end()
    }
  }
  const { lsn } = await ask(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS lsn')
  for (let i = 0; i < 500; i++) {
    const { done } = await ask(replicaUrl, `SELECT pg_last_wal_replay_lsn() >= '${lsn}' AS done`)
    if (done === true) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error('the replica did not replay the bench table within 10 s')
}
