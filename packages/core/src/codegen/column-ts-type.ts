import type { ColumnIR, ColumnType, EnumIR } from '../schema/schema-ir.ts'

/** The TypeScript type the runtime decodes each PostgreSQL scalar kind to (see the Driver contract). */
const SCALAR_TS_TYPES: Readonly<Record<Exclude<ColumnType, 'enum'>, string>> = {
  uuid: 'string',
  text: 'string',
  varchar: 'string',
  date: 'string',
  time: 'string',
  interval: 'string',
  // numeric keeps its exact decimal digits, which a JS number would round.
  numeric: 'string',
  smallint: 'number',
  integer: 'number',
  real: 'number',
  double: 'number',
  bigint: 'bigint',
  boolean: 'boolean',
  timestamp: 'Date',
  timestamptz: 'Date',
  json: 'unknown',
  jsonb: 'unknown',
  bytea: 'Uint8Array',
  // Read as PostgreSQL's text of the value (inet, citext, tsvector, vector, …).
  custom: 'string',
}

/**
 * The TypeScript type of a column's value as read from a row: `TEXT NOT NULL` → `string`,
 * `BIGINT` nullable → `bigint | null`, `TEXT[]` → `string[]`, an enum → a union of its literals,
 * a timestamp with `mode: 'string'` → `string`.
 * `enums` supplies the values of enum columns, looked up by `enumName`.
 */
export function columnTsType(column: ColumnIR, enums: readonly EnumIR[]): string {
  const scalar = column.tsType ?? scalarTsType(column, enums)
  const value = column.array ? `${parenthesised(scalar)}[]` : scalar
  // `unknown` already includes null.
  return column.nullable && value !== 'unknown' ? `${value} | null` : value
}

/** The TypeScript type of a value of a column type other than enum: `bigint` → `bigint`. */
export function scalarColumnTsType(type: Exclude<ColumnType, 'enum'>): string {
  return SCALAR_TS_TYPES[type]
}

function scalarTsType(column: ColumnIR, enums: readonly EnumIR[]): string {
  // The runtime selects a mode: 'string' timestamp as text, microseconds and all.
  if (column.timeMode === 'string') return 'string'
  if (column.type !== 'enum') return SCALAR_TS_TYPES[column.type]
  const values = enums.find((e) => e.name === column.enumName)?.values ?? []
  return values.length === 0 ? 'string' : values.map((v) => JSON.stringify(v)).join(' | ')
}

/** A type that `[]` would bind into (a union, a function, a conditional type), in parentheses. */
function parenthesised(type: string): string {
  return /^[\w$.]+(?:<.*>)?$/.test(type) || /^import\("[^"]*"\)[\w$.]+$/.test(type)
    ? type
    : `(${type})`
}
