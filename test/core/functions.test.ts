import {
  createSnapshot,
  generateTableFiles,
  parseSnapshot,
  planMigration,
  serializeSnapshot,
  type TableSchema,
  writeNextMigration,
} from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend, pgliteBackend } from '../support/backends.ts'
import { blog, posts, TOUCH_BODY } from './support/declared-object-schemas.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, runScript, schemaOf, tempProject } from './support/schema-fixtures.ts'

const TOUCH_SQL = `CREATE FUNCTION touch_updated_at()\nRETURNS trigger\nLANGUAGE plpgsql\nAS $fluentorm$${TOUCH_BODY}$fluentorm$;`
const DOMAIN_SQL = `CREATE DOMAIN email_address AS text CONSTRAINT email_address_check CHECK (VALUE ~ '^[^@]+@[^@]+$');`
const POST_COUNT = (t: TableSchema) =>
  t.function({
    name: 'post_count',
    returns: 'bigint',
    language: 'sql',
    volatility: 'stable',
    body: 'SELECT count(*) FROM posts',
  })

/** A view calling a function whose return type the test changes. */
const counted = (returns: string) =>
  schemaOf(
    file(
      'functions',
      (t) =>
        t.function({
          name: 'doubled',
          args: [{ name: 'n', type: 'integer' }],
          returns,
          language: 'sql',
          body: 'SELECT n * 2',
        }),
      0,
    ),
    file('posts', (t) => t.uuid({ name: 'id', primaryKey: true }), 1),
    file(
      'post_numbers',
      (t) => {
        t.view({ as: 'SELECT id, doubled(1) AS two FROM posts' })
        t.uuid({ name: 'id', primaryKey: true })
        t.bigInt({ name: 'two' })
      },
      2,
    ),
  )

describe('functions: schema and DDL', () => {
  it('compiles a file without columns into the functions and domains of the schema, no table', () => {
    const schema = blog()
    expect(schema.tables.map((t) => t.name)).toEqual(['posts'])
    expect(schema.functions).toEqual([
      {
        kind: 'function',
        name: 'touch_updated_at',
        args: [],
        returns: 'trigger',
        language: 'plpgsql',
        body: TOUCH_BODY,
        volatility: 'volatile',
        security: 'invoker',
        source: 'schemas/00_functions.ts',
      },
    ])
    // A schema without declarations keeps its shape (and so its snapshot hash).
    const plain = schemaOf(file('posts', (t) => t.uuid({ name: 'id', primaryKey: true }), 1))
    expect(Object.keys(plain)).toEqual(['kind', 'tables', 'enums'])
  })

  it('creates the domain and the function before the tables, one reading a table after them', () => {
    const plan = planMigration(null, blog({ extra: POST_COUNT }))
    expect(plan.up.slice(0, 2)).toEqual([DOMAIN_SQL, TOUCH_SQL])
    expect(plan.up[2]).toMatch(/^CREATE TABLE IF NOT EXISTS posts \(/)
    expect(plan.up.slice(3)).toEqual([
      'CREATE FUNCTION post_count()\nRETURNS bigint\nLANGUAGE sql\nSTABLE\nAS $fluentorm$SELECT count(*) FROM posts$fluentorm$;',
      'CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
    ])
    expect(plan.name).toBe('create_posts')
    expect(plan.down).toEqual([
      'DROP TRIGGER IF EXISTS posts_touch ON posts;',
      'DROP TABLE IF EXISTS posts;',
      'DROP FUNCTION IF EXISTS touch_updated_at();',
      'DROP FUNCTION IF EXISTS post_count();',
      'DROP DOMAIN IF EXISTS email_address;',
    ])
  })

  it('writes arguments with defaults, SECURITY DEFINER, and a dollar tag the body does not hold', () => {
    const schema = schemaOf(
      file('functions', (t) =>
        t.function({
          name: 'add_tax',
          args: [
            { name: 'amount', type: 'numeric' },
            { name: 'rate', type: 'numeric', default: '0.2' },
          ],
          returns: 'numeric',
          language: 'sql',
          volatility: 'immutable',
          security: 'definer',
          body: "SELECT amount * (1 + rate) -- not $fluentorm$ 'x'",
        }),
      ),
    )
    expect(planMigration(null, schema).up).toEqual([
      "CREATE FUNCTION add_tax(amount numeric, rate numeric DEFAULT 0.2)\nRETURNS numeric\nLANGUAGE sql\nIMMUTABLE\nSECURITY DEFINER\nAS $fluentorm_1$SELECT amount * (1 + rate) -- not $fluentorm$ 'x'$fluentorm_1$;",
    ])
    expect(planMigration(null, schema).down).toEqual([
      'DROP FUNCTION IF EXISTS add_tax(numeric, numeric);',
    ])
  })
})

describe('functions: diff', () => {
  const CHANGED = TOUCH_BODY.replace('now()', 'clock_timestamp()')
  it('replaces a changed body in place (OR REPLACE), and the down puts the old one back', () => {
    const plan = planMigration(blog(), blog({ body: CHANGED }))
    expect(plan.up).toEqual([
      TOUCH_SQL.replace('CREATE ', 'CREATE OR REPLACE ').replace('now()', 'clock_timestamp()'),
    ])
    expect(plan.down).toEqual([TOUCH_SQL.replace('CREATE ', 'CREATE OR REPLACE ')])
    expect(plan.name).toBe('replace_touch_updated_at')
    // Only the whitespace around the body: the same definition.
    expect(planMigration(blog(), blog({ body: TOUCH_BODY.trim() })).up).toEqual([])
  })

  it('drops and creates one whose arguments or return type change', () => {
    const total = (returns: string, args: { name: string; type: string }[] = []) =>
      schemaOf(
        file('functions', (t) =>
          t.function({ name: 'post_total', args, returns, language: 'sql', body: 'SELECT 1' }),
        ),
      )
    const plan = planMigration(total('integer'), total('bigint'))
    expect(plan.up).toEqual([
      'DROP FUNCTION IF EXISTS post_total();',
      'CREATE FUNCTION post_total()\nRETURNS bigint\nLANGUAGE sql\nAS $fluentorm$SELECT 1$fluentorm$;',
    ])
    expect(plan.down?.[0]).toBe('DROP FUNCTION IF EXISTS post_total();')
    expect(plan.name).toBe('replace_post_total')
    const argued = planMigration(total('integer'), total('integer', [{ name: 'n', type: 'int' }]))
    expect(argued.up[0]).toBe('DROP FUNCTION IF EXISTS post_total();')
    expect(argued.down?.[0]).toBe('DROP FUNCTION IF EXISTS post_total(int);')
  })

  it('drops a removed function after the trigger and the table that used it, reversibly', () => {
    const bare = schemaOf(
      file('posts', posts(null), 1),
      file(
        'domains',
        (t) => t.domain({ name: 'email_address', type: 'text', check: "VALUE ~ '^[^@]+@[^@]+$'" }),
        0,
      ),
    )
    const plan = planMigration(blog(), bare)
    expect(plan.up).toEqual([
      'DROP TRIGGER IF EXISTS posts_touch ON posts;',
      'DROP FUNCTION IF EXISTS touch_updated_at();',
    ])
    expect(plan.down).toEqual([
      TOUCH_SQL,
      'CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
    ])
    expect(plan.name).toBe('drop_posts_touch_and_drop_touch_updated_at')
  })

  it('re-creates a view that calls a function dropped and created again', () => {
    const plan = planMigration(counted('integer'), counted('bigint'))
    expect(plan.up).toEqual([
      'DROP VIEW IF EXISTS post_numbers;',
      'DROP FUNCTION IF EXISTS doubled(integer);',
      'CREATE FUNCTION doubled(n integer)\nRETURNS bigint\nLANGUAGE sql\nAS $fluentorm$SELECT n * 2$fluentorm$;',
      'CREATE VIEW post_numbers AS\nSELECT id, doubled(1) AS two FROM posts;',
    ])
    // A body changed in place leaves the view alone.
    expect(planMigration(counted('integer'), counted('integer')).up).toEqual([])
  })

  it('finds no change against its own snapshot, whose keys are stored sorted', () => {
    const schema = blog({ extra: POST_COUNT })
    const stored = parseSnapshot(serializeSnapshot(createSnapshot(schema)), 'snapshot.json')
    expect(stored.schema.functions).toHaveLength(2)
    expect(planMigration(stored.schema, schema).up).toEqual([])
  })

  it('writes them in the snapshot: the next generate writes nothing, a changed body one migration', async () => {
    const root = await tempProject({})
    const first = await writeNextMigration({ root, schema: blog({ extra: POST_COUNT }) })
    expect(first.ok && first.written).toEqual([
      'migrations/0001_create_posts.sql',
      'migrations/0001_create_posts.down.sql',
      'migrations/meta/snapshot.json',
    ])
    const again = await writeNextMigration({ root, schema: blog({ extra: POST_COUNT }) })
    expect(again).toMatchObject({ ok: true, written: [], message: 'No schema changes.' })
    const changed = await writeNextMigration({
      root,
      schema: blog({ body: 'BEGIN RETURN NEW; END' }),
    })
    expect(changed.ok && changed.written[0]).toBe(
      'migrations/0002_replace_touch_updated_at_and_drop_post_count.sql',
    )
    const after = await writeNextMigration({
      root,
      schema: blog({ body: 'BEGIN RETURN NEW; END' }),
    })
    expect(after).toMatchObject({ ok: true, written: [] })
  })

  it('reports what a function declaration lacks or gets wrong, at its call', () => {
    const messages = (build: (t: TableSchema) => void) =>
      problemsOf(file('functions', build, 0)).map((p) => p.message)
    expect(
      messages((t) => {
        t.function({ name: 'bad name', returns: 'int', body: 'SELECT 1' })
        t.function({ name: 'f', returns: 'int; DROP TABLE x', body: '' })
        t.function({ name: 'g', returns: 'int', body: 'SELECT 1', language: 'python' as 'sql' })
        t.function({
          name: 'h',
          args: [
            { name: 'a', type: 'int' },
            { name: 'a', type: 'int' },
          ],
          returns: 'int',
          body: 'SELECT 1',
          oops: 1,
        } as never)
        t.function({ name: 'g', returns: 'int', body: 'SELECT 2' })
        t.function({
          name: 'k',
          args: [{ name: 'a', typ: 'int' } as never],
          returns: 'int',
          body: 'SELECT 1',
        })
      }),
    ).toEqual([
      "Unknown option 'oops' on a function.",
      'Function name "bad name" is not a name PostgreSQL takes.',
      "The return type (returns) of Function 'f' contains a ; outside quotes.",
      "Function 'f' has no body.",
      `Function 'g' has language "python".`,
      "Function 'h' has two arguments named 'a'.",
      "Function 'g' is declared twice (first in schemas/00_functions.ts); fluentorm declares no overloads.",
      "Unknown option 'typ' on argument 1 of Function 'k'.",
      "The type of argument 1 of Function 'k' is not SQL text.",
    ])
  })
})

describe('functions on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  const definitions = () =>
    catalogRows(
      backend,
      `SELECT p.proname AS name, pg_get_functiondef(p.oid) AS definition FROM pg_proc p
       WHERE p.pronamespace = $1::regnamespace ORDER BY 1`,
    )

  it('creates, replaces, re-creates and rolls back functions PostgreSQL defines as written', async () => {
    const created = await migrateUp(backend, null, blog({ extra: POST_COUNT }))
    const [count, touch] = await definitions()
    expect(count?.name).toBe('post_count')
    expect(String(touch?.definition)).toBe(
      `CREATE OR REPLACE FUNCTION ${backend.schema}.touch_updated_at()\n RETURNS trigger\n LANGUAGE plpgsql\nAS $function$${TOUCH_BODY}$function$\n`,
    )
    await backend.db.query(
      `INSERT INTO posts (id, title, updated_at) VALUES (gen_random_uuid(), 'a', '2000-01-01')`,
    )
    expect((await backend.db.query('SELECT post_count() AS n')).rows).toEqual([{ n: '1' }])

    const body = TOUCH_BODY.replace('now()', "'2001-01-01'")
    const replaced = await migrateUp(
      backend,
      blog({ extra: POST_COUNT }),
      blog({ body, extra: POST_COUNT }),
    )
    await backend.db.query(`UPDATE posts SET title = 'b'`)
    const year = async () =>
      (await backend.db.query('SELECT extract(year FROM updated_at)::int AS y FROM posts')).rows
    expect(await year()).toEqual([{ y: 2001 }])
    await migrateDown(backend, replaced)
    await backend.db.query(`UPDATE posts SET title = 'c'`)
    expect((await year())[0]?.y).toBeGreaterThan(2020)
    expect((await definitions()).map((row) => row.definition)).toEqual([
      count?.definition,
      touch?.definition,
    ])
    await backend.db.query('DELETE FROM posts')
    await migrateDown(backend, created)
    expect(await definitions()).toEqual([])
  })

  it('drops and creates a view around a function made again, up and down', async () => {
    const created = await migrateUp(backend, null, counted('integer'))
    const retyped = await migrateUp(backend, counted('integer'), counted('bigint'))
    const type = async () =>
      (await backend.db.query('SELECT pg_typeof(doubled(1))::text AS type')).rows[0]?.type
    expect(await type()).toBe('bigint')
    await migrateDown(backend, retyped)
    expect(await type()).toBe('integer')
    await migrateDown(backend, created)
  })

  it('creates a function before the table whose generated column calls it, and drops it after', async () => {
    const slugify = (t: TableSchema) =>
      t.function({
        name: 'slugify',
        args: [{ name: 'title', type: 'text' }],
        returns: 'text',
        language: 'sql',
        volatility: 'immutable',
        body: "SELECT lower(replace(title, ' ', '-'))",
      })
    const articles = (slug: boolean) => (t: TableSchema) => {
      t.uuid({ name: 'id', primaryKey: true })
      t.string({ name: 'title' })
      if (slug) t.string({ name: 'slug', generatedAs: 'slugify(title)' })
    }
    const withSlug = schemaOf(file('functions', slugify, 0), file('articles', articles(true), 1))
    const without = schemaOf(file('articles', articles(false), 1))
    const created = await migrateUp(backend, null, withSlug)
    await backend.db.query(
      `INSERT INTO articles (id, title) VALUES (gen_random_uuid(), 'Hello World')`,
    )
    expect((await backend.db.query('SELECT slug FROM articles')).rows).toEqual([
      { slug: 'hello-world' },
    ])
    const removed = await migrateUp(backend, withSlug, without)
    expect(removed.up).toEqual([
      'ALTER TABLE articles DROP COLUMN IF EXISTS slug;',
      'DROP FUNCTION IF EXISTS slugify(text);',
    ])
    // The column is generated: the rollback computes its values again.
    await migrateDown(backend, removed)
    expect((await backend.db.query('SELECT slug FROM articles')).rows).toEqual([
      { slug: 'hello-world' },
    ])
    await backend.db.query('DELETE FROM articles')
    await migrateDown(backend, created)
    expect(await definitions()).toEqual([])
  })

  it('makes the same functions from the per-table files, _functions.sql first, applied twice', async () => {
    const schema = blog({ extra: POST_COUNT })
    const files = generateTableFiles(schema)
    expect([...files.keys()]).toEqual(['_functions.sql', 'posts.sql'])
    expect(files.get('posts.sql')).toContain('-- Apply after: _functions.sql\n')
    expect(files.get('posts.sql')).toContain('CREATE OR REPLACE FUNCTION post_count()')
    expect(files.get('posts.sql')).toContain(
      'CREATE OR REPLACE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
    )
    for (let pass = 0; pass < 2; pass++)
      for (const content of files.values()) await runScript(backend, content)
    const fromFiles = await definitions()
    await backend.db.query(
      'DROP TABLE posts; DROP FUNCTION touch_updated_at(), post_count(); DROP DOMAIN email_address',
    )
    expect(await definitions()).toEqual([])
    const created = await migrateUp(backend, null, schema)
    expect(await definitions()).toEqual(fromFiles)
    await migrateDown(backend, created)
  })
})

describe('functions on PGlite', () => {
  let backend: Backend<import('@electric-sql/pglite').PGlite>
  beforeAll(async () => {
    backend = await pgliteBackend()
  })
  afterAll(() => backend.close())

  const run = async (statements: readonly string[] | null) => {
    await backend.db.transaction(async (tx) => {
      for (const statement of statements ?? []) await tx.exec(statement)
    })
  }

  it('migrates functions, a domain and a trigger up, changes the body, and down again', async () => {
    const created = planMigration(null, blog({ extra: POST_COUNT }))
    await run(created.up)
    await backend.db.exec(
      `INSERT INTO posts (id, title, updated_at) VALUES (gen_random_uuid(), 'a', '2000-01-01')`,
    )
    const changed = planMigration(
      blog({ extra: POST_COUNT }),
      blog({ body: TOUCH_BODY.replace('now()', "'2001-01-01'"), extra: POST_COUNT }),
    )
    await run(changed.up)
    await backend.db.exec(`UPDATE posts SET title = 'b'`)
    expect(
      (
        await backend.db.query(
          'SELECT extract(year FROM updated_at)::int AS y, post_count()::int AS n FROM posts',
        )
      ).rows,
    ).toEqual([{ y: 2001, n: 1 }])
    await run(changed.down)
    await backend.db.exec('DELETE FROM posts')
    await run(created.down)
    expect(
      (
        await backend.db.query(
          `SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace`,
        )
      ).rows,
    ).toEqual([])
  }, 300_000)
})
