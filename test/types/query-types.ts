/**
 * Type tests: what users see through the generated `Model<UserTypes>` declarations.
 * Compiled by `npx tsc -p test/types/tsconfig.json --noEmit` (type-check.test.ts runs it);
 * every `@ts-expect-error` must be an error, every other line must compile.
 */
import { type Executor, type Model, placeholder, type RowOf, sql } from '@fluentorm/runtime'
import type {
  BlogModels,
  CommentRow,
  PostRow,
  PostTagTypes,
  TagRow,
  UserRow,
} from '../fixtures/blog-types.ts'

type Equal<A, B> =
  (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false
function expectType<A>() {
  return { is: <B>(..._: Equal<A, B> extends true ? [] : [never]) => undefined }
}

declare const db: Executor
declare const models: BlogModels
const { User, Post, Comment, PostTag } = models

export async function modelMethods() {
  const user = await User.insert(db, { email: 'a@b.c', name: 'Ann' })
  expectType<typeof user>().is<UserRow>()
  expectType<Awaited<ReturnType<typeof User.findById>>>().is<UserRow | null>()
  await User.update(db, user.id, { name: 'x', phone: null })
  await PostTag.findById(db, { post_id: 'p', tag_id: 1 })
  expectType<PostTagTypes['id']>().is<{ readonly post_id: string; readonly tag_id: number }>()

  const inserted = await User.insertMany(db, [{ email: 'a@b.c', name: 'Ann' }])
  expectType<typeof inserted>().is<UserRow[]>()
  const count = await User.insertMany(db, [{ email: 'a@b.c', name: 'Ann' }], { returning: false })
  expectType<typeof count>().is<number>()
  // @ts-expect-error with { returning: false } the result is a count, not rows
  ;(await User.insertMany(db, [], { returning: false })).map((row) => row.email)

  // @ts-expect-error email is required
  await User.insert(db, { name: 'Ann' })
  // @ts-expect-error view_count is excluded from the create input
  await Post.insert(db, { title: 't', user_id: user.id, view_count: 1 })
  // @ts-expect-error a misspelt column
  await User.update(db, user.id, { nmae: 'x' })
  // @ts-expect-error name is NOT NULL: null is not a valid update
  await User.update(db, user.id, { name: null })
  // @ts-expect-error a composite key is an object
  await PostTag.findById(db, 'p')
  // @ts-expect-error upsert conflict columns are the model's columns
  await User.upsert(db, { email: 'a', name: 'b' }, { conflict: ['emial'] })
}

export async function queries() {
  const posts = await Post.query()
    .where('view_count', '>', 10)
    .orderBy('created_at', 'desc')
    .fetch(db)
  expectType<typeof posts>().is<PostRow[]>()

  const narrowed = await Post.query().select('id', 'title').first(db)
  expectType<typeof narrowed>().is<{ id: string; title: string } | null>()

  await Post.query()
    .where('summary', null)
    .where('title', 'in', ['a', 'b'])
    .where('view_count', 'between', [1, 10])
    .where('title', 'ilike', '%x%')
    .where((q) => q.where('is_published', true).orWhere('view_count', '>=', 100))
    .whereNull('summary')
    .whereIn('user_id', User.query().select('id'))
    .whereExists(Comment.query().whereColumn('post_id', '=', Post.column('id')))
    .withDeleted()
    .limit(10)
    .fetch(db)

  const titles = await Post.query().pluck(db, 'title')
  expectType<typeof titles>().is<string[]>()
  const views = await Post.query().sum(db, 'view_count')
  expectType<typeof views>().is<number | null>()
  const likes = await Comment.query().sum(db, 'likes')
  expectType<typeof likes>().is<string | null>()
  const latest = await Post.query().max(db, 'created_at')
  expectType<typeof latest>().is<Date | null>()

  const joined = await Post.query()
    .join(User, 'users.id', 'posts.user_id')
    .where('users.name', 'Ann')
    .select('title', 'users.email')
    .fetch(db)
  expectType<typeof joined>().is<{ title: string; email: string }[]>()

  const renamed = await Post.query()
    .join(User, 'users.id', 'posts.user_id')
    .select({ heading: 'title', author: 'users.name', views: 'view_count' })
    .fetch(db)
  expectType<typeof renamed>().is<{ heading: string; author: string; views: number }[]>()
  // @ts-expect-error a misspelt column in the object form of select
  Post.query().select({ heading: 'titel' })

  const grouped = await Post.query()
    .select('user_id')
    .selectAggregate('count', '*', 'posts')
    .groupBy('user_id')
    .having('count', '*', '>', 1)
    .orderBy('posts', 'desc')
    .fetch(db)
  expectType<typeof grouped>().is<{ user_id: string; posts: number }[]>()

  // A first selectAggregate replaces the columns too (the SQL selects only the aggregate).
  const counted = await Post.query().selectAggregate('count', '*', 'n').fetch(db)
  expectType<typeof counted>().is<{ n: number }[]>()
  // Later selects add; includes stay, before or after a select.
  const twice = await Post.query().select('id').select({ heading: 'title' }).fetch(db)
  expectType<typeof twice>().is<{ id: string; heading: string }[]>()
  const withAuthor = await Post.query().include('author').select('title').fetch(db)
  expectType<keyof (typeof withAuthor)[number]>().is<'title' | 'author'>()

  // @ts-expect-error a misspelt column in where
  Post.query().where('titel', 'x')
  // @ts-expect-error a misspelt column in orderBy
  Post.query().orderBy('craeted_at')
  // @ts-expect-error a misspelt column in select
  Post.query().select('id', 'titel')
  // @ts-expect-error a wrong value type
  Post.query().where('view_count', '>', 'ten')
  // @ts-expect-error a wrong value type in a list
  Post.query().where('view_count', 'in', ['1'])
  // @ts-expect-error between takes a pair
  Post.query().where('view_count', 'between', 1)
  // @ts-expect-error an unknown operator
  Post.query().where('view_count', '=>', 1)
  // @ts-expect-error null only for nullable columns
  Post.query().where('title', null)
  // @ts-expect-error a column of a table that is not joined
  Post.query().where('users.name', 'Ann')
  // @ts-expect-error the joined column must belong to the joined model
  Post.query().join(User, 'posts.id', 'user_id')
  // @ts-expect-error sum of an unknown column
  Post.query().sum(db, 'views')
}

export async function includes() {
  const post = await Post.query()
    .include('author')
    .include('comments', (q) => q.where('approved', true).orderBy('created_at').limit(5))
    .include('tags', (q) => q.select('name'))
    .first(db)
  if (post) {
    expectType<typeof post.author>().is<UserRow | null>()
    expectType<typeof post.comments>().is<CommentRow[]>()
    expectType<typeof post.tags>().is<{ name: string }[]>()
    expectType<typeof post.title>().is<string>()
  }

  const users = await User.query()
    .include('posts', (q) => q.include('comments', (c) => c.include('author')))
    .fetch(db)
  expectType<
    (typeof users)[number]['posts'][number]['comments'][number]['author']
  >().is<UserRow | null>()

  const tags = await models.Tag.query().include('posts').fetch(db)
  expectType<(typeof tags)[number]>().is<TagRow & { posts: PostRow[] }>()

  // @ts-expect-error an unknown relation
  Post.query().include('auther')
  // @ts-expect-error nested queries are typed on the related model
  Post.query().include('author', (q) => q.where('title', 'x'))
}

export async function fragments() {
  const months = await Post.query()
    .select({ month: sql<Date>`date_trunc('month', ${Post.column('created_at')})`, id: 'id' })
    .groupBy(sql`date_trunc('month', ${Post.column('created_at')})`, 'id')
    .orderBy(sql`count(*)`, 'desc')
    .fetch(db)
  expectType<typeof months>().is<{ month: Date; id: string }[]>()
  const untyped = await Post.query().select({ n: sql`1` }).fetch(db)
  expectType<typeof untyped>().is<{ n: unknown }[]>()

  Post.query().where(sql`${Post.column('title')} <> ${'x'}`)
  Post.query().where(sql<string>`lower(${Post.column('title')})`, 'like', 'a%')
  Post.query().where('view_count', '<', sql`length(${Post.column('title')})`)
  Post.query().having(sql`count(*) > ${1}`)
  await Post.update(db, 'id', { view_count: sql`${Post.column('view_count')} + 1` })
  await User.insert(db, { email: sql`lower(${'A@B.C'})`, name: 'Ann' })

  const rows = await sql<{ n: number }>`SELECT 1 AS n`.fetch(db)
  expectType<typeof rows>().is<{ n: number }[]>()
  const one = await sql<{ n: number }>`SELECT 1 AS n`.first(db)
  expectType<typeof one>().is<{ n: number } | null>()

  // @ts-expect-error a fragment's value type is kept: a Date is not a string
  const wrong: { month: string }[] = months
  // @ts-expect-error Model.column takes only the model's columns
  Post.column('titel')
  // @ts-expect-error an update value is a column value or a fragment, nothing else
  await Post.update(db, 'id', { view_count: 'ten' })
  return wrong
}

export async function relationAggregates() {
  const posts = await Post.query()
    .select('title')
    .withCount('comments')
    .withCount('comments', { as: 'approved', where: (q) => q.where('approved', true) })
    .withExists('tags')
    .withSum('comments', 'likes')
    .withMax('comments', 'edited_at', { as: 'last_edit' })
    .where('comments_count', '>', 1)
    .orderBy('approved', 'desc')
    .fetch(db)
  expectType<(typeof posts)[number]>().is<{
    title: string
    comments_count: number
    approved: number
    tags_exists: boolean
    comments_sum_likes: string | null
    last_edit: Date | null
  }>()
  Post.query()
    .whereHas('tags', (q) => q.where('name', 'sql'))
    .whereDoesntHave('comments')
  Post.query().whereHas('author', (q) => q.whereHas('posts', (p) => p.where('view_count', '>', 1)))

  // @ts-expect-error an unknown relation
  Post.query().withCount('comets')
  // @ts-expect-error a column of the related model, not of this one
  Post.query().withSum('comments', 'view_count')
  // @ts-expect-error the nested query is on the related model
  Post.query().whereHas('tags', (q) => q.where('title', 'x'))
  // @ts-expect-error a count compares with a number
  Post.query().withCount('comments').where('comments_count', '>', 'many')
}

export async function placeholders() {
  const byTitle = Post.query()
    .where('title', placeholder('title'))
    .where('view_count', '>', placeholder('views'))
  const rows = await byTitle.fetch(db, { title: 'x', views: 3 })
  expectType<typeof rows>().is<PostRow[]>()
  await byTitle.first(db, { title: 'x', views: 3 })
  await byTitle.count(db, { title: 'x', views: 3 })
  await Post.query().fetch(db)

  // @ts-expect-error every placeholder needs its value
  await byTitle.fetch(db, { title: 'x' })
  // @ts-expect-error a placeholder's value has its column's type
  await byTitle.fetch(db, { title: 'x', views: 'many' })
  // @ts-expect-error a query with placeholders needs their values
  await byTitle.fetch(db)
}

export async function conflicts() {
  const maybe = await User.insert(
    db,
    { email: 'a@b.c', name: 'A' },
    { onConflict: 'nothing', conflict: ['email'] },
  )
  expectType<typeof maybe>().is<UserRow | null>()
  const sure = await User.insert(db, { email: 'a@b.c', name: 'A' })
  expectType<typeof sure>().is<UserRow>()
  const inserted = await User.insertMany(db, [], { onConflict: 'nothing' })
  expectType<typeof inserted>().is<UserRow[]>()
  const count = await User.insertMany(db, [], { onConflict: 'nothing', returning: false })
  expectType<typeof count>().is<number>()
  const misspelt = { onConflict: 'nothing', conflict: ['emial'] } as const
  // @ts-expect-error the conflict target names the model's columns
  await User.insert(db, { email: 'a@b.c', name: 'A' }, misspelt)
}

export async function locksCursorsAndUpserts() {
  const locked = await Post.query()
    .where('is_published', false)
    .forUpdate({ skipLocked: true })
    .fetch(db)
  expectType<typeof locked>().is<PostRow[]>()
  Post.query()
    .join(User, 'users.id', 'user_id')
    .forShare({ of: [Post], noWait: true })
  // @ts-expect-error skipLocked is true or absent
  Post.query().forUpdate({ skipLocked: 'yes' })

  const page = await Post.query().orderBy('created_at', 'desc').cursorPaginate(db, { perPage: 20 })
  expectType<typeof page.rows>().is<PostRow[]>()
  expectType<typeof page.next>().is<string | null>()
  await Post.query().orderBy('created_at').cursorPaginate(db, { perPage: 20, after: page.next })
  // @ts-expect-error perPage is required
  await Post.query().orderBy('created_at').cursorPaginate(db, {})

  const upserted = await User.upsertMany(db, [{ email: 'a@b.c', name: 'A' }], {
    conflict: ['email'],
    update: ['name'],
  })
  expectType<typeof upserted>().is<UserRow[]>()
  await User.upsert(db, { email: 'a@b.c', name: 'A' }, { update: [] })
  // @ts-expect-error update names the model's columns
  await User.upsert(db, { email: 'a@b.c', name: 'A' }, { update: ['nmae'] })

  // @ts-expect-error 'any' takes an element of an array column; title is not one
  Post.query().where('title', 'any', 'x')
  // @ts-expect-error '?|' takes an array of keys
  Post.query().where('title', '?|', 'x')
}

export async function requiredRelations() {
  const links = await PostTag.query().include('tag').include('post').fetch(db)
  expectType<(typeof links)[number]['tag']>().is<TagRow>()
  expectType<(typeof links)[number]['post']>().is<PostRow | null>()
}

interface AccountRow {
  id: number
  email: string
}
interface AccountTypes {
  readonly table: 'accounts'
  readonly row: AccountRow
  readonly create: { email: string; password_hash: string }
  readonly update: { email?: string; password_hash?: string }
  readonly id: number
  readonly redacted: { password_hash: string }
  readonly relations: Record<never, never>
}
declare const Account: Model<AccountTypes>

export async function redactedColumns() {
  const account = await Account.findById(db, 1)
  expectType<typeof account>().is<AccountRow | null>()
  // @ts-expect-error a redacted column is not in the default row
  account?.password_hash
  const login = await Account.query().select('id', 'password_hash').first(db)
  expectType<typeof login>().is<{ id: number; password_hash: string } | null>()
  Account.query().allowRedacted().where('password_hash', 'h')
}

export async function nestedPlaceholdersAndRowOf() {
  const feed = Post.query()
    .where((q) => q.where('title', placeholder('title')).orWhere('view_count', '>', 1))
    .withExists('comments', {
      as: 'mine',
      where: (q) => q.where('user_id', placeholder('viewer')),
    })
    .whereHas('tags', (q) => q.where('name', placeholder('tag')))
    .include('author', (q) => q.select('name'))
  await feed.fetch(db, { title: 't', viewer: 'u', tag: 'sql' })
  // @ts-expect-error every nested placeholder needs its value
  await feed.fetch(db, { title: 't', viewer: 'u' })
  // @ts-expect-error a nested placeholder's value has its column's type
  await feed.fetch(db, { title: 't', viewer: 'u', tag: 1 })
  type FeedRow = RowOf<typeof feed>
  expectType<FeedRow['mine']>().is<boolean>()
  expectType<FeedRow['author']>().is<{ name: string } | null>()
}
