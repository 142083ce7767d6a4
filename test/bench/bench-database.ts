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
