import { describe, expect, it } from 'vitest'
import { needsOwnSession } from '../../packages/runtime/src/executor/pg-pipeline-driver.ts'
import { sessionFeatureError } from '../../packages/runtime/src/executor/pooler.ts'
import { withoutComments } from '../../packages/runtime/src/executor/sql-comments.ts'

describe('withoutComments', () => {
  it('blanks line and nested block comments, ending a line comment at \\n or \\r', () => {
    expect(withoutComments('-- a\nSET x = 1')).toBe(' \nSET x = 1')
    expect(withoutComments('-- a\rSET x = 1')).toBe(' \rSET x = 1')
    expect(withoutComments('/* a /* b */ c */BEGIN')).toBe(' BEGIN')
    expect(withoutComments('SELECT 1 -- trailing')).toBe('SELECT 1  ')
  })

  it('leaves strings, quoted identifiers and dollar-quoted bodies as they are', () => {
    for (const text of [
      "SELECT 'a--b', '/* not */'",
      'SELECT 1 AS "x--y"',
      "SELECT 'it''s -- still a string'",
      "SELECT E'it\\'s -- still a string'",
      'SELECT $$ -- body $$, $tag$ /* body */ $tag$',
      'SELECT $1::text, a$b FROM t',
    ]) {
      expect(withoutComments(text)).toBe(text)
    }
    expect(withoutComments("SELECT 'x' -- c\n, $1")).toBe("SELECT 'x'  \n, $1")
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
    expect(sessionFeatureError("SELECT '-- SET x'", false, 'query')).toBeUndefined()
  })
})
