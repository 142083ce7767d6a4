import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqlFileStatement } from '../../packages/runtime/src/sql-file/sql-file-statement.ts'
import { parseSqlFile } from '../../packages/unplugin/src/sql-files/parse-sql-file.ts'
import { sqlFileModule } from '../../packages/unplugin/src/sql-files/sql-file-code.ts'
import { SqlFileBuildError } from '../../packages/unplugin/src/sql-files/sql-files.ts'
import {
  type TypedStatement,
  typeSqlFile,
} from '../../packages/unplugin/src/sql-files/type-sql-file.ts'
import { pgBackend } from '../support/backends.ts'

/** One film without a studio, one studio without a country: outer joins make nulls. */
const SCHEMA = `CREATE TYPE mood AS ENUM ('ok', 'meh');
  CREATE DOMAIN big_id AS int8;
  CREATE TABLE countries (id int4 PRIMARY KEY, name text NOT NULL);
  CREATE TABLE studios (id int4 PRIMARY KEY, name text NOT NULL, country_id int4);
  CREATE TABLE films (id int4 PRIMARY KEY, title text NOT NULL, studio_id int4, rating int4 NOT NULL);
  INSERT INTO countries VALUES (1, 'JP');
  INSERT INTO studios VALUES (1, 'Ghibli', 1), (2, 'NoCountry', NULL), (3, 'Idle', NULL);
  INSERT INTO films VALUES (1, 'Totoro', 1, 5), (2, 'Orphan', NULL, 3), (3, 'Lost', 2, 4)`

/** The statement the plugin's module exports for `statement`, as its generated code builds it. */
function served(statement: TypedStatement) {
  const code = sqlFileModule([statement], 'queries/test.sql')
  const spec = /__fluentormStatement\((.*)\)\n/.exec(code)?.[1]
  if (spec === undefined) throw new Error(`no statement in ${code}`)
  return sqlFileStatement(JSON.parse(spec))
}

async function typed(db: PGlite, body: string): Promise<TypedStatement> {
  const result = await typeSqlFile(db, `-- name: q\n${body}`)
  if (!result.ok) throw new Error(result.error.message)
  return result.statements[0] as TypedStatement
}

describe('typed SQL: a column typed non-null is never null', () => {
  let db: PGlite

  beforeAll(async () => {
    db = await PGlite.create()
    await db.exec(SCHEMA)
  })
  afterAll(() => db?.close())

  // Each statement returns a null in `column`: the type must say `| null`, and the rows show
  // the null is real (a test that could not fail would pass with any type).
  it.each([
    [
      'an apostrophe in a comment before the LEFT JOIN',
      "SELECT f.title, s.name FROM films f\n  -- the studio's name, if any\n  LEFT JOIN studios s ON s.id = f.studio_id WHERE f.title <> 'x'",
      'name',
    ],
    [
      'a quoted alias holding -- before the LEFT JOIN',
      'SELECT f.title AS "a--b", s.name FROM films f LEFT JOIN studios s ON s.id = f.studio_id',
      'name',
    ],
    [
      'a dollar-quoted literal with an apostrophe before the LEFT JOIN',
      "SELECT $$it's$$ AS t, s.name FROM films f LEFT JOIN studios s ON s.id = f.studio_id",
      'name',
    ],
    [
      'a join nested inside a LEFT JOIN without parentheses',
      'SELECT f.title, c.name AS country FROM films f LEFT JOIN studios s JOIN countries c ON c.id = s.country_id ON s.id = f.studio_id',
      'country',
    ],
    ['ROLLUP', 'SELECT title, count(*) AS n FROM films GROUP BY ROLLUP (title)', 'title'],
    [
      'GROUPING SETS',
      'SELECT title, rating, count(*) AS n FROM films GROUP BY GROUPING SETS ((title), (rating))',
      'rating',
    ],
    ['CUBE', 'SELECT title, rating FROM films GROUP BY CUBE (title, rating)', 'title'],
    [
      "RETURNING old. of an upsert's inserted row",
      "INSERT INTO films VALUES (9, 'New', NULL, 1) ON CONFLICT (id) DO UPDATE SET title = excluded.title RETURNING old.title AS before",
      'before',
    ],
    [
      'MERGE, whose unmatched source rows have no target',
      'MERGE INTO studios s USING films f ON f.studio_id = s.id WHEN NOT MATCHED BY SOURCE THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN DO NOTHING RETURNING s.name, f.title',
      'title',
    ],
    [
      'a CTE shadowing the name of the table it joins',
      'WITH studios AS (SELECT * FROM countries) SELECT f.title, studios.name FROM films f LEFT JOIN studios ON studios.id = f.studio_id',
      'name',
    ],
  ])('%s', async (_, body, column) => {
    const statement = await typed(db, body)
    const type = statement.columns?.find((c) => c.name === column)?.tsType
    expect(type).toMatch(/\| null$/)
    await db.exec('BEGIN')
    try {
      const rows = (await served(statement)(db)) as Record<string, unknown>[]
      expect(rows.some((row) => row[column] === null)).toBe(true)
    } finally {
      await db.exec('ROLLBACK')
    }
  })

  it('keeps non-null what no outer join reaches', async () => {
    const statement = await typed(
      db,
      "SELECT f.title, s.name FROM films f\n  -- it's the studio\n  LEFT JOIN studios s ON s.id = f.studio_id",
    )
    expect(statement.columns?.map((c) => c.tsType)).toEqual(['string', 'string | null'])
  })

  it('types a column under NOT NULL … NOT VALID as nullable: its old rows may hold null', async () => {
    await db.exec('BEGIN')
    try {
      await db.exec('ALTER TABLE films ADD CONSTRAINT studio_known NOT NULL studio_id NOT VALID')
      const statement = await typed(db, 'SELECT studio_id FROM films ORDER BY id')
      expect(statement.columns?.[0]?.tsType).toBe('number | null')
      const rows = (await served(statement)(db)) as Record<string, unknown>[]
      expect(rows.map((r) => r.studio_id)).toContain(null)
    } finally {
      await db.exec('ROLLBACK')
    }
  })

  it('types int2vector and oidvector as the text they arrive as', async () => {
    const statement = await typed(
      db,
      "SELECT indkey, indclass FROM pg_index WHERE indrelid = 'films'::regclass",
    )
    expect(statement.columns?.map((c) => c.tsType)).toEqual(['string', 'string'])
    const rows = (await served(statement)(db)) as Record<string, unknown>[]
    expect(typeof rows[0]?.indkey).toBe('string')
  })
})

describe('typed SQL parameters are sent as their types take them', () => {
  let db: PGlite

  beforeAll(async () => {
    db = await PGlite.create()
    await db.exec(SCHEMA)
  })
  afterAll(() => db?.close())

  it('sends json as JSON text, arrays of enums and domains as array literals, on both backends', async () => {
    const json = await typed(db, 'SELECT CAST(:doc AS jsonb) AS doc, CAST(:note AS json) AS note')
    const moods = await typed(
      db,
      'SELECT CAST(:moods AS mood[]) AS moods, CAST(:ids AS big_id[]) AS ids',
    )
    expect(json.params.map((p) => p.encode)).toEqual(['json', 'json'])
    expect(moods.params.map((p) => p.encode)).toEqual(['array', 'array'])
    const postgres = await pgBackend()
    try {
      await postgres.db.query(
        "CREATE TYPE mood AS ENUM ('ok', 'meh'); CREATE DOMAIN big_id AS int8",
      )
      for (const backend of [db, postgres.db]) {
        expect(
          await served(json)(backend, { doc: [1, 'two', { three: 3 }], note: 'text' }),
        ).toEqual([{ doc: [1, 'two', { three: 3 }], note: 'text' }])
        expect(await served(json)(backend, { doc: null, note: { a: null } })).toEqual([
          { doc: null, note: { a: null } },
        ])
        expect(await served(moods)(backend, { moods: ['ok', 'meh'], ids: [1n, 2] })).toEqual([
          { moods: ['ok', 'meh'], ids: ['1', '2'] },
        ])
      }
    } finally {
      await postgres.close()
    }
  })

  it('refuses a json parameter JSON cannot write, naming it', async () => {
    const json = await typed(db, 'SELECT CAST(:doc AS jsonb) AS doc')
    await expect(served(json)(db, { doc: 1n })).rejects.toThrow(
      /parameter doc cannot be written as JSON/,
    )
    await expect(served(json)(db, { doc: () => 1 })).rejects.toThrow(/parameter doc is function/)
  })

  it('types a parameter of a domain over int8 as its base type takes it', async () => {
    const statement = await typed(db, 'SELECT id FROM films WHERE id = CAST(:id AS big_id)')
    expect(statement.params[0]?.tsType).toBe('bigint | number')
  })
})

describe('typed SQL errors', () => {
  it('names every statement PostgreSQL refuses, each at its place, not only the first', async () => {
    const db = await PGlite.create()
    try {
      await db.exec('CREATE TABLE films (id int PRIMARY KEY, title text NOT NULL)')
      const source =
        '-- name: ok\nSELECT id FROM films\n\n-- name: one\nSELECT budget FROM films\n\n-- name: two\nSELECT id, id FROM films\n\n-- name: three\nSELECT titel FROM films\n'
      const typed = await typeSqlFile(db, source)
      if (typed.ok) throw new Error('typed a file with three bad statements')
      const error = new SqlFileBuildError('/p/queries/films.sql', typed.error, 'queries/films.sql')
      expect(error.message.split('\n')).toEqual([
        'queries/films.sql:5:8: one: column "budget" does not exist',
        'queries/films.sql:8:1: two: two result columns are named id: give one another name with AS',
        'queries/films.sql:11:8: three: column "titel" does not exist',
      ])
      expect(error.refused.map(({ line, column }) => [line, column])).toEqual([
        [5, 8],
        [8, 1],
        [11, 8],
      ])
    } finally {
      await db.close()
    }
  })
})

describe('typed SQL names and slices', () => {
  it('reads array slices as slices, not parameters', () => {
    const parsed = parseSqlFile(
      '-- name: q\nSELECT xs[:2], xs[lo:hi], xs[1:n], (xs)[2:], ARRAY[:a], ARRAY [ :b ] FROM t WHERE id=:id',
    )
    expect(parsed).toMatchObject({
      ok: true,
      statements: [
        {
          text: 'SELECT xs[:2], xs[lo:hi], xs[1:n], (xs)[2:], ARRAY[$1], ARRAY [ $2 ] FROM t WHERE id=$3',
          params: ['a', 'b', 'id'],
        },
      ],
    })
  })

  it.each([
    ['-- name: delete\nSELECT 1', '`delete` is not a name a module can export (a reserved word'],
    ['-- name: then\nSELECT 1', '`then` is not a name a module can export'],
    ['-- name: await\nSELECT 1', '`await` is not a name a module can export'],
    ['-- name: __fluentormStatement\nSELECT 1', 'is not a name a module can export'],
    [
      '-- name: foo\nSELECT 1\n-- name: Foo\nSELECT 2',
      'foo and Foo would both name the types FooRow',
    ],
  ])('refuses %j', (source, message) => {
    const parsed = parseSqlFile(source)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.problem.message).toContain(message)
  })

  it('takes a file without statements yet (empty, or only comments) as a module without exports', () => {
    for (const source of ['', '\n  \n', '-- just a comment\n/* block */\n'])
      expect(parseSqlFile(source)).toEqual({ ok: true, statements: [] })
    expect(parseSqlFile('SELECT 1\n')).toMatchObject({ ok: false })
  })

  it('places an @nullable naming no parameter at its own line', () => {
    const parsed = parseSqlFile('-- name: a\nSELECT id\n  -- @nullable :nope\nFROM t WHERE id = :x')
    expect(parsed).toMatchObject({
      ok: false,
      problem: { message: 'a has no parameter :nope for its @nullable', offset: 21 },
    })
  })

  it('serves a statement named like the runtime function it is made with', async () => {
    const db = await PGlite.create()
    try {
      const statement = await typed(db, 'SELECT 1 AS one').then((s) => ({
        ...s,
        name: 'sqlFileStatement',
      }))
      const code = sqlFileModule([statement], 'queries/test.sql')
      expect(code).toContain('export const sqlFileStatement = __fluentormStatement(')
      expect(code).toMatch(/^import \{ sqlFileStatement as __fluentormStatement \} from/)
    } finally {
      await db.close()
    }
  })
})
