import type { ColumnIR } from '@fluentorm/core'
import { type JsonField, jsonFields, returnsMany } from './json-fields.ts'
import type { Include, QueryState } from './query-state.ts'

type Row = Record<string, unknown>
type Decode = (value: unknown) => unknown

/**
 * Included relations arrive as JSON, where a timestamp is a string and int8, numeric and
 * bytea were sent as text (see select-sql). These decoders give included rows the same JS
 * values the driver gives top-level rows: Date, bigint, string, Uint8Array.
 */
const cache = new WeakMap<QueryState, (row: unknown) => Row>()

/**
 * Decodes the included relations of a fetched row, in place of their JSON. The row is the
 * driver's fresh object, owned by this fetch alone, so it is updated rather than copied.
 */
export function decodeIncludes(state: QueryState, row: Row): Row {
  for (const include of state.includes) {
    const name = include.relation.name
    row[name] = decodeRelation(include, row[name])
  }
  return row
}

/** A many relation is an array of rows; a single row is one row (an array or an object). */
function decodeRelation(include: Include, value: unknown): unknown {
  if (value === null || value === undefined) return null
  const decodeRow = jsonRowDecoder(include.query)
  return returnsMany(include) ? (value as unknown[]).map(decodeRow) : decodeRow(value)
}

/**
 * Decodes one included row: a JSON array of values in `jsonFields` order (the flat form of
 * include-sql) or, from a derived table, an object keyed by the same names.
 */
function jsonRowDecoder(state: QueryState): (row: unknown) => Row {
  let decode = cache.get(state)
  if (decode) return decode
  const fields = jsonFields(state)
  const names = fields.map((field) => field.name)
  const decoders = fields.map(fieldDecoder)
  // A key named __proto__ must be defined, not assigned (which would set the prototype).
  const plainKeys = !names.includes('__proto__')
  decode = (raw) => {
    const values = Array.isArray(raw) ? raw : names.map((name) => (raw as Row)[name])
    if (!plainKeys)
      return Object.fromEntries(names.map((name, i) => [name, decoders[i]!(values[i])]))
    const row: Row = {}
    for (let i = 0; i < names.length; i++) row[names[i]!] = decoders[i]!(values[i])
    return row
  }
  cache.set(state, decode)
  return decode
}

function fieldDecoder(field: JsonField): Decode {
  switch (field.kind) {
    case 'column':
      return columnDecoder(field.target.column)
    case 'aggregate':
      return identity
    case 'include':
      return (value) => decodeRelation(field.include, value)
  }
}

function columnDecoder(column: ColumnIR): Decode {
  const scalar = scalarDecoder(column)
  if (scalar === identity || !column.array) return scalar
  return (value) => (Array.isArray(value) ? value.map(scalar) : scalar(value))
}

function scalarDecoder(column: ColumnIR): Decode {
  switch (column.type) {
    case 'bigint':
      return nullable((value) => BigInt(value as string))
    case 'timestamptz':
      return nullable((value) => new Date(value as string))
    case 'timestamp':
      // JSON prints a timestamp without zone; fluentorm reads those as UTC everywhere.
      return nullable((value) => new Date(`${value as string}Z`))
    case 'bytea':
      return nullable((value) => hexToBytes(value as string))
    default:
      return identity
  }
}

function identity(value: unknown): unknown {
  return value
}

function nullable(decode: Decode): Decode {
  return (value) => (value === null || value === undefined ? null : decode(value))
}

/** `\x0aff` (PostgreSQL's hex bytea output) → bytes. */
function hexToBytes(text: string): Uint8Array {
  const hex = text.startsWith('\\x') ? text.slice(2) : text
  const bytes = new Uint8Array(hex.length / 2)
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return bytes
}
