import { randomBytes } from 'node:crypto'
import { PGlite } from '@electric-sql/pglite'
import pg from 'pg'

/** The real PostgreSQL server the suite runs against (.ci/run exports a fresh database). */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test'

export interface Backend<H = pg.Pool | PGlite> {
  readonly name: 'pg' | 'pglite'
  /** The raw handle a user would pass to a model method. */
  readonly db: H
  /** Schema the backend's tables live in (`public` for PGlite). */
  readonly schema: string
  close(): Promise<void>
}

/**
 * A pg.Pool on the real server, isolated in a fresh PostgreSQL schema (search_path), so
 * test files can run in parallel on one database. The schema is dropped on close.
 */
export async function pgBackend(options: pg.PoolConfig = {}): Promise<Backend<pg.Pool>> {
  const schema = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE SCHEMA ${schema}`)
  await admin.end()
  const db = new pg.Pool({
    connectionString: DATABASE_URL,
    options: `-c search_path=${schema}`,
    max: 4,
    ...options,
  })
  return {
    name: 'pg',
    db,
    schema,
    async close() {
      await db.end()
      const drop = new pg.Client({ connectionString: DATABASE_URL })
      await drop.connect()
      await drop.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
      await drop.end()
    },
  }
}

/**
 * A pg.Pool on a fresh database of its own, dropped on close. For tests of what waits on the
 * whole database: CREATE INDEX CONCURRENTLY waits for every transaction of its database to
 * end, and in a database shared by parallel test files some other file's transaction is
 * always open.
 */
export async function pgDatabaseBackend(): Promise<Backend<pg.Pool>> {
  const name = `t_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: DATABASE_URL })
  await admin.connect()
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.end()
  const url = new URL(DATABASE_URL)
  url.pathname = `/${name}`
  const db = new pg.Pool({ connectionString: url.toString(), max: 4 })
  return {
    name: 'pg',
    db,
    schema: 'public',
    async close() {
      await db.end()
      const drop = new pg.Client({ connectionString: DATABASE_URL })
      await drop.connect()
      await drop.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await drop.end()
    },
  }
}

/** Both backends, with PostgreSQL on a database of its own (see pgDatabaseBackend). */
export const OWN_DATABASE_BACKENDS = [
  { name: 'pg', open: pgDatabaseBackend },
  { name: 'pglite', open: pgliteBackend },
] as const

/** An in-memory PGlite database. */
export async function pgliteBackend(): Promise<Backend<PGlite>> {
  const db = await PGlite.create()
  return { name: 'pglite', db, schema: 'public', close: () => db.close() }
}

/** Both backends, for `describe.each(BACKENDS)`: the same tests run over each. */
export const BACKENDS = [
  { name: 'pg', open: pgBackend },
  { name: 'pglite', open: pgliteBackend },
] as const
