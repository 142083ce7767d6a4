/** A fresh PostgreSQL schema per benchmark, so a bench never touches other data; the models the benches share. */
import {
  compileSchema,
  type SchemaFileModule,
  type TableSchema,
  toModelMetas,
} from '@fluentorm/core'
import { defineModels } from '@fluentorm/runtime'
import pg from 'pg'

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'

export interface BenchSchema {
  /** `-c search_path=<schema>`, for pg's `options`. */
  readonly options: string
  /** DATABASE_URL with the search_path in its `options`, for connect(). */
  readonly url: string
  readonly name: string
  drop(): Promise<void>
}

/** A fresh schema `name` on the server at `databaseUrl` (the network mode passes its own). */
export async function benchSchema(name: string, databaseUrl = DATABASE_URL): Promise<BenchSchema> {
  await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`, databaseUrl)
  const options = `-c search_path=${name}`
  const url = new URL(databaseUrl)
  url.searchParams.set('options', options)
  return {
    options,
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`, databaseUrl),
  }
}

/** Runs `sql` on the server's own database (DATABASE_URL), outside any bench schema. */
export async function adminQuery(sql: string, databaseUrl = DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Models for in-memory schema files, through the same compile the plugin runs. */
export function benchModels(files: readonly SchemaFileModule[]): Record<string, any> {
  const compiled = compileSchema(files)
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems))
  return defineModels(toModelMetas(compiled.schema))
}

/** `users` as the by-id benchmarks read it: `SELECT … FROM users WHERE id = $1`. */
export const USERS_FILE: SchemaFileModule = {
  path: 'bench/01_users.ts',
  tableName: 'users',
  order: 1,
  build(t: TableSchema) {
    t.uuid({ name: 'id', primaryKey: true })
    t.string({ name: 'email' })
    t.string({ name: 'name' })
    t.timestamptz({ name: 'created_at', defaultValue: 'now()' })
  },
}

/** users and posts, as (a) and the network mode's 20-row query read them. */
export function runtimeModels() {
  return benchModels([
    USERS_FILE,
    {
      path: 'bench/02_posts.ts',
      tableName: 'posts',
      order: 2,
      build(t: TableSchema) {
        t.uuid({ name: 'id', primaryKey: true })
        t.uuid({ name: 'user_id' })
        t.string({ name: 'title' })
        t.timestamptz({ name: 'created_at', defaultValue: 'now()' })
        t.belongsTo({ name: 'author', column: 'user_id', referencesTable: 'users' })
        t.addIndexes([{ columns: ['user_id', 'created_at'] }])
      },
    },
  ])
}

/** 1,000 users with 40 posts each, minutes apart; resolves to the users' ids. */
export async function seedUsersAndPosts(
  client: pg.Client,
  User: any,
  Post: any,
): Promise<string[]> {
  await User.createTable(client)
  await Post.createTable(client)
  await Post.createIndexes(client)
  await client.query(
    `INSERT INTO users (id, email, name) SELECT gen_random_uuid(), 'u' || i || '@x.io', 'user ' || i FROM generate_series(1, 1000) i`,
  )
  await client.query(
    `INSERT INTO posts (id, user_id, title, created_at) SELECT gen_random_uuid(), u.id, 'post ' || i, now() - i * interval '1 minute' FROM users u, generate_series(1, 40) i`,
  )
  await client.query('ANALYZE')
  return (await client.query<{ id: string }>('SELECT id FROM users')).rows.map((r) => r.id)
}
