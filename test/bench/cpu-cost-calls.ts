/**
 * The three calls whose CPU cost section (k) counts, the same in the bench process and in
 * the program callgrind runs: findById, the 20-row query kept in a const (a user's posts,
 * newest first, as in (a)) and 20 posts with their author and comments (two includes, as in
 * (d)), each built once.
 */
import { type Driver, placeholder } from '@fluentorm/runtime'
import { runtimeModels } from './bench-database.ts'
import { feedModels } from './feed-models.ts'

export const COST_CALLS = ['findById', 'page', 'include'] as const
export type CostCall = (typeof COST_CALLS)[number]

/** Each call on a given driver, reading user `id` (findById and the 20-row query). */
export function costCalls(id: string): Record<CostCall, (db: Driver) => Promise<unknown>> {
  const { User, Post } = runtimeModels()
  const feed = feedModels()
  const page = Post.query()
    .where('user_id', placeholder('id'))
    .orderBy('created_at', 'desc')
    .limit(20)
  const include = feed.Post.query()
    .orderBy('created_at', 'desc')
    .limit(20)
    .include('author')
    .include('comments')
  return {
    findById: (db) => User.findById(db, id),
    page: (db) => page.fetch(db, { id }),
    include: (db) => include.fetch(db),
  }
}
