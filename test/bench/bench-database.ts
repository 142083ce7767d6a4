/** A fresh PostgreSQL schema per benchmark, so a bench never touches other data. */
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

export async function benchSchema(name: string): Promise<BenchSchema> {
  await adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE; CREATE SCHEMA ${name}`)
  const options = `-c search_path=${name}`
  const url = new URL(DATABASE_URL)
  url.searchParams.set('options', options)
  return {
    options,
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP SCHEMA IF EXISTS ${name} CASCADE`),
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}
