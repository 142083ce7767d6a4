import { PGlite } from '@electric-sql/pglite'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sqlFileStatement } from '../../packages/runtime/src/sql-file/sql-file-statement.ts'
import { parseSqlFile } from '../../packages/unplugin/src/sql-files/parse-sql-file.ts'
import { sqlFileModule } from '../../packages/unplugin/src/sql-files/sql-file-code.ts'
import { typeSqlFile } from '../../packages/unplugin/src/sql-files/type-sql-file.ts'
import { pgBackend } from '../support/backends.ts'

describe('parseSqlFile', () => {
  it('splits on -- name: headers and numbers :params, the same name the same number', () => {
    const parsed = parseSqlFile(
      '-- name: one\nSELECT :a, :b, :a, x::int, \':c\', "d:e", $$ :f $$ -- :g\n  /* :h /* :i */ */ AS z;\n\n-- name: two\n-- @notnull n, m\nSELECT count(*) AS n\n',
    )
    expect(parsed).toMatchObject({
      ok: true,
      statements: [
        {
          name: 'one',
          text: 'SELECT $1, $2, $1, x::int, \':c\', "d:e", $$ :f $$ -- :g\n  /* :h /* :i */ */ AS z',
          params: ['a', 'b'],
        },
        { name: 'two', text: '-- @notnull n, m\nSELECT count(*) AS n', params: [] },
      ],
    })
    if (parsed.ok) expect([...parsed.statements[1]!.notNull]).toEqual(['n', 'm'])
  })

  it.each([
    ["SELECT '--' AS x", "SELECT '--' AS x"],
    ["SELECT 'a\n-- b' AS x;", "SELECT 'a\n-- b' AS x"],
    ['SELECT 1 AS x -- trailing\n;  /* end */\n-- @notnull x\n', 'SELECT 1 AS x'],
    ['SELECT :a::int -- :b', 'SELECT $1::int'],
  ])('keeps a statement to its last code: %j', (body, text) => {
    const parsed = parseSqlFile(`-- name: a\n${body}`)
    expect(parsed).toMatchObject({ ok: true, statements: [{ text }] })
  })

  it('numbers and trims any mix of code, literals and comments as a token model does', () => {
    // Seeded, so a failure repeats: 500 statements of random tokens, each known to be code,
    // a parameter or a comment; the text sent is the tokens up to the last code one.
    let seed = 7
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const code = [
      'SELECT',
      'x',
      '1',
      "'a--b'",
      "'it''s -- no'",
      '"q--x"',
      '$$ -- :p $$',
      "E'\\' --'",
      '::int',
      ';x',
    ]
    const comments = ['-- c :p\n', '/* c -- :p */', '/* a /* nested */ b */', ';', '\n']
    for (let round = 0; round < 500; round++) {
      const tokens: { text: string; kind: 'code' | 'param' | 'comment' }[] = []
      for (let k = 0, n = 1 + random(8); k < n; k++) {
        const pick = random(3)
        if (pick === 0) tokens.push({ text: code[random(code.length)] as string, kind: 'code' })
        else if (pick === 1) tokens.push({ text: `:p${random(3)}`, kind: 'param' })
        else tokens.push({ text: comments[random(comments.length)] as string, kind: 'comment' })
      }
      const last = tokens.findLastIndex((t) => t.kind !== 'comment')
      if (last === -1) continue
      const params: string[] = []
      const expected = tokens
        .slice(0, last + 1)
        .map((t) => {
          if (t.kind !== 'param') return t.text
          const name = t.text.slice(1)
          if (!params.includes(name)) params.push(name)
          return `$${params.indexOf(name) + 1}`
        })
        .join(' ')
        .trimStart()
      const body = tokens.map((t) => t.text).join(' ')
      const parsed = parseSqlFile(`-- name: a\n${body}`)
      expect(parsed, body).toMatchObject({ ok: true, statements: [{ text: expected, params }] })
    }
  })

  it.each([
    ['SELECT 1\n', 'a statement needs a `-- name: yourName` line above it'],
    ['-- name: a-b\nSELECT 1', '`a-b` is not a name a module can export'],
    ['-- name: a\nSELECT 1\n-- name: a\nSELECT 2', 'two statements are named a'],
    ["-- name: a\nSELECT 'open", 'a string, quoted name or comment is not closed'],
    ['-- name: a\n\n', 'a has no statement under it'],
    ['-- name: a :many\nSELECT 1', '`a :many` is not a name a module can export'],
    ['-- name: a\n-- @nullable :b\nSELECT :c', 'a has no parameter :b for its @nullable'],
  ])('refuses %j', (source, message) => {
    const parsed = parseSqlFile(source)
    expect(parsed.ok).toBe(false)
    if (!parsed.ok) expect(parsed.problem.message).toContain(message)
  })
})

/** A table of arrays the runtime's decoders do not know (an enum's, a domain's), after `mood`. */
const MOODS = `CREATE DOMAIN positive AS int4 CHECK (VALUE > 0);
  CREATE TABLE moods (id int4 PRIMARY KEY, moods mood[] NOT NULL, counts positive[] NOT NULL,
    tags text[] NOT NULL);
  INSERT INTO moods VALUES (1, '{ok,meh,ok}', '{1,20}', '{"a,b",NULL}'), (2, '{}', '{}', '{}')`
const MOOD_ROWS = '-- name: moodRows\nSELECT moods, counts, tags FROM moods ORDER BY id\n'
const MOOD_ROWS_DECODED = [
  { moods: ['ok', 'meh', 'ok'], counts: ['1', '20'], tags: ['a,b', null] },
  { moods: [], counts: [], tags: [] },
]

describe('typeSqlFile', () => {
  let db: PGlite

  beforeAll(async () => {
    db = await PGlite.create()
    await db.exec(`CREATE TYPE mood AS ENUM ('ok', 'meh');
      CREATE TABLE people (id int8 PRIMARY KEY, name text NOT NULL, nick text, mood mood NOT NULL,
        scores int4[] NOT NULL, born timestamptz, data json NOT NULL)`)
    await db.exec(MOODS)
  })
  afterAll(() => db?.close())

  it('types parameters and results as PostgreSQL prepares them', async () => {
    const typed = await typeSqlFile(
      db,
      '-- name: person\nSELECT id, name, nick, mood, scores, born, data, id + 1 AS next FROM people WHERE id = :id AND mood = :mood\n',
    )
    expect(typed).toEqual({
      ok: true,
      statements: [
        {
          name: 'person',
          text: 'SELECT id, name, nick, mood, scores, born, data, id + 1 AS next FROM people WHERE id = $1 AND mood = $2',
          params: [
            { name: 'id', tsType: 'bigint | number', sqlType: 'int8' },
            { name: 'mood', tsType: '"ok" | "meh"', sqlType: 'mood' },
          ],
          columns: [
            { name: 'id', tsType: 'bigint', sqlType: 'int8' },
            { name: 'name', tsType: 'string', sqlType: 'text' },
            { name: 'nick', tsType: 'string | null', sqlType: 'text' },
            { name: 'mood', tsType: '"ok" | "meh"', sqlType: 'mood' },
            { name: 'scores', tsType: 'number[]', sqlType: 'int4[]' },
            { name: 'born', tsType: 'Date | null', sqlType: 'timestamptz' },
            { name: 'data', tsType: 'unknown', sqlType: 'json' },
            { name: 'next', tsType: 'bigint | null', sqlType: 'int8' },
          ],
        },
      ],
    })
  })

  it('types a parameter named by -- @nullable as taking null', async () => {
    const typed = await typeSqlFile(
      db,
      '-- name: a\n-- @nullable :nick\nSELECT id FROM people WHERE nick IS NOT DISTINCT FROM :nick AND name = :name',
    )
    if (!typed.ok) throw new Error(typed.error.message)
    expect(typed.statements[0]?.params.map((p) => p.tsType)).toEqual(['string | null', 'string'])
  })

  it('makes a RIGHT or FULL join nullable throughout, a LEFT join its own table', async () => {
    const typed = await typeSqlFile(
      db,
      '-- name: a\nSELECT p.name, q.name AS other FROM people p LEFT JOIN people q ON false\n-- name: b\nSELECT p.name FROM people p RIGHT JOIN (SELECT 1) x ON true\n',
    )
    if (!typed.ok) throw new Error(typed.error.message)
    expect(typed.statements.map((s) => s.columns?.map((c) => c.tsType))).toEqual([
      ['string | null', 'string | null'],
      ['string | null'],
    ])
  })

  it('types arrays the decoders do not know by what they decode to, and the statement decodes them', async () => {
    const typed = await typeSqlFile(db, MOOD_ROWS)
    if (!typed.ok) throw new Error(typed.error.message)
    const [statement] = typed.statements
    expect(statement!.columns).toEqual([
      { name: 'moods', tsType: '("ok" | "meh")[]', sqlType: 'mood[]', textArray: true },
      // A domain's elements arrive as text: strings, not its base type's numbers.
      { name: 'counts', tsType: 'string[]', sqlType: 'positive[]', textArray: true },
      { name: 'tags', tsType: 'string[]', sqlType: 'text[]' },
    ])
    // The module the plugin serves: the same statement decodes what the type says.
    const code = sqlFileModule(typed.statements, 'queries/moods.sql')
    const spec = JSON.parse(/__fluentormStatement\((.*)\)\n/.exec(code)![1]!)
    expect(await sqlFileStatement(spec)(db)).toEqual(MOOD_ROWS_DECODED)
  })

  it('decodes those arrays alike on PostgreSQL, through the executor a pg.Pool gets', async () => {
    const typed = await typeSqlFile(db, MOOD_ROWS)
    if (!typed.ok) throw new Error(typed.error.message)
    const code = sqlFileModule(typed.statements, 'queries/moods.sql')
    const spec = JSON.parse(/__fluentormStatement\((.*)\)\n/.exec(code)![1]!)
    const postgres = await pgBackend()
    try {
      await postgres.db.query(`CREATE TYPE mood AS ENUM ('ok', 'meh'); ${MOODS}`)
      // pg hands an enum's or a domain's array over as PostgreSQL's text, unparsed.
      const { rows } = await postgres.db.query('SELECT moods, counts FROM moods ORDER BY id')
      expect(rows[0]).toEqual({ moods: '{ok,meh,ok}', counts: '{1,20}' })
      expect(await sqlFileStatement(spec)(postgres.db)).toEqual(MOOD_ROWS_DECODED)
    } finally {
      await postgres.close()
    }
  })

  it.each([
    ['-- name: bad\nSELEC 1', 2, 1, 'bad: syntax error at or near "SELEC"'],
    ['\n-- name: bad\nSELECT * FROM nobody', 3, 15, 'bad: relation "nobody" does not exist'],
    [
      '-- name: bad\nSELECT id FROM people\n WHERE name = :x AND id = :x',
      3,
      25,
      'bad: operator does not exist: bigint = text',
    ],
    ['-- name: bad\nSELECT id AS x, name AS x FROM people', 2, 1, 'two result columns are named x'],
  ])('places the error of %j at its line and column', async (source, line, column, message) => {
    const typed = await typeSqlFile(db, source)
    expect(typed).toEqual({
      ok: false,
      error: { message: expect.stringContaining(message), line, column },
    })
  })
})
