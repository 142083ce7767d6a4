import { rm } from 'node:fs/promises'
import { migrate } from '@fluentorm/runtime'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, DATABASE_URL, pgBackend, pgDatabaseBackend } from '../support/backends.ts'
import { fluentormInProcess as fluentorm } from '../support/fluentorm-cli.ts'
import { runScript, tempProject } from './support/schema-fixtures.ts'

/**
 * `pull --schema shop` over a URL whose search path is public records the adopted migrations
 * in shop, where `migrate` with the search path at shop (docs/ADOPTING.md) looks for them.
 * A database of its own: the public schema it must leave alone is its own.
 */
describe('fluentorm pull --schema records its baseline in that schema', () => {
  let backend: Backend<pg.Pool>
  let cwd: string
  let url: string
  const shopUrl = () => {
    const shop = new URL(url)
    shop.searchParams.set('options', '-c search_path=shop')
    return shop.toString()
  }

  beforeAll(async () => {
    backend = await pgDatabaseBackend()
    url = backend.db.options.connectionString!
    await runScript(
      backend,
      'CREATE SCHEMA shop; CREATE TABLE shop.products (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name TEXT NOT NULL);',
    )
    cwd = await tempProject({ 'package.json': '{ "type": "module" }\n' }, true)
  })
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true })
    await backend.close()
  })

  it('so status has nothing pending and migrate runs nothing', async () => {
    const pulled = await fluentorm(cwd, 'pull', '--url', url, '--schema', 'shop')
    expect(pulled.stderr).toBe('')
    expect(pulled.code).toBe(0)
    const tables = await backend.db.query<{ shop: string | null; public: string | null }>(
      "SELECT to_regclass('shop.fluentorm_migrations')::text AS shop, to_regclass('public.fluentorm_migrations')::text AS public",
    )
    expect(tables.rows[0]).toEqual({ shop: 'shop.fluentorm_migrations', public: null })
    const status = await fluentorm(cwd, 'status', '--url', shopUrl(), '--json')
    expect(JSON.parse(status.stdout)).toMatchObject({ pending: [] })
    const migrated = await fluentorm(cwd, 'migrate', '--url', shopUrl(), '--json')
    expect(migrated.code).toBe(0)
    expect(JSON.parse(migrated.stdout)).toMatchObject({ applied: [] })
  })
})

/** What schema files cannot say of a table is listed and carried in the adopted SQL, never dropped. */
describe('fluentorm pull: INHERITS, UNLOGGED and CREATE STATISTICS', () => {
  const opened: Backend<pg.Pool>[] = []
  let cwd: string
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true })
    for (const backend of opened) await backend.close()
  })
  const open = async () => {
    const backend = await pgBackend()
    opened.push(backend)
    return backend
  }
  const properties = async (backend: Backend<pg.Pool>) =>
    (
      await backend.db.query(
        `SELECT (SELECT string_agg(relname || ':' || relpersistence::text, ',' ORDER BY relname) FROM pg_class
                  WHERE relnamespace = $1::regnamespace AND relkind = 'r' AND relname IN ('cache', 'child')) AS tables,
                (SELECT string_agg(c.relname || '<' || p.relname, ',') FROM pg_inherits i
                  JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                  WHERE c.relnamespace = $1::regnamespace) AS inherits,
                (SELECT string_agg(stxname || ' ' || stxkeys::text, ',') FROM pg_statistic_ext
                  WHERE stxnamespace = $1::regnamespace) AS statistics`,
        [backend.schema],
      )
    ).rows[0]

  it('lists them, and the migrations make them again', async () => {
    const source = await open()
    await runScript(
      source,
      `CREATE TABLE base (id int PRIMARY KEY, a text);
       CREATE TABLE child (b text) INHERITS (base);
       CREATE UNLOGGED TABLE cache (k text PRIMARY KEY, v bytea);
       CREATE TABLE tasks (id int PRIMARY KEY, done boolean NOT NULL, prio smallint);
       CREATE STATISTICS tasks_stats ON done, prio FROM tasks;`,
    )
    cwd = await tempProject({ 'package.json': '{ "type": "module" }\n' }, true)
    const url = new URL(DATABASE_URL)
    url.searchParams.set('options', `-c search_path=${source.schema}`)
    const pulled = await fluentorm(cwd, 'pull', '--url', url.toString(), '--schema', source.schema)
    expect(pulled.code).toBe(0)
    for (const object of [
      'inheritance child from base',
      'unlogged table cache',
      'statistics tasks_stats',
    ])
      expect(pulled.stdout).toContain(`  ${object}: `)
    const target = await open()
    await migrate(target.db, { migrations: `${cwd}/migrations` })
    expect(await properties(target)).toEqual(await properties(source))
    expect(await properties(source)).toEqual({
      tables: 'cache:u,child:p',
      inherits: 'child<base',
      statistics: 'tasks_stats 2 3',
    })
  })
})

/**
 * An unqualified timestamptz is declared (6) and given back its type by the adopted SQL,
 * except where PostgreSQL refuses the retype: a partition key's column, one a generated column
 * uses. Those stay (6), the same microseconds, and the migrations run on an empty database.
 */
describe('fluentorm pull: an unqualified timestamptz PostgreSQL cannot retype', () => {
  const opened: Backend<pg.Pool>[] = []
  let cwd: string
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true })
    for (const backend of opened) await backend.close()
  })
  const open = async () => {
    const backend = await pgBackend()
    opened.push(backend)
    return backend
  }
  const types = async (backend: Backend<pg.Pool>) =>
    (
      await backend.db.query(
        `SELECT c.relname || '.' || a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
          WHERE c.relnamespace = $1::regnamespace AND a.attname = 'at' AND c.relkind IN ('r', 'p')
          ORDER BY 1`,
        [backend.schema],
      )
    ).rows

  it('keeps those at (6) and retypes the others', async () => {
    const source = await open()
    await runScript(
      source,
      `CREATE TABLE payment (id int, at timestamptz NOT NULL, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
       CREATE TABLE payment_2022 PARTITION OF payment FOR VALUES FROM ('2022-01-01') TO ('2023-01-01');
       CREATE TABLE visit (id int PRIMARY KEY, at timestamptz NOT NULL,
         day date GENERATED ALWAYS AS ((at AT TIME ZONE 'UTC')::date) STORED);
       CREATE TABLE note (id int PRIMARY KEY, at timestamptz NOT NULL);`,
    )
    cwd = await tempProject({ 'package.json': '{ "type": "module" }\n' }, true)
    const url = new URL(DATABASE_URL)
    url.searchParams.set('options', `-c search_path=${source.schema}`)
    const pulled = await fluentorm(cwd, 'pull', '--url', url.toString(), '--schema', source.schema)
    expect(pulled.code).toBe(0)
    const target = await open()
    await migrate(target.db, { migrations: `${cwd}/migrations` })
    expect(pulled.stdout).toContain('PostgreSQL cannot retype a column in the partition key.')
    expect(pulled.stdout).toContain('PostgreSQL cannot retype a column used by a generated column.')
    expect(await types(target)).toEqual([
      { column: 'note.at', type: 'timestamp with time zone' },
      { column: 'payment.at', type: 'timestamp(6) with time zone' },
      { column: 'payment_2022.at', type: 'timestamp(6) with time zone' },
      { column: 'visit.at', type: 'timestamp(6) with time zone' },
    ])
    const generated = await fluentorm(cwd, 'generate')
    expect(generated.stdout).toContain('No schema changes.')
  })
})
