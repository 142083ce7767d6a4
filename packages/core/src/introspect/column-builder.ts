import { mentions } from '../diff/table-diff.ts'
import { checkTypeName } from '../schema/type-name.ts'
import type { ColumnRow, EnumRow } from './catalog-queries.ts'
import { type OptionValue, SqlText } from './pulled-schema.ts'

/** The DSL builder a column is written with, and the options that reproduce its type. */
export interface ColumnBuilder {
  readonly method: string
  readonly options: Record<string, OptionValue>
  /** What the DSL writes differently from the database, said once in pull's report. */
  readonly note?: string
  /** The type the hand-written migration gives back (an unqualified `timestamp`, which the DSL declares `(6)`). */
  readonly retype?: string
}

const SIMPLE: Readonly<Record<string, string>> = {
  uuid: 'uuid',
  text: 'string',
  bool: 'boolean',
  int2: 'smallInt',
  int4: 'integer',
  int8: 'bigInt',
  float4: 'float',
  float8: 'double',
  date: 'date',
  json: 'json',
  jsonb: 'jsonb',
  bytea: 'binary',
}

/**
 * The builder of a column whose type the DSL has, or why it has none (`inet`, `time(3)`, a
 * domain, an enum of another schema…): such a column is added by the hand-written migration.
 */
export function columnBuilder(
  table: string,
  column: ColumnRow,
  enums: ReadonlyMap<string, EnumRow>,
  schema: string,
  /** The domains of the schema that schema files declare (`t.domain`): their columns are `t.custom`. */
  domains: ReadonlySet<string> = new Set(),
): ColumnBuilder | { readonly unsupported: string } {
  const unsupported = { unsupported: `its type ${column.type} has no schema builder` }
  // A base, range or multirange type of its own: t.custom with the type as PostgreSQL prints it.
  const custom =
    ['b', 'r', 'm'].includes(column.base_typtype) && checkTypeName(column.type).ok
      ? { method: 'custom', options: { type: column.type } }
      : unsupported
  if (column.generated !== '' && column.generated !== 's')
    return { unsupported: 'it is a virtual generated column (the DSL writes STORED ones)' }
  if (column.collation !== null) return { unsupported: `it has COLLATE "${column.collation}"` }
  const array: Record<string, OptionValue> = column.is_array ? { array: true } : {}
  if (column.base_typtype === 'd' && column.base_schema === schema && domains.has(column.base_type))
    return { method: 'custom', options: { type: column.type } }
  if (column.base_typtype === 'e') {
    const labels = enums.get(column.base_type)
    if (column.base_schema !== schema || labels === undefined) return unsupported
    const options: Record<string, OptionValue> = { ...array, values: [...labels.values] }
    if (column.base_type !== `${table}_${column.name}`) options.enumName = column.base_type
    return { method: 'enum', options }
  }
  if (column.base_schema !== 'pg_catalog') return custom
  const typmod = column.typmod
  const simple = SIMPLE[column.base_type]
  if (simple !== undefined) return { method: simple, options: array }
  switch (column.base_type) {
    case 'varchar':
      if (typmod < 0) return custom
      return { method: 'varchar', options: { length: typmod - 4, ...array } }
    case 'numeric': {
      if (typmod < 0) return { method: 'numeric', options: array }
      const precision = ((typmod - 4) >> 16) & 0xffff
      const scale = (typmod - 4) & 0xffff
      return { method: 'decimal', options: { precision, scale, ...array } }
    }
    case 'timestamp':
    case 'timestamptz': {
      const method = column.base_type === 'timestamp' ? 'dateTime' : 'timestamptz'
      if (typmod < 0) {
        return {
          method,
          options: { ...array, mode: 'string' },
          note: `${column.type} keeps microseconds: written with mode: 'string' (rows carry text); the DSL declares it (6), the same values, and the hand-written migration gives it back its unqualified type. For Date rows use precision 3; generate then writes the narrowing migration.`,
          retype: column.type,
        }
      }
      if (typmod <= 3)
        return { method, options: { ...array, ...(typmod === 3 ? {} : { precision: typmod }) } }
      return {
        method,
        options: { ...array, ...(typmod === 6 ? {} : { precision: typmod }), mode: 'string' },
      }
    }
    case 'time':
    case 'interval':
      if (typmod >= 0) return custom
      return { method: column.base_type, options: array }
    default:
      return custom
  }
}

/**
 * The builder of an unqualified timestamp that PostgreSQL cannot retype, in the partition key
 * or used by a generated column (`cannot alter column … because it is part of the partition
 * key`): without the retype, it stays the DSL's `(6)` on a new database, the same microseconds.
 */
export function withRetypeRefused(
  builder: ColumnBuilder,
  column: ColumnRow,
  columns: readonly ColumnRow[],
  partitionKey: string | null,
): ColumnBuilder {
  if (builder.retype === undefined) return builder
  const uses = (sql: string | null) => sql !== null && mentions(sql, column.name)
  // generate's migration to precision 3 drops and adds a generated column again; no partition key changes.
  const refusal = uses(partitionKey)
    ? 'in the partition key.'
    : columns.some((c) => c.generated === 's' && uses(c.default_sql))
      ? 'used by a generated column. For Date rows use precision 3; generate then writes the narrowing migration.'
      : null
  if (refusal === null) return builder
  const { retype: _, ...kept } = builder
  return {
    ...kept,
    note: `${column.type} keeps microseconds: written with mode: 'string' (rows carry text); the DSL declares it (6), the same values, which a new database keeps: PostgreSQL cannot retype a column ${refusal}`,
  }
}

const LITERAL = /^'((?:[^']|'')*)'::(.+)$/s
const NUMBER = /^-?\d+(\.\d+)?$/
const TEMPORAL = ['dateTime', 'timestamptz']
/** The SQL the DSL takes as SQL when given as a string, and the builders it fits. */
const WELL_KNOWN: ReadonlyMap<string, readonly string[]> = new Map([
  ['now()', TEMPORAL],
  ['CURRENT_TIMESTAMP', TEMPORAL],
  ['LOCALTIMESTAMP', TEMPORAL],
  ['transaction_timestamp()', TEMPORAL],
  ['statement_timestamp()', TEMPORAL],
  ['clock_timestamp()', TEMPORAL],
  ['CURRENT_DATE', ['date', ...TEMPORAL]],
  ['gen_random_uuid()', ['uuid']],
])
const QUOTED_LITERAL_TYPES = new Set(['string', 'varchar', 'enum', 'json', 'jsonb', 'custom'])
const NUMERIC_TYPES = new Set([
  'smallInt',
  'integer',
  'bigInt',
  'float',
  'double',
  'numeric',
  'decimal',
])

/**
 * The `defaultValue` that gives back the database's default: a plain string, number or
 * boolean where the DSL's literal rules produce exactly that SQL, else `sql(…)` with the
 * catalog's own text (which PostgreSQL stores again unchanged).
 */
export function defaultOption(expression: string, builder: ColumnBuilder): OptionValue {
  const array = builder.options.array === true
  if (!array && WELL_KNOWN.get(expression)?.includes(builder.method)) return expression
  const literal = LITERAL.exec(expression)
  if (!array && literal !== null && QUOTED_LITERAL_TYPES.has(builder.method)) {
    const text = (literal[1] ?? '').replaceAll("''", "'")
    // A value that itself looks quoted, or a well-known word, would be read another way.
    if (
      !/^'.*'$/s.test(text) &&
      !WELL_KNOWN.has(text.toUpperCase()) &&
      !WELL_KNOWN.has(text.toLowerCase())
    )
      return text
  }
  if (
    array &&
    literal !== null &&
    /^\{.*\}$/s.test(literal[1] ?? '') &&
    !(literal[1] ?? '').includes("'")
  )
    return literal[1] ?? ''
  // PostgreSQL prints a negative number default as a cast literal: '-1'::integer.
  const number = literal !== null && /^-/.test(literal[1] ?? '') ? (literal[1] ?? '') : expression
  if (!array && NUMERIC_TYPES.has(builder.method) && NUMBER.test(number)) {
    const value = Number(number)
    if (String(value) === number && Number.isSafeInteger(Math.trunc(value))) return value
  }
  if (!array && builder.method === 'boolean' && (expression === 'true' || expression === 'false'))
    return expression === 'true'
  return new SqlText(expression)
}
