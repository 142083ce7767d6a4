import type { FuzzColumn } from './fuzz-table.ts'

/**
 * What a write of a value must do, decided without fluentorm: `refuse` (a FluentOrmError),
 * `store` (succeed, and the column then reads as `text` through `::text`; json compared
 * parsed), or `either` (a value of another type than the column's, which fluentorm may bind
 * as one value or refuse: only the row counts are checked).
 */
export type Expected =
  | { readonly must: 'refuse'; readonly why: string }
  | { readonly must: 'store'; readonly text: string | null }
  | { readonly must: 'either'; readonly why: string }

/** The value's text as PostgreSQL should read it, before the server has seen it. */
type Canon =
  | { readonly refuse: string }
  | { readonly text: string | null }
  | { readonly either: string }

export type HandQuery = (text: string, values?: unknown[]) => Promise<Record<string, unknown>[]>

const MAX_JSON_DEPTH = 1_000
/** PostgreSQL's MAXDIM. */
const MAX_ARRAY_DIMENSIONS = 6
const minTime = Date.parse('0001-01-01T00:00:00.000Z')
const maxTime = Date.parse('+010000-01-01T00:00:00.000Z')
const TIME_TYPES = /^(TIMESTAMPTZ|TIMESTAMP|DATE|TIME)\b/

/**
 * The value as the column should hold it: the canonical text is cast by PostgreSQL itself
 * (`($1::text)::<type>::text`, hand-written), so the server's own input rules decide; a cast
 * the server refuses means fluentorm must refuse too.
 */
export async function expectedFor(
  hand: HandQuery,
  column: FuzzColumn,
  value: unknown,
): Promise<Expected> {
  const canon = canonical(column, value)
  if ('refuse' in canon) return { must: 'refuse', why: canon.refuse }
  if ('either' in canon) return { must: 'either', why: canon.either }
  if (canon.text === null) return { must: 'store', text: null }
  let text = canon.text
  if (column.sqlType.startsWith('VARCHAR')) {
    // An assignment to VARCHAR(n) refuses a longer value, but cuts trailing spaces.
    const chars = [...text]
    if (chars.length > 8) {
      if (chars.slice(8).some((c) => c !== ' ')) return { must: 'refuse', why: 'too long' }
      text = chars.slice(0, 8).join('')
    }
  }
  const type = column.sqlType.startsWith('VARCHAR') ? 'TEXT' : column.sqlType
  try {
    const [row] = await hand(`SELECT ($1::text)::${type}::text AS v`, [text])
    return { must: 'store', text: row!.v as string }
  } catch {
    return { must: 'refuse', why: `PostgreSQL refuses ${type} input` }
  }
}

function canonical(column: FuzzColumn, value: unknown): Canon {
  if (value === null) return { text: null }
  if (typeof value === 'function' || typeof value === 'symbol') {
    return { refuse: `a ${typeof value} is no value` }
  }
  if (value instanceof Date) {
    const time = value.getTime()
    if (Number.isNaN(time) || time < minTime || time >= maxTime) {
      return { refuse: 'a Date outside 0001–9999' }
    }
    return TIME_TYPES.test(column.sqlType) && !column.array
      ? { text: value.toISOString() }
      : { either: 'a Date for a column that is not a timestamp' }
  }
  if (column.json) return jsonCanon(value)
  if (column.array) {
    if (typeof value === 'string') return wellFormed(value)
    if (!Array.isArray(value)) return { either: 'a scalar for an array column' }
    return arrayCanon(value, column)
  }
  if (typeof value === 'string') {
    // PGlite's serializers take only a Uint8Array for bytea and a boolean for boolean.
    return column.sqlType === 'BYTEA' || column.sqlType === 'BOOLEAN'
      ? { either: 'a string for a bytea or boolean column' }
      : wellFormed(value)
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return /INT|REAL|DOUBLE|NUMERIC/.test(column.sqlType)
      ? { text: Object.is(value, -0) ? '-0' : String(value) }
      : { either: 'a number for a column that is not numeric' }
  }
  if (typeof value === 'boolean') {
    return column.sqlType === 'BOOLEAN'
      ? { text: String(value) }
      : { either: 'a boolean for another column' }
  }
  if (value instanceof Uint8Array && column.sqlType === 'BYTEA') {
    return { text: `\\x${Buffer.from(value).toString('hex')}` }
  }
  return { either: `${Array.isArray(value) ? 'an array' : 'an object'} for a scalar column` }
}

/** A string that UTF-8 cannot carry (a lone surrogate) cannot be stored as given. */
function wellFormed(text: string): Canon {
  return /\p{Cs}/u.test(text) ? { refuse: 'a lone surrogate' } : { text }
}

/** A JS value as JSON text: strings are JSON text as they are; objects as JSON.stringify writes them. */
function jsonCanon(value: unknown): Canon {
  if (typeof value === 'string') return wellFormed(value)
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return { text: String(value) }
  }
  if (value instanceof Uint8Array) return { either: 'bytes for a json column' }
  if (typeof value !== 'object') return { either: `a ${typeof value}` }
  const problem = jsonProblem(value, new Set(), 1)
  if (problem) return { refuse: problem }
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    return { refuse: `JSON.stringify throws: ${(error as Error).message}` }
  }
  return text === undefined ? { either: 'JSON.stringify gives nothing' } : { text }
}

function jsonProblem(value: unknown, path: Set<object>, depth: number): string | null {
  if (typeof value !== 'object' || value === null) return null
  let toJSON: unknown
  try {
    toJSON = (value as { toJSON?: unknown }).toJSON
  } catch {
    return null
  }
  if (typeof toJSON === 'function') return null
  if (depth > MAX_JSON_DEPTH) return 'nested too deep'
  if (path.has(value)) return 'a cycle'
  path.add(value)
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    let child: unknown
    try {
      child = (value as Record<string, unknown>)[key]
    } catch {
      return null
    }
    const problem = jsonProblem(child, path, depth + 1)
    if (problem) return problem
  }
  path.delete(value)
  return null
}

/**
 * An array as PostgreSQL's array literal, written here independently of fluentorm's own
 * encoder: every element quoted and escaped, NULL for null. An element of another type than
 * the array's makes the outcome `either`.
 */
function arrayCanon(values: readonly unknown[], column: FuzzColumn, depth = 1): Canon {
  if (depth > MAX_ARRAY_DIMENSIONS) return { refuse: 'more dimensions than PostgreSQL allows' }
  const parts: string[] = []
  for (const element of values) {
    if (Array.isArray(element)) {
      const inner = arrayCanon(element, column, depth + 1)
      if (!('text' in inner)) return inner
      parts.push(inner.text!)
      continue
    }
    const scalar = { ...column, array: false, sqlType: column.sqlType.replace(/\[\]$/, '') }
    const canon = element === null ? { text: null } : canonical(scalar, element)
    if (!('text' in canon)) return canon
    parts.push(canon.text === null ? 'NULL' : `"${canon.text.replace(/[\\"]/g, '\\$&')}"`)
  }
  return { text: `{${parts.join(',')}}` }
}
