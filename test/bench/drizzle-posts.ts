/** The Drizzle twin of the benches' `posts` table (runtime and relations benches). */
import { pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'

export const drizzlePosts = pgTable('posts', {
  id: uuid('id').primaryKey(),
  user_id: uuid('user_id').notNull(),
  title: text('title').notNull(),
  created_at: timestamp('created_at', { withTimezone: true }).notNull(),
})
