import { describe, expect, it } from 'vitest'
import { needsOwnSession } from '../../packages/runtime/src/executor/pg-pipeline-driver.ts'
import { sessionFeatureError } from '../../packages/runtime/src/executor/pooler.ts'
import { sqlSkeleton } from '../../packages/runtime/src/executor/sql-skeleton.ts'

describe('sqlSkeleton', () => {
  it('blanks line and nested block comments, ending a line comment at \\n or \\r', () => {
    expect(sqlSkeleton('-- a\nSET x = 1')).toBe(' \nSET x = 1')
    expect(sqlSkeleton('-- a\rSET x = 1')).toBe(' \rSET x = 1')
    expect(sqlSkeleton('/* a /* b */ c */BEGIN')).toBe(' BEGIN')
    expect(sqlSkeleton('SELECT 1 -- trailing')).toBe('SELECT 1  ')
  })

  it('empties strings and dollar-quoted bodies, as the lexer ends them', () => {
    expect(sqlSkeleton("SELECT 'a--b', '/* not */'")).toBe("SELECT '', ''")
    expect(sqlSkeleton("SELECT 'it''s -- a string'")).toBe("SELECT ''")
    expect(sqlSkeleton("SELECT E'it\\'s -- a string' AS s")).toBe("SELECT E'' AS s")
    expect(sqlSkeleton('SELECT $$ -- body; BEGIN $$, $tag$ /* body */ $tag$')).toBe("SELECT '', ''")
    expect(sqlSkeleton("SELECT 'x' -- c\n, $1")).toBe("SELECT ''  \n, $1")
  })

  it('keeps quoted identifiers, placeholders and a model statement as they are', () => {
    for (const text of [
      'SELECT 1 AS "x--y"',
      'SELECT $1::text, a$b FROM t',
      'SELECT * FROM "users" WHERE "id" = $1',
    ]) {
      expect(sqlSkeleton(text)).toBe(text)
    }
  })
})

describe('what a pipelined connection refuses to carry', () => {
  it('sends session statements and COPY to the pool, whatever comments or statements come first', () => {
    for (const text of [
      'SET search_path TO x',
      '-- note\rSET search_path TO other',
      '/* a /* nested */ b */ DEALLOCATE ALL',
      'SELECT 1; DISCARD ALL',
      '/* tag */ COPY t FROM STDIN',
      "SELECT 'x'; SELECT 'y'",
    ]) {
      expect(needsOwnSession(text, undefined), text).toBe(true)
    }
  })

  it('keeps ordinary statements pipelined, comments and strings included', () => {
    for (const [text, values] of [
      ['SELECT * FROM users WHERE id = $1', [1]],
      ['/* model User */ SELECT * FROM users WHERE id = $1', [1]],
      ["SELECT $1::text || ' -- set x' AS s", ['a']],
      ['UPDATE accounts SET balance = $1', [2]],
      ['SELECT 1;', []],
      ["SELECT 'a; set x' AS s", [1]],
      [
        'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ DECLARE v int := 1; BEGIN RETURN v; END $$',
        [1],
      ],
    ] as const) {
      expect(needsOwnSession(text, values), text).toBe(false)
    }
  })

  it('refuses session features behind a transaction pooler after a comment too', () => {
    for (const text of [
      '/* c */ SET search_path TO public',
      '-- c\nBEGIN',
      '-- c\rLISTEN x',
      '/**/PREPARE p AS SELECT 1',
      '-- x\nCREATE TEMP TABLE tt (x int)',
    ]) {
      expect(sessionFeatureError(text, false, 'query'), text).toMatchObject({
        code: 'INVALID_USAGE',
      })
    }
    for (const text of [
      "SELECT '-- SET x'",
      "SELECT 'a; set x'",
      "SELECT 'x;begin'",
      'CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ DECLARE v int := 1; BEGIN RETURN v; END $$',
    ]) {
      expect(sessionFeatureError(text, false, 'query'), text).toBeUndefined()
    }
  })
})
