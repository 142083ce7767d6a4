import { FluentOrmError, sql, toDriver } from '@fluentorm/runtime'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { modelsOf } from '../support/models.ts'

type Row = Record<string, unknown>

/**
 * A hostile review of the SQL compiler: each test is one bug it found (all fixed), through the
 * public API and checked against hand-written SQL on the same data, on both backends.
 */
const models = modelsOf({
  people(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
    t.integer({ name: 'boss_id', nullable: true })
    t.integer({ name: 'score', defaultValue: '0' })
    t.softDelete()
    t.belongsTo({ name: 'boss', column: 'boss_id', referencesTable: 'people' })
    t.hasMany({ name: 'reports', foreignTable: 'people', foreignColumn: 'boss_id' })
    t.hasMany({ name: 'memos', foreignTable: 'memos', foreignColumn: 'person_id' })
  },
  memos(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.integer({ name: 'person_id' })
    t.string({ name: 'body' })
    // A column named like the hidden ORDER BY columns of an include.
    t.integer({ name: '__o1', defaultValue: '0' })
    t.softDelete()
  },
  // A table named like the alias the compiler gives a second "people" in one statement.
  people_1(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
  },
  docs(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.jsonb({ name: 'data' })
  },
  crumbs(t) {
    t.increments({ name: 'id', primaryKey: true })
    t.string({ name: 'name' })
  },
})

describe.each(BACKENDS)('attack on $name', ({ open }) => {
  const { Person, Memo, People1, Doc, Crumb } = models
  let backend: Backend
  let db: Backend['db']
  const hand = async (text: string, values: unknown[] = []) =>
    (await toDriver(db).query<Row>({ text, values })).rows
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => null,
      (error: unknown) => error as FluentOrmError,
    )
  /** Refused with INVALID_USAGE, when the query is built or when it runs. */
  const expectUsageError = async (run: () => Promise<unknown>) => {
    const error = await failure(Promise.resolve().then(run))
    expect(error).toBeInstanceOf(FluentOrmError)
    expect(error?.code).toBe('INVALID_USAGE')
  }

  beforeAll(async () => {
    backend = await open()
    db = backend.db
    for (const model of [Person, Memo, People1, Doc, Crumb]) await model.createTable(db)
    await hand(`INSERT INTO people (name, boss_id, score) VALUES
      ('a', NULL, 1), ('b', 1, 2), ('c', 2, 3), ('d', 3, 4), ('gone', 1, 5)`)
    await hand(`UPDATE people SET deleted_at = now() WHERE name = 'gone'`)
    await hand(`INSERT INTO memos (person_id, body) VALUES (1, 'm1'), (1, 'm2'), (2, 'm3')`)
    await hand(`INSERT INTO people_1 (name) VALUES ('archived 1'), ('archived 2')`)
    await Doc.insertMany(db, [{ data: [1] }, { data: 1 }, { data: 2 }, { data: [1, 2] }])
  })
  afterAll(() => backend.close())

  // --- wrong results from values typed any --------------------------------------------

  it('matches a jsonb column "in" a list of JSON arrays, not the arrays\' elements', async () => {
    const list: any = [[1, 2]] // e.g. req.body.data
    const rows = await Doc.query().select('id').where('data', 'in', list).orderBy('id').fetch(db)
    expect(rows).toEqual(
      await hand(`SELECT id FROM docs WHERE data = ANY(ARRAY['[1,2]'::jsonb]) ORDER BY id`),
    )
  })

  it('matches a jsonb column "not in" a list of JSON arrays, not the arrays\' elements', async () => {
    const list: any = [[1, 2]]
    const rows = await Doc.query()
      .select('id')
      .where('data', 'not in', list)
      .orderBy('id')
      .fetch(db)
    expect(rows).toEqual(
      await hand(`SELECT id FROM docs WHERE data <> ALL(ARRAY['[1,2]'::jsonb]) ORDER BY id`),
    )
  })

  // --- writes that drop a condition ---------------------------------------------------

  it('refuses delete() of a query with having() instead of deleting without it', async () => {
    await Crumb.insertMany(db, [{ name: 'x' }, { name: 'y' }])
    // As a read, no group has more than 100 rows: the query matches nothing.
    const query = Crumb.query().where('id', '>', 0).having(sql`count(*) > ${100}`)
    await expectUsageError(() => query.delete(db))
    expect(await hand(`SELECT count(*)::int AS n FROM crumbs`)).toEqual([{ n: 2 }])
  })

  // --- terminals that do not follow the query's rows ----------------------------------

  it('counts the one row of an aggregate-only select', async () => {
    const query = Person.query().selectAggregate('count', '*', 'n')
    expect(await query.fetch(db)).toHaveLength(1)
    expect(await query.count(db)).toBe(1)
  })

  it('exists() is true for an aggregate-only select over no rows (it gives one row)', async () => {
    const query = Person.query().where('name', 'nobody').selectAggregate('count', '*', 'n')
    expect(await query.fetch(db)).toEqual([{ n: 0 }])
    expect(await query.exists(db)).toBe(true)
  })

  it('whereExists of an aggregate-only subquery is true for every row', async () => {
    const rows = await Person.query()
      .select('id')
      .whereExists(
        Memo.query()
          .selectAggregate('count', '*', 'n')
          .whereColumn('person_id', '=', Person.column('id')),
      )
      .orderBy('id')
      .fetch(db)
    expect(rows).toEqual(
      await hand(`SELECT p.id FROM people p WHERE p.deleted_at IS NULL AND EXISTS (
        SELECT count(*) FROM memos m WHERE m.deleted_at IS NULL AND m.person_id = p.id) ORDER BY p.id`),
    )
  })

  it('sum() of a limited query ordered by a select key orders by that key, not a column of its name', async () => {
    const query = Person.query()
      .select({ score: sql<number>`-${Person.column('score')}` })
      .orderBy('score')
      .limit(2)
    expect(await query.fetch(db)).toEqual([{ score: -4 }, { score: -3 }])
    const [expected] = await hand(`SELECT sum(score)::float8 AS value FROM (
      SELECT score FROM people WHERE deleted_at IS NULL ORDER BY -score LIMIT 2) AS q`)
    expect(await query.sum(db, 'score')).toBe(expected?.value) // 7 (4 + 3)
  })

  it('sum() of a limited query ordered by a select key runs (no "column does not exist")', async () => {
    const query = Person.query()
      .select({ minus: sql<number>`-${Person.column('score')}` })
      .orderBy('minus')
      .limit(2)
    expect(await query.sum(db, 'score')).toBe(7)
  })

  it('pluck() keeps the query order when the order key is also the plucked column name', async () => {
    const query = Person.query()
      .select({ score: sql<number>`-${Person.column('score')}` })
      .orderBy('score')
    // The query's order: by -score, so the scores come highest first.
    expect(await query.pluck(db, 'score')).toEqual([4, 3, 2, 1])
  })

  it('first() of a query limited to 0 rows is null', async () => {
    const query = Person.query().limit(0)
    expect(await query.fetch(db)).toEqual([])
    expect(await query.first(db)).toBeNull()
  })

  // --- sql fragments ------------------------------------------------------------------

  it('a -- comment at the end of a select fragment does not swallow FROM and WHERE', async () => {
    const query = Person.query().select({ n: sql<number>`count(*)::int -- every live row` })
    // SELECT count(*)::int -- every live row AS "n" FROM "people" WHERE "people"."deleted_at" IS NULL
    expect(await query.fetch(db)).toEqual(
      await hand(`SELECT count(*)::int AS n FROM people WHERE deleted_at IS NULL`),
    )
  })

  it('a -- comment at the end of an orderBy fragment does not swallow its direction', async () => {
    const query = Person.query()
      .select('name')
      .orderBy(sql`${Person.column('score')} -- highest first`, 'desc')
    expect(await query.fetch(db)).toEqual(
      await hand(`SELECT name FROM people WHERE deleted_at IS NULL ORDER BY score DESC`),
    )
  })

  it('groups by a fragment holding a bound value that the select list also holds', async () => {
    const unit: any = 2 // e.g. a bucket size from the request
    const rows = await Person.query()
      .select({ bucket: sql<number>`${Person.column('score')} / ${unit}` })
      .selectAggregate('count', '*', 'n')
      .groupBy(sql`${Person.column('score')} / ${unit}`)
      .orderBy('bucket')
      .fetch(db)
    expect(rows).toEqual(
      await hand(
        `SELECT score / $1 AS bucket, count(*)::int AS n FROM people WHERE deleted_at IS NULL
         GROUP BY score / $1 ORDER BY bucket`,
        [unit],
      ),
    )
  })

  it('a sql statement gives a second "people" an alias no schema table has (people_1)', async () => {
    // Archived rows whose id is a boss's id among live people. The same-table subquery is
    // aliased "people_1" in a fragment statement (the compiler there knows no table names),
    // so People1.column('id') inside it names that alias, not the table people_1.
    const statement = sql<{
      name: string
    }>`SELECT name FROM people_1 WHERE EXISTS ${Person.query().whereExists(
      Person.query()
        .whereColumn('boss_id', '=', Person.column('id'))
        .whereColumn('id', '=', People1.column('id')),
    )} ORDER BY name`
    expect(await statement.fetch(db)).toEqual(
      await hand(`SELECT name FROM people_1 WHERE EXISTS (SELECT 1 FROM people p
        WHERE p.deleted_at IS NULL AND EXISTS (SELECT 1 FROM people r
          WHERE r.deleted_at IS NULL AND r.boss_id = p.id AND r.id = people_1.id)) ORDER BY name`),
    )
  })

  // --- PostgreSQL errors (or silent nonsense) where a FluentOrmError INVALID_USAGE belongs

  it('refuses a statement with more parameters than PostgreSQL takes, not as a lost connection', async () => {
    const ids: any = Array.from({ length: 65_536 }, (_, i) => i) // e.g. req.body.ids
    const error = await failure(
      Person.query()
        .where(sql`${Person.column('id')} IN (${sql.join(ids)})`)
        .fetch(db),
    )
    expect(error?.kind).not.toBe('connection')
    expect(error?.code).toBe('INVALID_USAGE')
  })

  it('insertMany chunks rows whose fragments bind several values each', async () => {
    const rows = Array.from({ length: 40_000 }, (_, i) => ({
      name: sql`${'crumb '} || ${String(i)}`,
    }))
    expect(await Crumb.insertMany(db, rows, { returning: false })).toBe(40_000)
  })

  it('refuses distinct() with an include (json has no equality) before any SQL runs', async () => {
    await expectUsageError(() => Person.query().distinct().include('memos').fetch(db))
  })

  it('loads a limited, ordered include of a table with a column named __o1', async () => {
    const rows = await Person.query()
      .select('id')
      .where('id', 1)
      .include('memos', (q: any) => q.select('id', '__o1').orderBy('id').limit(5))
      .fetch(db)
    expect(rows).toEqual([
      {
        id: 1,
        memos: [
          { id: 1, __o1: 0 },
          { id: 2, __o1: 0 },
        ],
      },
    ])
  })

  it('refuses whereIn with a subquery selecting every column before any SQL runs', async () => {
    await expectUsageError(() => Person.query().whereIn('id', Memo.query()).fetch(db))
  })

  it('refuses an empty sql fragment as a condition before any SQL runs', async () => {
    await expectUsageError(() => Person.query().where(sql``).fetch(db))
  })

  it('refuses select() with no columns instead of rows without properties', async () => {
    const columns: any[] = [] // e.g. ?fields= left empty
    await expectUsageError(() =>
      Person.query()
        .select(...columns)
        .fetch(db),
    )
  })
})
