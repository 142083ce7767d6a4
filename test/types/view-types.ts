/**
 * Type tests of a view's model as the generated `.d.ts` declares it: `ViewModel<…>` reads and
 * queries as a table's model and has no write; only `MaterializedViewModel<…>` has refresh().
 */
import type { Executor, MaterializedViewModel, ModelTypes, ViewModel } from '@fluentorm/runtime'
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
  // @ts-expect-error only a materialized view refreshes
  await PostStat.refresh(db)
  await PostTotal.refresh(db, { concurrently: true })
  // @ts-expect-error concurrently is a boolean
  await PostTotal.refresh(db, { concurrently: 'yes' })
}
