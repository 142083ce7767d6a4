/**
 * A feed page kept in a const with placeholders: the 20 newest published posts, each with
 * its comment count, whether the viewer commented, its author's name and its tags. fluentorm
 * (`withCount` + `withExists` + two includes, one statement) vs Drizzle's relational query,
 * prepared with placeholders, vs raw pg running a hand-written statement. One connection,
 * the same data; the three results are checked equal once before timing. Two more raw pg
 * rows send fluentorm's own statement, as it is (its LIMIT written in) and with LIMIT $n,
 * and each contender's JS time is measured with the answer given from memory: together they
 * tell the server's share of a difference from the client's.
 */
import { deepStrictEqual } from 'node:assert'
import { placeholder } from '@fluentorm/runtime'
import pg from 'pg'
import { benchSchema, DATABASE_URL } from './bench-database.ts'
import { drizzleFeed, type QueryClient, recordedDrizzleResult } from './feed-drizzle.ts'
import { feedModels } from './feed-models.ts'
import { answeringDriver, inMemoryMicroseconds, recordedQuery } from './in-memory-answers.ts'
import {
  atMost,
  type BenchResult,
  type Measurement,
  measure,
  pairedRatio,
  ratioTable,
} from './measure.ts'
import { separateCores } from './placement.ts'

/** What a hand-writer sends: objects built by the server, so pg's rows are the result as they are. */
const RAW_FEED = `SELECT p.id, p.user_id, p.title, p.is_published, p.created_at,
  (SELECT count(*)::integer FROM comments c WHERE c.post_id = p.id) AS comments_count,
  EXISTS (SELECT 1 FROM comments c WHERE c.post_id = p.id AND c.user_id = $2) AS commented_by_me,
  (SELECT json_build_object('name', u.name) FROM users u WHERE u.id = p.user_id) AS author,
  (SELECT COALESCE(json_agg(json_build_object('id', t.id, 'name', t.name)), '[]')
     FROM tags t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = p.id) AS tags
FROM posts p
WHERE p.is_published = $1
ORDER BY p.created_at DESC
LIMIT 20`

type FeedRow = Record<string, unknown> & { tags: { name: string }[]; created_at: Date }

/** Rows compared as values: timestamps as ISO text, tags (unordered in every query) by name. */
function normalise(rows: readonly FeedRow[]): unknown[] {
  return rows.map((row) => ({
    ...row,
    created_at: new Date(row.created_at).toISOString(),
    tags: [...row.tags].sort((a, b) => a.name.localeCompare(b.name)),
  }))
}

/** The feed page's query, to be kept in a const: `{ published, viewer }` are its placeholders. */
export function feedQuery(Post: any) {
  return Post.query()
    .where('is_published', placeholder('published'))
    .withCount('comments')
    .withExists('comments', {
      as: 'commented_by_me',
      where: (q: any) => q.where('user_id', placeholder('viewer')),
    })
    .include('author', (q: any) => q.select('name'))
    .include('tags')
    .orderBy('created_at', 'desc')
    .limit(20)
}

export async function feedBench(): Promise<BenchResult> {
  const schema = await benchSchema('fluentorm_bench_feed')
  const models = feedModels()
  const { Post } = models
  const client = new pg.Client({ connectionString: DATABASE_URL, options: schema.options })
  await client.connect()
  const params = { published: true, viewer: await seedFeed(client, models) }

  // Kept in a const: rendered on its first run, then only bound.
  const feed = feedQuery(Post)

  // Drizzle shares the client: the contenders differ only in what they send and decode.
  const drizzle = drizzleFeed(client)
  const drizzleRun = () => drizzle.run(params)
  const raw = { name: 'raw_feed', text: RAW_FEED, values: [params.published, params.viewer] }
  const rawRun = async () => (await client.query(raw)).rows

  // The statement and values fluentorm sends, recorded once, so raw pg can run them too: the
  // difference between that and the kept query is what fluentorm does in JS.
  const sent = await recordedQuery(client, (driver) => feed.fetch(driver, params))
  const same = {
    name: 'raw_fluentorm_text',
    text: sent.config.text,
    values: [...(sent.config.values ?? [])],
  }
  const bound = withLimitBound(same)
  if (process.env.BENCH_SQL) console.error(`${same.text}\n\n${drizzle.sql}`)

  const fluent = normalise(await feed.fetch(client, params))
  deepStrictEqual(normalise(await drizzleRun()), fluent, 'feed bench: Drizzle and fluentorm differ')
  deepStrictEqual(normalise(await rawRun()), fluent, 'feed bench: raw pg and fluentorm differ')
  const counts = fluent.map((row: any) => [
    row.comments_count,
    row.commented_by_me,
    row.tags.length,
  ])
  if (
    fluent.length !== 20 ||
    !counts.some(([, mine]) => mine) ||
    !counts.every(([c, , t]) => c === 5 && t === 3)
  ) {
    throw new Error(
      `feed bench: the data is not what the bench means to read: ${JSON.stringify(counts)}`,
    )
  }

  let placement = ''
  const results = await measure(
    [
      { name: 'raw pg (named, hand-written)', run: rawRun },
      { name: 'fluentorm, kept in a const', run: () => feed.fetch(client, params) },
      { name: 'drizzle relational query, prepared', run: drizzleRun },
      { name: "raw pg (named), fluentorm's statement", run: () => client.query(same) },
      {
        name: "raw pg (named), fluentorm's statement with LIMIT $n instead",
        run: () => client.query(bound),
      },
    ],
    {
      rounds: 7,
      operations: 150,
      warmup: 100,
      afterWarmup: async () => {
        placement = await separateCores(client)
      },
    },
  )
  const plans = await planCounts(client, [
    raw.name,
    sent.config.name ?? '',
    drizzle.name,
    same.name,
    bound.name,
  ])
  const fluentOwn = await inMemoryMicroseconds(sent.result, (answer) => {
    const driver = answeringDriver(answer)
    return () => feed.fetch(driver, params)
  })
  const drizzleSent = await recordedDrizzleResult(client, params)
  const drizzleOwn = await inMemoryMicroseconds(drizzleSent, (answer) => {
    const fake = drizzleFeed({ query: async () => answer() } as unknown as QueryClient)
    return () => fake.run(params)
  })
  await client.end()
  await schema.drop()
  const [rawResult, fluentResult, drizzleResult, sameTextResult, boundResult] = results as [
    Measurement,
    Measurement,
    Measurement,
    Measurement,
    Measurement,
  ]
  const targets = [
    atMost(
      '(g) feed page (withCount, withExists, two includes, placeholders) ≤ 1.0x Drizzle prepared',
      pairedRatio(fluentResult, drizzleResult),
      1,
      'x Drizzle prepared',
      "PostgreSQL's time is nearly all of a call (fluentorm's and Drizzle's statements alike are planned again on each execution, because of their LIMIT $n: see the plan table); fluentorm's own JS time is under 1% of it, so a miss of a few percent is the machine's noise",
    ),
  ]
  const text = [
    placement,
    '',
    '### 20 published posts, newest first, with comment count, commented-by-viewer, author name and tags (7 rounds × 150, median)',
    '',
    ratioTable(results),
    '',
    `fluentorm / Drizzle prepared: ${pairedRatio(fluentResult, drizzleResult).toFixed(3)}x; fluentorm / raw pg: ${pairedRatio(fluentResult, rawResult).toFixed(3)}x; fluentorm / raw pg sending fluentorm's statement: ${pairedRatio(fluentResult, sameTextResult).toFixed(3)}x.`,
    '',
    `fluentorm's statement, its LIMIT written in as a literal: ${pairedRatio(sameTextResult, boundResult).toFixed(3)}x the same statement with LIMIT $n.`,
    '',
    `Own time per call, the answer given from memory (no pg, no server; binding, driver call, rows): fluentorm ${fluentOwn.toFixed(1)} µs, Drizzle ${drizzleOwn.toFixed(1)} µs.`,
    '',
    "How PostgreSQL planned each contender's prepared statement over the run (pg_prepared_statements): a custom plan is planned again for that execution; after five of them PostgreSQL keeps the generic plan unless its estimated cost is higher, which a LIMIT $n makes it.",
    '',
    '| contender | generic plans | custom plans |',
    '|---|---:|---:|',
    ...results.map((r, i) => `| ${r.name} | ${plans[i]!.generic} | ${plans[i]!.custom} |`),
  ].join('\n')
  return { text, targets }
}

/**
 * The feed's tables and data; resolves to the viewer's id (a user who commented on about 2
 * posts in 5).
 */
export async function seedFeed(client: pg.Client, models: Record<string, any>): Promise<string> {
  const { User, Tag, Post, Comment, PostTag } = models
  for (const model of [User, Tag, Post, Comment, PostTag]) {
    await model.createTable(client)
    await model.createIndexes(client)
  }
  // 100 users, 2,000 posts (two in three published), 5 comments each by 10 of the users (so
  // "commented by me" is true for about 2 posts in 5), 20 tags with 3 on each post.
  await client.query(
    `INSERT INTO users (id, name) SELECT gen_random_uuid(), 'user ' || i FROM generate_series(1, 100) i;
     INSERT INTO tags (id, name) SELECT gen_random_uuid(), 'tag ' || i FROM generate_series(1, 20) i;
     INSERT INTO posts (id, user_id, title, is_published, created_at)
       SELECT gen_random_uuid(), u.id, 'post ' || i, i % 3 <> 0,
         now() - (row_number() OVER ()) * interval '1 minute'
       FROM users u, generate_series(1, 20) i;
     WITH few AS (SELECT array_agg(id ORDER BY name) AS ids FROM (SELECT id, name FROM users ORDER BY name LIMIT 10) s)
     INSERT INTO comments (id, post_id, user_id, body)
       SELECT gen_random_uuid(), p.id, few.ids[1 + abs(hashtext(p.id::text || i)) % 10], 'comment ' || i
       FROM posts p, generate_series(1, 5) i, few;
     INSERT INTO post_tags (post_id, tag_id)
       SELECT p.id, t.id FROM posts p CROSS JOIN LATERAL
         (SELECT id FROM tags ORDER BY md5(p.id::text || tags.id::text) LIMIT 3) t;
     ANALYZE`,
  )
  const {
    rows: [viewer],
  } = await client.query<{ id: string }>(`SELECT id FROM users ORDER BY name LIMIT 1`)
  return viewer!.id
}

/**
 * fluentorm's statement, whose page limit is written as a literal (its last LIMIT: the
 * author's LIMIT 1 comes before it in the select list), with the limit bound as a parameter
 * instead (`LIMIT $n`, as fluentorm sent it before): what the literal saves.
 */
function withLimitBound(statement: { name: string; text: string; values: unknown[] }) {
  const limits = [...statement.text.matchAll(/ LIMIT (\d+)/g)]
  const limit = limits[limits.length - 1]
  if (!limit) throw new Error("feed bench: fluentorm's statement has no LIMIT <n>")
  const at = limit.index + limit[0].length
  return {
    name: `${statement.name}_limit_bound`,
    text: `${statement.text.slice(0, limit.index)} LIMIT $${statement.values.length + 1}${statement.text.slice(at)}`,
    values: [...statement.values, Number(limit[1])],
  }
}

/** How often PostgreSQL planned each named statement of this connection generic and custom. */
async function planCounts(
  client: pg.Client,
  names: readonly string[],
): Promise<{ generic: number; custom: number }[]> {
  const { rows } = await client.query<{ name: string; generic: string; custom: string }>(
    'SELECT name, generic_plans AS generic, custom_plans AS custom FROM pg_prepared_statements',
  )
  return names.map((name) => {
    const row = rows.find((r) => r.name === name)
    return { generic: Number(row?.generic ?? 0), custom: Number(row?.custom ?? 0) }
  })
}
