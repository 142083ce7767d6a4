/**
 * Type tests of a view's model as the generated `.d.ts` declares it: `ViewModel<…>` reads and
 * queries as a table's model and has no write; only `MaterializedViewModel<…>` has refresh().
 */
import {
  copyRows,
  type Executor,
  type MaterializedViewModel,
  type ModelTypes,
  type ViewModel,
} from '@fluentorm/runtime'
import type { PostRow, PostTypes } from '../fixtures/blog-types.ts'

type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
function expectType<A>() {
  return { is: <B>(..._: Equal<A, B> extends true ? [] : [never]) => undefined }
}

interface PostStatRow {
  id: string
  comments: number
}
interface PostStatTypes extends ModelTypes {
  readonly table: 'post_stats'
  readonly row: PostStatRow
  readonly create: Record<never, never>
  readonly update: Record<never, never>
  readonly id: string
  readonly relations: { readonly post: { readonly target: PostTypes; readonly many: false } }
}

declare const db: Executor
declare const PostStat: ViewModel<PostStatTypes>
declare const PostTotal: MaterializedViewModel<PostStatTypes>

export async function viewModels() {
  expectType<Awaited<ReturnType<typeof PostStat.findById>>>().is<PostStatRow | null>()
  const rows = await PostStat.query().where('comments', '>', 0).include('post').fetch(db)
  expectType<(typeof rows)[number]['post']>().is<PostRow | null>()
  // @ts-expect-error a view's model has no insert
  await PostStat.insert(db, {})
  // @ts-expect-error nor update
  await PostStat.update(db, 'x', {})
  // @ts-expect-error nor hardDelete
  await PostTotal.hardDelete(db, 'x')
  // Its queries read, chained as a table's, and have no update, delete or softDelete.
  const first = await PostStat.query().where('comments', '>', 0).orderBy('id').limit(5).first(db)
  expectType<typeof first>().is<PostStatRow | null>()
  expectType<Awaited<ReturnType<ReturnType<typeof PostStat.query>['count']>>>().is<number>()
  await PostStat.query().union(PostStat.query().where('id', 'x')).fetch(db)
  // @ts-expect-error a view's query has no update
  await PostStat.query().where('id', 'x').update(db, {})
  // @ts-expect-error nor delete
  await PostTotal.query().delete(db)
  // @ts-expect-error nor softDelete, after any chain
  await PostStat.query().select('id').orderBy('id').softDelete(db)
  // @ts-expect-error nor a bulk load: copyRows takes a table's model
  await copyRows(db, PostStat, [])
  // @ts-expect-error only a materialized view refreshes
  await PostStat.refresh(db)
  await PostTotal.refresh(db, { concurrently: true })
  // @ts-expect-error concurrently is a boolean
  await PostTotal.refresh(db, { concurrently: 'yes' })
}
