import { generateDts, planMigration, type SchemaIR, sql, type TableSchema } from '@fluentorm/core'
import { sql as runtimeSql } from '@fluentorm/runtime'
import type pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Backend, pgBackend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'
import { catalogRows, migrateDown, migrateUp } from './support/migration-steps.ts'
import { file, problemsOf, schemaOf } from './support/schema-fixtures.ts'

const people = (slug?: (t: TableSchema) => void) => (t: TableSchema) => {
  t.increments({ name: 'id', primaryKey: true })
  t.string({ name: 'name' })
  slug?.(t)
}
const withSlug = (generatedAs: unknown, indexed = false) =>
  schemaOf(
    file(
      'people',
      people((t) => {
        t.string({ name: 'slug', generatedAs: generatedAs as string })
        if (indexed) t.addIndexes([{ columns: ['slug'] }])
      }),
    ),
  )
const slugColumn = (schema: SchemaIR) => schema.tables[0]?.columns.find((c) => c.name === 'slug')

describe('generatedAs', () => {
  it('compiles a string, sql`…`, sql() and a runtime fragment without values alike', () => {
    for (const given of [
      'lower(name)',
      sql`lower(name)`,
      sql('lower(name)'),
      runtimeSql`lower(name)`,
    ])
      expect(slugColumn(withSlug(given))).toMatchObject({
        generatedSql: 'lower(name)',
        createInput: 'excluded',
        updateInput: false,
        defaultSql: null,
      })
    expect(planMigration(null, withSlug('lower(name)')).up[0]).toContain(
      '  slug TEXT NOT NULL GENERATED ALWAYS AS (lower(name)) STORED',
    )
  })

  it('types the row with it and leaves it out of the inputs', () => {
    const dts = generateDts(withSlug('lower(name)'))
    const block = (name: string) => dts.slice(dts.indexOf(`interface ${name} {`)).split('}')[0]
    expect(block('PersonRow')).toContain('slug: string')
    expect(block('PersonCreate')).not.toContain('slug')
    expect(block('PersonUpdate')).not.toContain('slug')
  })

  it('refuses bound values, text that leaves its parentheses, and options it cannot have', () => {
    const problems = (generatedAs: unknown, extra: object = {}) =>
      problemsOf(
        file(
          'people',
          people((t) => t.string({ name: 'slug', generatedAs: generatedAs as string, ...extra })),
        ),
      ).map((p) => p.message)
    expect(problems(runtimeSql`lower(${'x'})`)).toEqual([
      'The generatedAs expression is a sql fragment with interpolated values; DDL cannot bind parameters.',
    ])
    expect(problems('name) STORED, evil TEXT GENERATED ALWAYS AS (name')).toEqual([
      'The generatedAs expression closes a parenthesis it did not open.',
    ])
    expect(problems('lower(name); DROP TABLE people')).toEqual([
      'The generatedAs expression contains a ; outside quotes.',
    ])
    expect(problems(42)).toEqual(['The generatedAs expression is not SQL text.'])
    expect(problems('lower(name)', { defaultValue: 'x', createInput: 'optional' })).toEqual([
      'A generated column (generatedAs) cannot have defaultValue, createInput: the database computes every value.',
    ])
    const timestamp = problemsOf(
      file(
        'people',
        people((t) =>
          t.timestamptz({ name: 'at', generatedAs: "'epoch'::timestamptz", onUpdate: 'now' }),
        ),
      ),
    ).map((p) => p.message)
    expect(timestamp).toEqual([
      'A generated column (generatedAs) cannot have onUpdate: the database computes every value.',
    ])
    expect(() => sql(['a', 'b'] as unknown as TemplateStringsArray, 'x' as never)).toThrow(
      /takes no interpolated values/,
    )
  })

  it('diffs: added, expression changed (drop + add, its index re-made), dropped', () => {
    const plain = schemaOf(file('people', people()))
    const add = planMigration(plain, withSlug('lower(name)'))
    expect(add.up).toEqual([
      'ALTER TABLE people ADD COLUMN IF NOT EXISTS slug TEXT NOT NULL GENERATED ALWAYS AS (lower(name)) STORED;',
    ])
    // Its values come back: dropping it is reversible.
    expect(add.down).toEqual(['ALTER TABLE people DROP COLUMN IF EXISTS slug;'])

    const change = planMigration(withSlug('lower(name)', true), withSlug('upper(name)', true))
    expect(change.up).toEqual([
      'DROP INDEX IF EXISTS idx_people_slug;',
      'ALTER TABLE people DROP COLUMN IF EXISTS slug;',
      'ALTER TABLE people ADD COLUMN slug TEXT NOT NULL GENERATED ALWAYS AS (upper(name)) STORED;',
      'CREATE INDEX IF NOT EXISTS idx_people_slug ON people (slug);',
    ])
    expect(change.down).toContain(
      'ALTER TABLE people ADD COLUMN slug TEXT NOT NULL GENERATED ALWAYS AS (lower(name)) STORED;',
    )
    expect(planMigration(withSlug('lower(name)'), withSlug('lower(name)')).up).toEqual([])
  })

  it('becomes plain with DROP EXPRESSION (values kept); plain → generated cannot be undone', () => {
    const plainSlug = schemaOf(
      file(
        'people',
        people((t) => t.string({ name: 'slug' })),
      ),
    )
    const toPlain = planMigration(withSlug('lower(name)'), plainSlug)
    expect(toPlain.up).toEqual(['ALTER TABLE people ALTER COLUMN slug DROP EXPRESSION IF EXISTS;'])
    expect(toPlain.down).toEqual([
      'ALTER TABLE people DROP COLUMN IF EXISTS slug;',
      'ALTER TABLE people ADD COLUMN slug TEXT NOT NULL GENERATED ALWAYS AS (lower(name)) STORED;',
    ])
    const toGenerated = planMigration(plainSlug, withSlug('lower(name)'))
    expect(toGenerated.down).toBeNull()
    expect(toGenerated.irreversible).toEqual([
      'replaces column people.slug by a generated one: its values cannot be restored',
    ])
  })
})

describe('generated columns on PostgreSQL', () => {
  let backend: Backend<pg.Pool>
  beforeAll(async () => {
    backend = await pgBackend()
  })
  afterAll(() => backend.close())

  const slugs = async () =>
    (await backend.db.query('SELECT slug FROM people ORDER BY id')).rows.map((r) => r.slug)

  it('computes the column, migrates its expression with its index, and rolls back', async () => {
    await migrateUp(backend, null, withSlug('lower(name)', true))
    const { Person } = modelsOf({
      people: people((t) => {
        t.string({ name: 'slug', generatedAs: 'lower(name)' })
      }),
    })
    expect(await Person.insert(backend.db, { name: 'Ada' })).toMatchObject({ slug: 'ada' })
    await expect(Person.insert(backend.db, { name: 'B', slug: 'x' })).rejects.toThrow(
      /cannot be set on insert/,
    )
    const catalog = () =>
      catalogRows(
        backend,
        `SELECT a.attgenerated::text AS generated, pg_get_expr(d.adbin, d.adrelid) AS expression,
           (SELECT count(*)::int FROM pg_indexes WHERE schemaname = $1 AND indexname = 'idx_people_slug') AS indexes
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE c.relname = 'people' AND a.attname = 'slug' AND c.relnamespace = $1::regnamespace`,
      )
    expect(await catalog()).toEqual([{ generated: 's', expression: 'lower(name)', indexes: 1 }])

    const upper = await migrateUp(
      backend,
      withSlug('lower(name)', true),
      withSlug('upper(name)', true),
    )
    expect(await slugs()).toEqual(['ADA'])
    expect(await catalog()).toEqual([{ generated: 's', expression: 'upper(name)', indexes: 1 }])
    await migrateDown(backend, upper)
    expect(await slugs()).toEqual(['ada'])
    expect(await catalog()).toEqual([{ generated: 's', expression: 'lower(name)', indexes: 1 }])

    const plainSlug = schemaOf(
      file(
        'people',
        people((t) => {
          t.string({ name: 'slug' })
          t.addIndexes([{ columns: ['slug'] }])
        }),
      ),
    )
    await migrateUp(backend, withSlug('lower(name)', true), plainSlug)
    expect(await slugs()).toEqual(['ada'])
    expect(await catalog()).toEqual([{ generated: '', expression: null, indexes: 1 }])
  })

  const items = (price: 'integer' | 'bigInt', extra?: (t: TableSchema) => void) =>
    schemaOf(
      file('items', (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t[price]({ name: 'price' })
        t.bigInt({ name: 'double_price', generatedAs: 'price * 2' })
        t.addIndexes([{ columns: ['double_price'] }])
        extra?.(t)
      }),
    )
  const doubled = async () =>
    (await backend.db.query('SELECT price, double_price FROM items ORDER BY id')).rows

  it('retypes a column a generated column uses: that one dropped first, added after', async () => {
    await migrateUp(backend, null, items('integer'))
    await backend.db.query('INSERT INTO items (price) VALUES (3), (5)')
    const retype = await migrateUp(backend, items('integer'), items('bigInt'))
    expect(retype.up).toEqual([
      'DROP INDEX IF EXISTS idx_items_double_price;',
      'ALTER TABLE items DROP COLUMN IF EXISTS double_price;',
      'ALTER TABLE items ALTER COLUMN price TYPE BIGINT USING price::BIGINT;',
      'ALTER TABLE items ADD COLUMN double_price BIGINT NOT NULL GENERATED ALWAYS AS (price * 2) STORED;',
      'CREATE INDEX IF NOT EXISTS idx_items_double_price ON items (double_price);',
    ])
    expect(await doubled()).toEqual([
      { price: '3', double_price: '6' },
      { price: '5', double_price: '10' },
    ])
    await migrateDown(backend, retype)
    expect(await doubled()).toEqual([
      { price: 3, double_price: '6' },
      { price: 5, double_price: '10' },
    ])
  })

  it('adds or replaces a generated column over a retyped one after the retype', async () => {
    const tripled = items('bigInt', (t) =>
      t.bigInt({ name: 'triple_price', generatedAs: 'price * 3' }),
    )
    const added = await migrateUp(backend, items('integer'), tripled)
    expect(added.up.slice(-3)).toEqual([
      'ALTER TABLE items ADD COLUMN double_price BIGINT NOT NULL GENERATED ALWAYS AS (price * 2) STORED;',
      'ALTER TABLE items ADD COLUMN IF NOT EXISTS triple_price BIGINT NOT NULL GENERATED ALWAYS AS (price * 3) STORED;',
      'CREATE INDEX IF NOT EXISTS idx_items_double_price ON items (double_price);',
    ])
    await migrateDown(backend, added)
    const replacedExpression = schemaOf(
      file('items', (t) => {
        t.increments({ name: 'id', primaryKey: true })
        t.bigInt({ name: 'price' })
        t.bigInt({ name: 'double_price', generatedAs: 'price * 4' })
        t.addIndexes([{ columns: ['double_price'] }])
      }),
    )
    const replaced = await migrateUp(backend, items('integer'), replacedExpression)
    expect(await doubled()).toEqual([
      { price: '3', double_price: '12' },
      { price: '5', double_price: '20' },
    ])
    await migrateDown(backend, replaced)
    expect(await doubled()).toEqual([
      { price: 3, double_price: '6' },
      { price: 5, double_price: '10' },
    ])
  })
})
