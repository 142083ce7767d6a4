import type { IncomingMessage } from 'node:http'
import type { ColumnIR } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { cellValue, inputValue } from '../../packages/unplugin/src/studio/column-values.ts'
import { callerOf, repeatedIn } from '../../packages/unplugin/src/studio/query-log.ts'
import { configuredHostOf, refusal } from '../../packages/unplugin/src/studio/request-guard.ts'
import { createSessionToken } from '../../packages/unplugin/src/studio/session-token.ts'
import { sourceLines } from '../../packages/unplugin/src/studio/source-lines.ts'

const request = (headers: Record<string, string>) =>
  ({ headers, socket: {} }) as unknown as IncomingMessage

describe('the studio guard', () => {
  const guard = { configuredHost: configuredHostOf('dev.internal') }

  it('lets the loopback names and the configured host in, with their own origin', () => {
    for (const host of ['localhost:5173', '127.0.0.1:5173', '[::1]:5173', 'dev.internal:5173']) {
      expect(refusal(request({ host }), guard), host).toBeNull()
      expect(refusal(request({ host, origin: `http://${host}` }), guard), host).toBeNull()
    }
  })

  it('refuses a rebinding name, another origin or port, another site, and no Host', () => {
    expect(refusal(request({ host: 'attacker.example:5173' }), guard)).toContain(
      'is not this dev server',
    )
    expect(
      refusal(request({ host: 'localhost:5173', origin: 'http://localhost:3000' }), guard),
    ).toContain('Origin')
    expect(refusal(request({ host: 'localhost:5173', origin: 'null' }), guard)).toContain('Origin')
    expect(
      refusal(request({ host: 'localhost:5173', 'sec-fetch-site': 'cross-site' }), guard),
    ).toBe('the request comes from another site')
    expect(refusal(request({}), guard)).toBe('the request has no Host header')
    expect(configuredHostOf(true)).toBeNull()
    expect(configuredHostOf('0.0.0.0')).toBeNull()
  })

  it('checks the token in the header, of its exact length', () => {
    const token = createSessionToken()
    expect(token.value).toMatch(/^[\w-]{32}$/)
    expect(createSessionToken().value).not.toBe(token.value)
    expect(token.matches(request({ 'x-fluentorm-studio-token': token.value }))).toBe(true)
    expect(token.matches(request({ 'x-fluentorm-studio-token': `${token.value}x` }))).toBe(false)
    expect(token.matches(request({}))).toBe(false)
  })
})

const column = (over: Partial<ColumnIR>): ColumnIR =>
  ({
    name: 'c',
    type: 'text',
    sqlType: 'TEXT',
    array: false,
    nullable: false,
    timeMode: null,
    ...over,
  }) as ColumnIR

describe('the studio column values', () => {
  it('turns inputs into what the model takes, by type', () => {
    expect(inputValue(column({ type: 'integer' }), '42', 't')).toBe(42)
    expect(inputValue(column({ type: 'bigint' }), '9007199254740993', 't')).toBe(9007199254740993n)
    expect(inputValue(column({ type: 'boolean' }), 'false', 't')).toBe(false)
    expect(
      inputValue(column({ type: 'timestamptz', timeMode: 'date' }), '2024-01-02T03:04:05Z', 't'),
    ).toEqual(new Date('2024-01-02T03:04:05Z'))
    expect(inputValue(column({ type: 'jsonb' }), '{"a":1}', 't')).toEqual({ a: 1 })
    expect(inputValue(column({ type: 'integer', array: true }), '[1,"2",null]', 't')).toEqual([
      1,
      2,
      null,
    ])
    expect(inputValue(column({ type: 'bytea' }), '\\x0aff', 't')).toEqual(
      Uint8Array.from([10, 255]),
    )
    expect(inputValue(column({ nullable: true }), null, 't')).toBeNull()
  })

  it('refuses what the column cannot hold, naming the column, never the value', () => {
    expect(() =>
      inputValue(column({ name: 'n', type: 'integer' }), '99999999999', 'posts'),
    ).toThrow('column n of posts: expected a whole number from -2147483648 to 2147483647')
    expect(() => inputValue(column({ name: 'id', type: 'uuid' }), 'secret-ish', 'posts')).toThrow(
      'column id of posts: expected a UUID',
    )
    expect(() => inputValue(column({ name: 'title' }), null, 'posts')).toThrow(
      'column title of posts: cannot be null',
    )
  })

  it('shows values as JSON can carry them', () => {
    expect(cellValue(new Date('2024-01-02T03:04:05.000Z'))).toBe('2024-01-02T03:04:05.000Z')
    expect(cellValue(12n)).toBe('12')
    expect(cellValue(Uint8Array.from([1, 2]))).toBe('\\x0102')
    expect(cellValue([new Date(0), null])).toEqual(['1970-01-01T00:00:00.000Z', null])
  })
})

describe('the studio query log helpers', () => {
  it("finds the app's frame under fluentorm's, Vite's and node_modules' frames", () => {
    const stack = [
      'Error',
      '    at callerOf (/repo/packages/unplugin/src/studio/query-log.ts:10:3)',
      '    at timed (/repo/packages/runtime/src/executor/query-log.ts:60:7)',
      '    at async runStatement (/repo/node_modules/@fluentorm/runtime/dist/query/query-run.js:12:3)',
      '    at async Module.handle (/app/src/routes/feed.ts:47:19)',
      '    at async file:///app/src/server.ts:3:1',
    ].join('\n')
    expect(callerOf('/app', stack)).toBe('src/routes/feed.ts:47:19')
    expect(callerOf('/elsewhere', stack)).toBe('/app/src/routes/feed.ts:47:19')
    expect(callerOf('/app', 'Error\n    at node:internal/x:1:1')).toBeNull()
  })

  it('groups the statements a request ran at least the threshold times', () => {
    const entry = (id: number, text: string) => ({
      id,
      text,
      truncated: false,
      at: 0,
      values: 1,
      durationMs: 1,
      rows: 1,
      error: null,
      caller: null,
      request: 1,
    })
    const queries = [entry(1, 'A'), entry(2, 'B'), entry(3, 'B'), entry(4, 'B'), entry(5, 'A')]
    expect(repeatedIn(queries, 3).map((g) => [g.text, g.entries.length])).toEqual([['B', 3]])
    expect(repeatedIn(queries, 2).map((g) => g.text)).toEqual(['A', 'B'])
  })

  it("finds a table's and a column's line in its schema file", () => {
    const lines = sourceLines(
      "import x from 'y'\n\nexport function build(t) {\n  t.string({ name: 'title' })\n  t.timestamps()\n  t.softDelete()\n}\n",
    )
    expect([
      lines.table,
      lines.line('title'),
      lines.line('updated_at'),
      lines.line('deleted_at'),
      lines.line('nope'),
    ]).toEqual([3, 4, 5, 6, 3])
  })
})
