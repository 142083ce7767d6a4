import type { ColumnIR } from '@fluentorm/core'
import type { QueryState } from './query-state.ts'

type Row = Record<string, unknown>
type Decode = (value: unknown) => unknown

/**
 * Included relations arrive as JSON, where a timestamp is a string and int8, numeric and
 * bytea were sent as text (see select-sql). These decoders give included rows the same JS
 * values the driver gives top-level rows: Date, bigint, string, Uint8Array.
 */
const cache = new WeakMap<QueryState, (row: Row) => Row>()

/**
 * Decodes the included relations of a fetched row, in place of their JSON. The row is the
 * driver's fresh object, owned by this fetch alone, so it is updated rather than copied.
 */
export function decodeIncludes(state: QueryState, row: Row): Row {
  for (const include of state.includes) {
    const name = include.relation.name
    row[name] = decodeRelation(include.query, row[name])
  }
  return row
}

function decodeRelation(state: QueryState, value: unknown): unknown {
  if (value === null || value === undefined) return null
  const decodeRow = jsonRowDecoder(state)
  return Array.isArray(value) ? value.map((row) => decodeRow(row as Row)) : decodeRow(value as Row)
}

function jsonRowDecoder(state: QueryState): (row: Row) => Row {
  let decode = cache.get(state)
  if (decode) return decode
  const fields: [string, Decode][] = []
  const columns = state.select
    ? state.select.flatMap((item) => (item.kind === 'column' ? [item.target.column] : []))
    : state.runtime.info.table.columns
  for (const column of columns) fields.push([column.name, columnDecoder(column)])
  for (const item of state.select ?? []) {
    if (item.kind === 'aggregate') fields.push([item.alias, identity])
  }
  for (const include of state.includes) {
    fields.push([include.relation.name, (value) => decodeRelation(include.query, value)])
  }
  // JSON.parse made a fresh object with exactly these keys; when no value needs decoding
  // and no "__n" ordering key rides along (the query has no orderBy), it is the row.
  const asParsed = state.orderBy.length === 0 && fields.every(([, fn]) => fn === identity)
  // fromEntries defines properties, so a column named __proto__ stays a plain key.
  decode = asParsed
    ? (row) => row
    : (row) => Object.fromEntries(fields.map(([name, fn]) => [name, fn(row[name])]))
  cache.set(state, decode)
  return decode
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
