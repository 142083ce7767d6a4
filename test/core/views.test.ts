import {
  createSnapshot,
  generateDts,
  parseSnapshot,
  planMigration,
  type SchemaIR,
  serializeSnapshot,
  sql,
  type TableSchema,
  tableDdl,
} from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend, pgliteBackend } from '../support/backends.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

const posts = (t: TableSchema) => {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'title' })
}
const comments = (t: TableSchema) => {
  t.uuid({ name: 'id', primaryKey: true })
  t.uuid({ name: 'post_id' })
  t.string({ name: 'body' })
  t.belongsTo({ name: 'post', column: 'post_id', referencesTable: 'posts', onDelete: 'cascade' })
}
const STATS = `SELECT p.id, p.title, count(c.id)::int AS comments FROM posts p LEFT JOIN comments c ON c.post_id = p.id GROUP BY p.id`
const stats =
  (as: string = STATS, materialized = false, indexed = false) =>
  (t: TableSchema) => {
    t.view({ as: sql([as] as unknown as TemplateStringsArray), materialized })
    t.uuid({ name: 'id', primaryKey: true })
    t.string({ name: 'title' })
    t.integer({ name: 'comments' })
    t.belongsTo({ name: 'post', column: 'id', referencesTable: 'posts', constraint: false })
    if (indexed) t.addIndexes([{ name: 'post_stats_id', columns: ['id'], unique: true }])
  }
// The view's file comes first: it is still created after every table.
const blog = (view = stats()): SchemaIR =>
  schemaOf(file('post_stats', view, 1), file('posts', posts, 2), file('comments', comments, 3))
const tablesOnly = schemaOf(file('posts', posts, 2), file('comments', comments, 3))

describe('views: schema and DDL', () => {
  it('compiles t.view into a view after every table, its columns never written', () => {
    const schema = blog()
    expect(schema.tables.map((t) => t.name)).toEqual(['posts', 'comments', 'post_stats'])
    const view = schema.tables[2]!
    expect(view.view).toEqual({ kind: 'view', sql: STATS, materialized: false })
    expect(view.columns.map((c) => [c.name, c.defaultSql, c.createInput, c.updateInput])).toEqual([
      ['id', null, 'excluded', false],
      ['title', null, 'excluded', false],
      ['comments', null, 'excluded', false],
    ])
    expect(tableDdl(view)).toMatchObject({
      createTypes: [],
      createTable: `CREATE OR REPLACE VIEW post_stats AS\n${STATS}`,
      foreignKeys: [],
      dropTable: 'DROP VIEW IF EXISTS post_stats CASCADE',
    })
    expect(planMigration(null, schema).up.at(-1)).toBe(`CREATE VIEW post_stats AS\n${STATS};`)
    expect(planMigration(null, schema).name).toBe('create_posts_comments_and_post_stats')
  })

  it('makes a materialized view WITH DATA and its indexes', () => {
    const schema = blog(stats(STATS, true, true))
    expect(planMigration(tablesOnly, schema).up).toEqual([
      `CREATE MATERIALIZED VIEW post_stats AS\n${STATS}\nWITH DATA;`,
      'CREATE UNIQUE INDEX IF NOT EXISTS post_stats_id ON post_stats (id);',
    ])
    // Its index builds on a view the migration makes: nothing to warn about.
    expect(planMigration(tablesOnly, schema).findings).toEqual([])
    expect(tableDdl(schema.tables[2]!).dropTable).toBe(
      'DROP MATERIALIZED VIEW IF EXISTS post_stats CASCADE',
    )
  })

  it('types the model read-only: ViewModel, MaterializedViewModel', () => {
    expect(generateDts(blog())).toContain('export const PostStat: ViewModel<PostStatTypes>')
    expect(generateDts(blog(stats(STATS, true)))).toContain(
      'export const PostStat: MaterializedViewModel<PostStatTypes>',
    )
    expect(generateDts(blog())).toContain('export interface PostStatCreate {\n  }')
    // A schema without views keeps its declarations as they were.
    expect(generateDts(tablesOnly)).toContain("import type { Model } from '@fluentorm/runtime'")
  })

  it('refuses a view without a body, a foreign key, and what only a table has', () => {
    const messages = (build: (t: TableSchema) => void) =>
      problemsOf(file('posts', posts, 1), file('post_stats', build, 2)).map((p) => p.message)
    expect(
      messages((t) => {
        t.view({ as: undefined as unknown as string })
        t.uuid({ name: 'id', primaryKey: true })
      }),
    ).toEqual(['The view body (as) is not SQL text.'])
    expect(
      messages((t) => {
        t.view({ as: 'SELECT id FROM posts; DROP TABLE posts' })
        t.uuid({ name: 'id', primaryKey: true })
      }),
    ).toEqual(['The view body (as) contains a ; outside quotes.'])
    expect(
      messages((t) => {
        t.view({ as: 'SELECT id FROM posts' })
        t.uuid({ name: 'id', primaryKey: true })
        t.belongsTo({ name: 'post', column: 'id', referencesTable: 'posts' })
      }),
    ).toEqual(["belongsTo 'post' is on a view, which cannot have a FOREIGN KEY constraint."])
    expect(
      messages((t) => {
        t.view({ as: 'SELECT id, 1 AS n FROM posts' })
        t.increments({ name: 'id', primaryKey: true })
        t.integer({ name: 'n', defaultValue: '0', check: 'n > 0' })
        t.check('positive', 'n > 0')
        t.addIndexes([{ columns: ['n'] }])
      }),
    ).toEqual([
      't.check() is not possible on a view.',
      'A plain view has no indexes (PostgreSQL reads the tables under it).',
      "View column 'id' is an identity column; a view's values come from its body.",
      "View column 'n' has a default; a view's values come from its body.",
      "View column 'n' has a check; a view's values come from its body.",
    ])
    expect(
      messages((t) => {
        t.view({ as: 'SELECT id FROM posts' })
        t.uuid({ name: 'id', primaryKey: true })
        t.manyToMany({ name: 'posts', targetTable: 'posts' })
      }),
    ).toEqual([
      "manyToMany 'posts' involves a view: the junction table fluentorm creates would need a FOREIGN KEY to it.",
    ])
    // A table's foreign key to a view is refused too.
    expect(
      problemsOf(
        file('post_stats', stats(), 1),
        file('posts', posts, 2),
        file('comments', comments, 3),
        file(
          'notes',
          (t) => {
            t.uuid({ name: 'id', primaryKey: true })
            t.belongsTo({ name: 'stat', column: 'id', referencesTable: 'post_stats' })
          },
          4,
        ),
      ).map((p) => p.message),
    ).toEqual([
      "belongsTo 'stat' references view 'post_stats', which cannot have a FOREIGN KEY constraint.",
    ])
  })
})

describe('views: diff', () => {
  const SHORTER = 'SELECT p.id, p.title, 0 AS comments FROM posts p'
  it('replaces a changed body (drop, then create after the tables); the down makes the old one', () => {
    const plan = planMigration(blog(), blog(stats(SHORTER)))
    expect(plan.up).toEqual([
      'DROP VIEW IF EXISTS post_stats;',
      `CREATE VIEW post_stats AS\n${SHORTER};`,
    ])
    expect(plan.down).toEqual([
      'DROP VIEW IF EXISTS post_stats;',
      `CREATE VIEW post_stats AS\n${STATS};`,
    ])
    expect(plan.name).toBe('replace_post_stats')
    expect(planMigration(blog(), blog()).up).toEqual([])
  })

  it('drops a view before the tables, reversibly', () => {
    const plan = planMigration(blog(), tablesOnly)
    expect(plan.up).toEqual(['DROP VIEW IF EXISTS post_stats;'])
    expect(plan.down).toEqual([`CREATE VIEW post_stats AS\n${STATS};`])
    expect(plan.name).toBe('drop_post_stats')
  })

  it('re-creates a view whose table changes in a way PostgreSQL refuses under a view', () => {
    const retitled = schemaOf(
      file('post_stats', stats(), 1),
      file(
        'posts',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.varchar({ name: 'title', length: 200 })
        },
        2,
      ),
      file('comments', comments, 3),
    )
    const plan = planMigration(blog(), retitled)
    expect(plan.up[0]).toBe('DROP VIEW IF EXISTS post_stats;')
    expect(plan.up.at(-1)).toBe(`CREATE VIEW post_stats AS\n${STATS};`)
    // Adding a column to a table it reads leaves it alone.
    const withSummary = schemaOf(
      file('post_stats', stats(), 1),
      file(
        'posts',
        (t) => {
          posts(t)
          t.string({ name: 'summary', nullable: true })
        },
        2,
      ),
      file('comments', comments, 3),
    )
    expect(planMigration(blog(), withSummary).up).toEqual([
      'ALTER TABLE posts ADD COLUMN IF NOT EXISTS summary TEXT;',
    ])
  })

  it('turns plain into materialized by drop + create, and diffs a materialized view’s indexes', () => {
    expect(planMigration(blog(), blog(stats(STATS, true))).up).toEqual([
      'DROP VIEW IF EXISTS post_stats;',
      `CREATE MATERIALIZED VIEW post_stats AS\n${STATS}\nWITH DATA;`,
    ])
    const indexed = planMigration(blog(stats(STATS, true)), blog(stats(STATS, true, true)))
    expect(indexed.up).toEqual([
      'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS post_stats_id ON post_stats (id);',
    ])
    expect(indexed.down).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS post_stats_id;'])
  })

  it('finds no change against its own snapshot (keys stored sorted), and loads one without views', () => {
    const schema = blog(stats(STATS, true, true))
    const stored = parseSnapshot(serializeSnapshot(createSnapshot(schema)), 'snapshot.json')
    expect(planMigration(stored.schema, schema).up).toEqual([])
    const old = parseSnapshot(serializeSnapshot(createSnapshot(tablesOnly)), 'snapshot.json')
    expect(old.schema.tables.map((t) => t.view)).toEqual([undefined, undefined])
    expect(planMigration(old.schema, tablesOnly).up).toEqual([])
  })

  it('allows a view without a key: findById is then refused by the model', () => {
    const keyless = schemaOf(
      file('posts', posts, 1),
      file(
        'titles',
        (t) => {
          t.view({ as: 'SELECT title FROM posts' })
          t.string({ name: 'title' })
        },
        2,
      ),
    )
    expect(keyless.tables[1]?.primaryKey).toEqual([])
    // A table still needs one.
    expect(
      problemsOf(file('titles', (t) => t.string({ name: 'title' }))).map((p) => p.message),
    ).toEqual([
      "Table 'titles' has no primary key; models need one to find, update and delete rows.",
    ])
  })
})

describe('views on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  // The view's columns as PostgreSQL has them, against the ones the schema declares.
  const viewColumns = () =>
    catalogRows(
      backend,
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, c.relkind::text AS kind
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
       WHERE c.relname = 'post_stats' AND c.relnamespace = $1::regnamespace AND a.attnum > 0
       ORDER BY a.attnum`,
    )
  const declared = (schema: SchemaIR, kind: string) =>
    schema.tables
      .find((t) => t.name === 'post_stats')!
      .columns.map((c) => ({ name: c.name, type: c.sqlType.toLowerCase(), kind }))

  it('creates, replaces, materializes and rolls back views whose columns are the declared ones', async () => {
    const created = await migrateUp(backend, null, blog())
    expect(await viewColumns()).toEqual(declared(blog(), 'v'))
    await backend.db.query(
      `INSERT INTO posts (id, title) VALUES ('00000000-0000-0000-0000-000000000001', 'Hello')`,
    )
    await backend.db.query(
      `INSERT INTO comments (id, post_id, body) VALUES (gen_random_uuid(), '00000000-0000-0000-0000-000000000001', 'a')`,
    )
    const read = async () => (await backend.db.query('SELECT title, comments FROM post_stats')).rows
    expect(await read()).toEqual([{ title: 'Hello', comments: 1 }])

    // A column type change under the view: dropped and made again around the ALTER.
    const retitled = schemaOf(
      file('post_stats', stats(), 1),
      file(
        'posts',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.varchar({ name: 'title', length: 200 })
        },
        2,
      ),
      file('comments', comments, 3),
    )
    const retype = await migrateUp(backend, blog(), retitled)
    expect((await viewColumns())[1]).toEqual({
      name: 'title',
      type: 'character varying(200)',
      kind: 'v',
    })
    await migrateDown(backend, retype)
    expect(await viewColumns()).toEqual(declared(blog(), 'v'))

    const materialized = blog(stats(STATS, true, true))
    const toMaterialized = await migrateUp(backend, blog(), materialized)
    expect(await viewColumns()).toEqual(declared(materialized, 'm'))
    expect(await read()).toEqual([{ title: 'Hello', comments: 1 }])
    await migrateDown(backend, toMaterialized)
    expect(await viewColumns()).toEqual(declared(blog(), 'v'))

    await migrateDown(backend, created)
    expect(await viewColumns()).toEqual([])
  })

  it('orders a view after the views it reads, and re-creates it when one of them is', async () => {
    const chain = (threshold: number) =>
      schemaOf(
        file('busy_posts', (t) => {
          t.view({ as: 'SELECT id FROM post_stats WHERE comments > 0' })
          t.uuid({ name: 'id', primaryKey: true })
        }),
        file('post_stats', stats(`${STATS} HAVING count(c.id) >= ${threshold}`), 2),
        file('posts', posts, 3),
        file('comments', comments, 4),
      )
    expect(chain(0).tables.map((t) => t.name)).toEqual([
      'posts',
      'comments',
      'post_stats',
      'busy_posts',
    ])
    const created = await migrateUp(backend, null, chain(0))
    const changed = await migrateUp(backend, chain(0), chain(1))
    expect(changed.up.filter((s) => s.startsWith('DROP VIEW'))).toEqual([
      'DROP VIEW IF EXISTS busy_posts;',
      'DROP VIEW IF EXISTS post_stats;',
    ])
    expect(changed.up.at(-1)).toMatch(/^CREATE VIEW busy_posts AS/)
    await migrateDown(backend, changed)
    await migrateDown(backend, created)
  })

  it('re-creates a view over an enum column around the recreated type, up and down', async () => {
    const states = (values: string[]) =>
      schemaOf(
        file('post_stats', (t) => {
          t.view({ as: 'SELECT id, state FROM posts' })
          t.uuid({ name: 'id', primaryKey: true })
          t.enum({ name: 'state', values, enumName: 'posts_state' })
        }),
        file(
          'posts',
          (t) => {
            t.uuid({ name: 'id', primaryKey: true })
            t.enum({ name: 'state', values })
          },
          2,
        ),
      )
    const created = await migrateUp(backend, null, states(['draft', 'live', 'gone']))
    await backend.db.query(`INSERT INTO posts (id, state) VALUES (gen_random_uuid(), 'live')`)
    const reordered = await migrateUp(
      backend,
      states(['draft', 'live', 'gone']),
      states(['live', 'draft', 'gone']),
    )
    expect(reordered.up[0]).toBe('DROP VIEW IF EXISTS post_stats;')
    expect(reordered.up.filter((s) => s.includes('post_stats'))).toHaveLength(2)
    expect((await backend.db.query('SELECT state FROM post_stats')).rows).toEqual([
      { state: 'live' },
    ])
    await migrateDown(backend, reordered)
    expect((await backend.db.query('SELECT state FROM post_stats')).rows).toEqual([
      { state: 'live' },
    ])
    await backend.db.query('DELETE FROM posts')
    await migrateDown(backend, created)
  })
})

describe('views on PGlite', () => {
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
  const kinds = async () =>
    (
      await backend.db.query<{ name: string; kind: string }>(
        "SELECT relname AS name, relkind::text AS kind FROM pg_class WHERE relname IN ('post_stats', 'post_stats_id') ORDER BY 1",
      )
    ).rows

  it('migrates a view up, to materialized with its index, and down again', async () => {
    const created = planMigration(null, blog())
    await run(created.up)
    expect(await kinds()).toEqual([{ name: 'post_stats', kind: 'v' }])
    const materialized = planMigration(blog(), blog(stats(STATS, true, true)))
    await run(materialized.up)
    expect(await kinds()).toEqual([
      { name: 'post_stats', kind: 'm' },
      { name: 'post_stats_id', kind: 'i' },
    ])
    await run(materialized.down)
    expect(await kinds()).toEqual([{ name: 'post_stats', kind: 'v' }])
    await run(created.down)
    expect(await kinds()).toEqual([])
  }, 300_000)
})
