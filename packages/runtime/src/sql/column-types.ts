import type { ColumnIR, ColumnType } from '@fluentorm/core/ir'
import { arrayParam } from '../executor/array-param.ts'
import type { CopyFormat } from '../executor/copy-binary.ts'
import { parseBytea, parseTimestamp } from '../executor/value-parsers.ts'
import type { AggregateFunction } from './expression.ts'

/** What the compiler knows of a value's type: a column's, or an aggregate's result. */
export interface ValueType {
  readonly type: ColumnType
  readonly array: boolean
  /** timestamp columns: read as Date (default) or as the text PostgreSQL prints. */
  readonly timeMode?: 'date' | 'string' | null
}

type Decode = (value: unknown) => unknown

/**
 * Everything fluentorm does differently per column type, one entry per type; adding a type
 * means adding an entry here (and its OID parser in executor/value-parsers.ts, which decodes
 * top-level rows by OID on both backends).
 */
interface TypeRule {
  /** Rows hold JS numbers: sum and avg are float8 numbers (else exact decimal strings). */
  readonly number?: boolean
  /**
   * Inside JSON (includes) the value would lose precision or change form, so it travels as
   * text (`::text`) and is decoded by `fromJson`.
   */
  readonly jsonAsText?: boolean
  /**
   * Turns the value JSON carries back into the value a top-level row holds, with the
   * top-level parser where JSON carries the same text: `to_json` writes a NaN or ±Infinity
   * float as a string, a timestamp in ISO 8601 (`infinity`, ` BC` and odd offsets included).
   */
  readonly fromJson?: Decode
  /** An array's element, where JSON carries it in another form than a scalar (`fromJson`). */
  readonly fromJsonElement?: Decode
  /** A JS array bound to the (non-array) column is its JSON text, not a PostgreSQL array. */
  readonly json?: boolean
  /** Arrays of it are read as `text[]` (no parser knows an enum array's OID). */
  readonly ownOid?: boolean
  /** Its binary COPY form (executor/copy-binary.ts); without one, a COPY goes as text. */
  readonly copy?: CopyFormat
}

const RULES: Readonly<Record<ColumnType, TypeRule>> = {
  uuid: { copy: 'uuid' },
  text: { copy: 'text' },
  varchar: { copy: 'text' },
  boolean: { copy: 'bool' },
  smallint: { number: true, copy: 'int2' },
  integer: { number: true, copy: 'int4' },
  // JSON numbers stay numbers; "NaN", "Infinity" and "-Infinity" become them, as top-level.
  real: { number: true, fromJson: Number, copy: 'float4' },
  double: { number: true, fromJson: Number, copy: 'float8' },
  bigint: { jsonAsText: true, fromJson: (value) => BigInt(value as string), copy: 'int8' },
  numeric: { jsonAsText: true },
  timestamptz: { fromJson: (value) => parseTimestamp(value as string, false), copy: 'timestamp' },
  timestamp: { fromJson: (value) => parseTimestamp(value as string, true), copy: 'timestamp' },
  date: { copy: 'date' },
  time: {},
  interval: {},
  json: { json: true, copy: 'json' },
  jsonb: { json: true, copy: 'jsonb' },
  // A scalar travels as encode(…, 'hex'); an array as text[], whose elements are written in
  // the session's bytea_output (hex `\x…`, or escape).
  bytea: {
    jsonAsText: true,
    fromJson: (value) => hexToBytes(value as string),
    fromJsonElement: (value) => parseBytea(value as string),
    copy: 'bytea',
  },
  enum: { ownOid: true, copy: 'text' },
  // t.custom: no parser knows its OID, so rows hold its text (arrays through text[]); COPY as text.
  custom: { ownOid: true },
}

function rule(type: ValueType): TypeRule {
  return RULES[type.type]
}

function stringTime(type: ValueType): boolean {
  return type.timeMode === 'string'
}

/**
 * A value as it is bound for its column, where the drivers would disagree on a JS array:
 * json/jsonb take an array as its JSON text (pg would send a PostgreSQL array literal), an
 * array of an enum goes as an array literal (PGlite does not know its type). Everything else
 * is bound as it is.
 *
 * @example
 * bindValue(jsonbColumn, [1, 'a'])    // '[1,"a"]'
 * bindValue(enumArrayColumn, ['a'])   // '{"a"}'
 */
export function bindValue(column: ValueType, value: unknown): unknown {
  if (!Array.isArray(value)) return value
  if (column.array) return rule(column).ownOid ? arrayParam(value) : value
  return rule(column).json ? JSON.stringify(value) : value
}

/**
 * An `in` list, bound as the one array parameter of `= ANY($1)`: each element a value of the
 * column (a JSON array in a list for a json column is one JSON value, not a row of the
 * list's array); for an enum or custom column an array literal, whose type PostgreSQL takes
 * from the column (PGlite has no serializer for an enum's array type: it refused the list).
 */
export function bindList(column: ValueType, values: readonly unknown[]): unknown {
  if (column.array) return values
  if (rule(column).ownOid) return arrayParam(values)
  if (!rule(column).json) return values
  return values.map((value) =>
    value === null || value === undefined ? value : JSON.stringify(value),
  )
}

/**
 * A column in a select list or RETURNING, cast where the driver would not give the documented
 * JS value: enum arrays as `TEXT[]`, string-mode timestamps as text.
 */
export function selectCast(sql: string, type: ValueType): string {
  if (stringTime(type)) return `${sql}::${type.array ? 'text[]' : 'text'}`
  if (type.array && rule(type).ownOid) {
    // A custom type's own cast to text may print other than its output (inet's adds the
    // netmask: '10.0.0.1/32'); the array's text is its elements' output, read back as text[].
    return type.type === 'custom' ? `${sql}::text::TEXT[]` : `${sql}::TEXT[]`
  }
  return sql
}

/**
 * A value inside JSON. int8 and numeric would become JSON numbers (losing precision) and
 * bytea an escaped string, so they travel as text (bytea as hex, whatever the session's
 * bytea_output); string-mode timestamps as the same text a top-level row holds.
 */
export function jsonCast(sql: string, type: ValueType): string {
  if (stringTime(type) || (type.array && rule(type).ownOid)) return selectCast(sql, type)
  if (!rule(type).jsonAsText) return sql
  return type.type === 'bytea' && !type.array
    ? `encode(${sql}, 'hex')`
    : `${sql}::${type.array ? 'text[]' : 'text'}`
}

/** Decodes a value an included row carried in JSON into the value a top-level row holds. */
export function jsonDecoder(type: ValueType | null): Decode {
  const decode = type && !stringTime(type) ? rule(type).fromJson : undefined
  if (!decode || !type) return identity
  if (!type.array) return nullable(decode)
  const scalar = nullable(rule(type).fromJsonElement ?? decode)
  // Any PostgreSQL array may have more than one dimension: JSON nests them as arrays.
  const elements: Decode = (value) => (Array.isArray(value) ? value.map(elements) : scalar(value))
  return elements
}

/**
 * An aggregate's result type, which fluentorm documents: count is an integer (a number), sum
 * and avg of number columns are float8 numbers and of bigint / numeric columns exact decimal
 * strings (numeric), min and max have the column's type.
 */
export function aggregateType(fn: AggregateFunction, arg: ValueType | null): ValueType | null {
  if (fn === 'count') return { type: 'integer', array: false }
  if (fn === 'min' || fn === 'max') return arg
  if (!arg) return null
  return { type: arg.array || !rule(arg).number ? 'numeric' : 'double', array: false }
}

/** The cast that gives an aggregate its documented result type (see aggregateType). */
export function aggregateCast(fn: AggregateFunction, arg: ValueType | null): string {
  if (fn === 'count') return '::integer'
  if ((fn === 'sum' || fn === 'avg') && arg && !arg.array && rule(arg).number) return '::float8'
  return ''
}

/** The binary COPY form of a column's values, or undefined when it goes as text (arrays too). */
export function copyFormat(column: ValueType): CopyFormat | undefined {
  return column.array ? undefined : rule(column).copy
}

/**
 * Whether insertMany can send the column as one array parameter (`unnest($1::T[])`): an
 * array literal cannot carry array and json values as they are.
 */
export function unnestable(column: ColumnIR): boolean {
  return !column.array && !rule(column).json
}

/**
 * The array element type of an unnest parameter, without its modifier: an explicit cast to
 * `VARCHAR(12)` would silently truncate a longer string, where the insert must refuse it.
 */
export function unnestType(column: ColumnIR): string {
  return column.type === 'enum' ? column.sqlType : column.sqlType.replace(/\(.*\)$/, '')
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
