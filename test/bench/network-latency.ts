/**
 * Section (j)'s latencies, one caller at a time across the network: the round trip itself
 * (`SELECT 1` on raw pg) and the 20-row query of (a) (a user's posts, newest first) through
 * raw pg, fluentorm kept in a const (on connect() and on a pg.Client), Drizzle prepared and
 * postgres.js.
 */
import { connect, placeholder } from '@fluentorm/runtime'
import { desc, sql as dsql, eq } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import pg from 'pg'
import postgres from 'postgres'
import { benchSchema, runtimeModels, seedUsersAndPosts } from './bench-database.ts'
import { drizzlePosts } from './drizzle-posts.ts'
import { type BenchResult, measure, ratioTable } from './measure.ts'

export async function networkLatency(
  databaseUrl: string,
): Promise<BenchResult & { readonly roundTripMicroseconds: number }> {
  const schema = await benchSchema('fluentorm_bench_net_latency', databaseUrl)
  const { User, Post } = runtimeModels()
  const client = new pg.Client({ connectionString: schema.url })
  await client.connect()
  const ids = await seedUsersAndPosts(client, User, Post)
  let n = 0
  const nextId = () => ids[n++ % ids.length]!

  const [roundTrip] = await measure([{ name: 'SELECT 1', run: () => client.query('SELECT 1') }], {
    rounds: 7,
    operations: 100,
    warmup: 20,
  })
  const db = await connect({ url: schema.url })
  const sql = postgres(databaseUrl, {
    max: 1,
    connection: { search_path: schema.name },
    onnotice: () => {},
  })
  const kept = Post.query()
    .where('user_id', placeholder('id'))
    .orderBy('created_at', 'desc')
    .limit(20)
  const drizzled = drizzle(client)
    .select()
    .from(drizzlePosts)
    .where(eq(drizzlePosts.user_id, dsql.placeholder('id')))
    .orderBy(desc(drizzlePosts.created_at))
    .limit(20)
    .prepare('d_page')
  const results = await measure(
    [
      {
        name: 'raw pg (named)',
        run: () =>
          client.query({
            name: 'raw_page',
            text: 'SELECT * FROM posts WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20',
            values: [nextId()],
          }),
      },
      { name: 'fluentorm kept in a const, connect()', run: () => kept.fetch(db, { id: nextId() }) },
      {
        name: 'fluentorm kept in a const, pg.Client',
        run: () => kept.fetch(client, { id: nextId() }),
      },
      { name: 'drizzle prepared', run: () => drizzled.execute({ id: nextId() }) },
      {
        name: 'postgres.js',
        run: () =>
          sql`SELECT * FROM posts WHERE user_id = ${nextId()} ORDER BY created_at DESC LIMIT 20`,
      },
    ],
    { rounds: 7, operations: 150, warmup: 50 },
  )
  await Promise.all([client.end(), db.close(), sql.end()])
  await schema.drop()
  return {
    roundTripMicroseconds: roundTrip!.microseconds,
    text: [
      `Round trip, \`SELECT 1\` on raw pg one after another: ${(roundTrip!.microseconds / 1000).toFixed(2)} ms (7 rounds × 100, median).`,
      '',
      '### The 20-row query, one caller at a time, across the network (7 rounds × 150, median)',
      '',
      ratioTable(results),
    ].join('\n'),
    targets: [],
  }
}
