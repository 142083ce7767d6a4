/**
 * A page-like request for the network mode (section j), as fluentorm and as Drizzle write it:
 * the feed list of (g) (comment counts, the viewer's "commented" flag, author and tags: two
 * includes), then one post's detail with its comments, then a comment inserted in a
 * transaction. Reads are kept in consts with placeholders on both sides (Drizzle's
 * `prepare()`), the write is built per call on both sides, as applications write them.
 */
import { type Database, placeholder, transaction } from '@fluentorm/runtime'
import { eq, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import type pg from 'pg'
import { feedQuery } from './feed-bench.ts'
import { comments, drizzleFeed, feedSchema } from './feed-drizzle.ts'

export interface PageInput {
  readonly viewer: string
  /** The post whose detail the page shows. */
  readonly post: string
}

export type Page = (input: PageInput) => Promise<unknown>

/** The page through fluentorm's models on `db` (connect(): reads pipelined, the transaction on its pool). */
export function fluentormPage(models: Record<string, any>, db: Database): Page {
  const { Post, Comment } = models
  const feed = feedQuery(Post)
  const detail = Post.query().where('id', placeholder('id')).include('comments')
  return async ({ viewer, post }) => {
    await feed.fetch(db, { published: true, viewer })
    await detail.first(db, { id: post })
    return transaction(db, (tx) =>
      Comment.insert(tx, { post_id: post, user_id: viewer, body: 'hi' }),
    )
  }
}

/** The page through Drizzle on `pool`: prepared relational queries, db.transaction for the write. */
export function drizzlePage(pool: pg.Pool): Page {
  const feed = drizzleFeed(pool)
  const db = drizzle({ client: pool, schema: feedSchema })
  const detail = db.query.posts
    .findFirst({
      where: (t) => eq(t.id, sql.placeholder('id')),
      with: { comments: true },
    })
    .prepare('d_detail')
  return async ({ viewer, post }) => {
    await feed.run({ published: true, viewer })
    await detail.execute({ id: post })
    return db.transaction((tx) =>
      tx.insert(comments).values({ post_id: post, user_id: viewer, body: 'hi' }).returning(),
    )
  }
}
