import { formatProblems, loadSchemas, planMigration, sql, type TableSchema } from '@fluentorm/core'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { blog, objects, posts, TOUCH } from './support/declared-object-schemas.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf, tempProject } from './support/schema-fixtures.ts'

const CREATE_TOUCH =
  'CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();'

describe('triggers: DDL and diff', () => {
  it('writes OF columns, WHEN, several events and a statement trigger', () => {
    const schema = blog({
      trigger: { events: ['insert', 'update'], of: ['title'], when: sql`NEW.title IS NOT NULL` },
    })
    expect(schema.tables[0]?.triggers).toEqual([
      {
        kind: 'trigger',
        name: 'posts_touch',
        timing: 'before',
        events: ['insert', 'update'],
        of: ['title'],
        forEach: 'row',
        when: 'NEW.title IS NOT NULL',
        function: 'touch_updated_at',
      },
    ])
    expect(planMigration(null, schema).up.at(-1)).toBe(
      'CREATE TRIGGER posts_touch BEFORE INSERT OR UPDATE OF title ON posts FOR EACH ROW WHEN (NEW.title IS NOT NULL) EXECUTE FUNCTION touch_updated_at();',
    )
  })

  it('drops a changed trigger first and creates it last, in one migration; the down undoes it', () => {
    const plan = planMigration(blog(), blog({ trigger: { timing: 'after', events: ['insert'] } }))
    const changed =
      'CREATE TRIGGER posts_touch AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at();'
    expect(plan.up).toEqual(['DROP TRIGGER IF EXISTS posts_touch ON posts;', changed])
    expect(plan.down).toEqual(['DROP TRIGGER IF EXISTS posts_touch ON posts;', CREATE_TOUCH])
    expect(plan.name).toBe('add_posts_touch_to_posts')
    expect(planMigration(blog(), blog()).up).toEqual([])
  })

  it('makes an INSTEAD OF trigger on a view again when the view is re-created', () => {
    const titles = (as: string) =>
      schemaOf(
        file('functions', objects(), 0),
        file('posts', posts(), 1),
        file(
          'post_titles',
          (t) => {
            t.view({ as })
            t.uuid({ name: 'id', primaryKey: true })
            t.string({ name: 'title' })
            t.trigger({ ...TOUCH, name: 'post_titles_edit', timing: 'instead of' })
          },
          2,
        ),
      )
    const before = titles('SELECT id, title FROM posts')
    const plan = planMigration(before, titles('SELECT id, upper(title) AS title FROM posts'))
    const edit =
      'CREATE TRIGGER post_titles_edit INSTEAD OF UPDATE ON post_titles FOR EACH ROW EXECUTE FUNCTION touch_updated_at();'
    expect(plan.up).toEqual([
      'DROP TRIGGER IF EXISTS post_titles_edit ON post_titles;',
      'DROP VIEW IF EXISTS post_titles;',
      'CREATE VIEW post_titles AS\nSELECT id, upper(title) AS title FROM posts;',
      edit,
    ])
    expect(plan.down?.at(-1)).toBe(edit)
    expect(planMigration(null, before).up.at(-1)).toBe(edit)
    // A BEFORE row trigger is no view's.
    expect(
      problemsOf(
        file('functions', objects(), 0),
        file('posts', posts(null), 1),
        file(
          'post_titles',
          (t) => {
            t.view({ as: 'SELECT id FROM posts' })
            t.uuid({ name: 'id', primaryKey: true })
            t.trigger(TOUCH)
          },
          2,
        ),
      ).map((p) => p.message),
    ).toEqual([
      "Trigger 'posts_touch' is a before row trigger on a view; a view takes INSTEAD OF row triggers.",
    ])
  })

  it('moves a trigger with its renamed table: dropped under the old name first, made last', () => {
    const renamed = schemaOf(
      file('functions', objects(), 0),
      file(
        'articles',
        (t) => {
          posts()(t)
          t.renamedFrom('posts')
        },
        1,
      ),
    )
    expect(planMigration(blog(), renamed).up).toEqual([
      'DROP TRIGGER IF EXISTS posts_touch ON posts;',
      'ALTER TABLE posts RENAME TO articles;',
      'ALTER TABLE articles RENAME CONSTRAINT posts_pkey TO articles_pkey;',
      'CREATE TRIGGER posts_touch BEFORE UPDATE ON articles FOR EACH ROW EXECUTE FUNCTION touch_updated_at();',
    ])
  })

  it('takes functions declared in a table file as the schema’s', () => {
    const schema = schemaOf(
      file(
        'posts',
        (t) => {
          objects()(t)
          posts()(t)
        },
        1,
      ),
    )
    expect(schema.tables.map((table) => table.name)).toEqual(['posts'])
    expect(schema.functions?.map((item) => item.name)).toEqual(['touch_updated_at'])
    expect(schema.domains?.map((item) => item.name)).toEqual(['email_address'])
  })

  it('adds and drops a trigger on an existing table, before its function goes', () => {
    const added = planMigration(blog({ trigger: null }), blog())
    expect(added.up).toEqual([CREATE_TOUCH])
    expect(added.down).toEqual(['DROP TRIGGER IF EXISTS posts_touch ON posts;'])
    expect(added.name).toBe('add_posts_touch_to_posts')
  })
})

describe('triggers: validation', () => {
  const problems = (trigger: Record<string, unknown>, extra?: (t: TableSchema) => void) =>
    problemsOf(
      file('functions', objects(), 0),
      file(
        'posts',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.string({ name: 'title' })
          t.trigger({ ...TOUCH, ...trigger } as never)
          extra?.(t)
        },
        1,
      ),
    )
  const messages = (trigger: Record<string, unknown>) => problems(trigger).map((p) => p.message)

  it('names an unknown function with the declared ones, at the call (file:line)', () => {
    const [problem] = problems({ function: 'touch_update_at' })
    expect(problem?.message).toBe(
      "Trigger 'posts_touch' runs function 'touch_update_at', which no schema file declares.",
    )
    expect(problem?.hint).toBe("Did you mean 'touch_updated_at'? Functions: touch_updated_at.")
    expect(problem?.file).toBe('schemas/01_posts.ts')
  })

  it('refuses unknown columns, INSTEAD OF on a table, WHEN over NEW on a statement trigger', () => {
    expect(messages({ of: ['titel'] })).toEqual([
      "Trigger 'posts_touch' fires on update of column 'titel', which the table does not have.",
    ])
    expect(messages({ timing: 'instead of' })).toEqual([
      "Trigger 'posts_touch' is INSTEAD OF on a table; only a view takes INSTEAD OF triggers.",
    ])
    expect(messages({ forEach: 'statement', when: 'NEW.title <> OLD.title' })).toEqual([
      "Trigger 'posts_touch' is a statement trigger whose WHEN names NEW or OLD; a statement has no row.",
    ])
    expect(messages({ events: ['insert'], when: 'OLD.title IS NULL' })).toEqual([
      "Trigger 'posts_touch' fires on insert, but its WHEN names OLD, which an insert has not.",
    ])
    expect(messages({ events: ['truncate'] })).toEqual([
      "Trigger 'posts_touch' fires on truncate for each row; TRUNCATE triggers are per statement.",
    ])
    expect(messages({ events: ['upsert'], of: ['title'] })).toEqual([
      'Trigger \'posts_touch\' has unknown events "upsert".',
      "Trigger 'posts_touch' lists columns (of) without the update event.",
    ])
    expect(messages({ forEach: 'each' })).toEqual([`Trigger 'posts_touch' has forEach "each".`])
  })

  it('refuses a function that does not return trigger, and a trigger declared twice', () => {
    const wrong = problemsOf(
      file(
        'functions',
        (t) => t.function({ name: 'f', returns: 'int', language: 'sql', body: 'SELECT 1' }),
        0,
      ),
      file(
        'posts',
        (t) => {
          t.uuid({ name: 'id', primaryKey: true })
          t.trigger({ ...TOUCH, function: 'f' })
          t.trigger({ ...TOUCH, function: 'f' })
        },
        1,
      ),
    ).map((p) => p.message)
    expect(wrong).toEqual([
      "Trigger 'posts_touch' is declared twice.",
      "Trigger 'posts_touch' runs function 'f', which returns int, not trigger.",
      "Trigger 'posts_touch' runs function 'f', which returns int, not trigger.",
    ])
  })

  it('points at the trigger and function calls of schema files: file and line', async () => {
    const root = await tempProject({
      'schemas/00_functions.ts': `import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.function({ name: 'touch', returns: 'trigger', body: '' })
}
`,
      'schemas/01_posts.ts': `import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.uuid({ name: 'id', primaryKey: true })
  t.trigger({ name: 'posts_touch', timing: 'before', events: ['update'], forEach: 'row', function: 'tuoch' })
  t.trigger({ name: 'posts_of', timing: 'after', events: ['update'], of: ['nope'], forEach: 'row', function: 'touch' })
}
`,
    })
    const result = await loadSchemas({ schemasDir: 'schemas', root })
    if (result.ok) throw new Error('expected problems')
    expect(formatProblems(result.problems)).toContain(
      "schemas/01_posts.ts:6:5 (table posts, column nope)\n  Trigger 'posts_of' fires on update of column 'nope', which the table does not have.",
    )
    expect(formatProblems(result.problems)).toContain(
      "schemas/00_functions.ts:4:5\n  Function 'touch' has no body.",
    )
    expect(formatProblems(result.problems)).toContain(
      "schemas/01_posts.ts:5:5\n  Trigger 'posts_touch' runs function 'tuoch', which no schema file declares.\n  Fix: Did you mean 'touch'?",
    )
  })

  it('accepts a function no schema file declares when the schema declares none', () => {
    const schema = schemaOf(
      file('posts', (t) => {
        t.uuid({ name: 'id', primaryKey: true })
        t.trigger({ ...TOUCH, function: 'written_by_hand' })
      }),
    )
    expect(schema.tables[0]?.triggers?.[0]?.function).toBe('written_by_hand')
  })
})

describe('triggers on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  const triggers = () =>
    catalogRows(
      backend,
      `SELECT t.tgname AS name, pg_get_triggerdef(t.oid) AS definition FROM pg_trigger t
       JOIN pg_class c ON c.oid = t.tgrelid
       WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal ORDER BY 1`,
    )

  it('creates the trigger as written, changes it, fires it, and rolls back', async () => {
    const created = await migrateUp(backend, null, blog())
    expect(await triggers()).toEqual([
      {
        name: 'posts_touch',
        definition: `CREATE TRIGGER posts_touch BEFORE UPDATE ON ${backend.schema}.posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at()`,
      },
    ])
    await backend.db.query(
      `INSERT INTO posts (id, title, updated_at) VALUES (gen_random_uuid(), 'a', '2000-01-01')`,
    )
    await backend.db.query(`UPDATE posts SET title = 'b'`)
    const touched = async () =>
      (
        await backend.db.query(
          "SELECT updated_at > created_at - interval '1 day' AS fresh FROM posts",
        )
      ).rows
    expect(await touched()).toEqual([{ fresh: true }])

    const only = blog({ trigger: { of: ['title'], when: 'OLD.title IS DISTINCT FROM NEW.title' } })
    const changed = await migrateUp(backend, blog(), only)
    expect((await triggers())[0]?.definition).toBe(
      `CREATE TRIGGER posts_touch BEFORE UPDATE OF title ON ${backend.schema}.posts FOR EACH ROW WHEN ((old.title IS DISTINCT FROM new.title)) EXECUTE FUNCTION touch_updated_at()`,
    )
    await backend.db.query(`UPDATE posts SET updated_at = '2000-01-01', email = 'a@b.c'`)
    const year = async () =>
      (await backend.db.query('SELECT extract(year FROM updated_at)::int AS y FROM posts')).rows
    expect(await year()).toEqual([{ y: 2000 }])
    await migrateDown(backend, changed)
    await backend.db.query(`UPDATE posts SET email = 'c@d.e'`)
    expect((await year())[0]?.y).toBeGreaterThan(2020)
    await backend.db.query('DELETE FROM posts')
    await migrateDown(backend, created)
    expect(await triggers()).toEqual([])
  })
})
