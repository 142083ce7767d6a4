/**
 * Drizzle's side of the feed bench (feed-bench.ts): the tables, relations and the prepared
 * relational query of the feed page, with its rows given the shape fluentorm gives them.
 */
import { relations, sql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/node-postgres'
import { boolean, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core'
import type pg from 'pg'

const users = pgTable('users', { id: uuid('id').primaryKey(), name: text('name').notNull() })
const tags = pgTable('tags', { id: uuid('id').primaryKey(), name: text('name').notNull() })
const posts = pgTable('posts', {
  id: uuid('id').primaryKey(),
  user_id: uuid('user_id').notNull(),
  title: text('title').notNull(),
  is_published: boolean('is_published').notNull(),
  created_at: timestamp('created_at', { withTimezone: true }).notNull(),
})
const postTags = pgTable(
  'post_tags',
  { post_id: uuid('post_id').notNull(), tag_id: uuid('tag_id').notNull() },
  (t) => [primaryKey({ columns: [t.post_id, t.tag_id] })],
)
export const comments = pgTable('comments', {
  id: uuid('id').primaryKey().defaultRandom(),
  post_id: uuid('post_id').notNull(),
  user_id: uuid('user_id').notNull(),
  body: text('body').notNull(),
})
const postsRelations = relations(posts, ({ one, many }) => ({
  author: one(users, { fields: [posts.user_id], references: [users.id] }),
  postTags: many(postTags),
  comments: many(comments),
}))
const commentsRelations = relations(comments, ({ one }) => ({
  post: one(posts, { fields: [comments.post_id], references: [posts.id] }),
}))
const postTagsRelations = relations(postTags, ({ one }) => ({
  post: one(posts, { fields: [postTags.post_id], references: [posts.id] }),
  tag: one(tags, { fields: [postTags.tag_id], references: [tags.id] }),
}))
/** The feed's tables and relations; comments are used by the network mode's page (detail, insert). */
export const feedSchema = {
  users,
  tags,
  posts,
  postTags,
  comments,
  postsRelations,
  postTagsRelations,
  commentsRelations,
}

export type FeedParams = {
  readonly published: boolean
  readonly viewer: string
}

/** What Drizzle needs of a pg client: its `query` (a real client, or one answering from memory). */
export type QueryClient = Pick<pg.ClientBase, 'query'>

/**
 * The feed page as a prepared Drizzle relational query: counts and "commented by me" as
 * `extras` (the relational API has no count or exists of a relation), the tags through the
 * junction (`postTags.tag`: it has no many-to-many), flattened to `tags` per post.
 */
export function drizzleFeed(client: QueryClient) {
  const db = drizzle({ client: client as pg.Client, schema: feedSchema })
  const prepared = db.query.posts
    .findMany({
      with: {
        author: { columns: { name: true } },
        postTags: { columns: {}, with: { tag: true } },
      },
      extras: (t) => ({
        comments_count:
          sql<number>`(SELECT count(*)::integer FROM comments WHERE comments.post_id = ${t.id})`.as(
            'comments_count',
          ),
        commented_by_me:
          sql<boolean>`EXISTS (SELECT 1 FROM comments WHERE comments.post_id = ${t.id} AND comments.user_id = ${sql.placeholder('viewer')})`.as(
            'commented_by_me',
          ),
      }),
      where: (t, { eq }) => eq(t.is_published, sql.placeholder('published')),
      orderBy: (t, { desc }) => [desc(t.created_at)],
      limit: 20,
    })
    .prepare('d_feed')
  return {
    name: 'd_feed',
    sql: prepared.getQuery().sql,
    run: async (params: FeedParams) =>
      (await prepared.execute(params)).map(({ postTags, ...post }) => ({
        ...post,
        tags: postTags.map((postTag) => postTag.tag),
      })),
  }
}

/** pg's result (its rows, all Drizzle reads) for Drizzle's prepared feed query. */
export async function recordedDrizzleResult(
  client: QueryClient,
  params: FeedParams,
): Promise<{ rows: readonly object[] }> {
  let rows: readonly object[] = []
  const recorder = {
    query: async (config: pg.QueryConfig, values?: unknown[]) => {
      const result = await client.query(config, values)
      rows = structuredClone(result.rows)
      return result
    },
  }
  await drizzleFeed(recorder as QueryClient).run(params)
  return { rows }
}
