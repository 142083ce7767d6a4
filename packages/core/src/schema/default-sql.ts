import { quoteLiteral } from '../sql/identifier.ts'
import {
  isByteaLiteral,
  isDateLiteral,
  isIntervalLiteral,
  isTimeLiteral,
  isTimestampLiteral,
} from './literal-checks.ts'
import type { ColumnType } from './schema-ir.ts'
import type { DefaultValue } from './table-schema.ts'

/** What a default is checked against. */
export interface DefaultTarget {
  readonly type: ColumnType
  readonly array: boolean
  readonly length: number | null
  readonly precision: number | null
  readonly scale: number | null
  readonly enumValues: readonly string[]
}

export type DefaultResult =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly message: string; readonly hint: string }

const TEMPORAL: readonly ColumnType[] = [
  'timestamp',
  'timestamptz',
  'date',
  'time',
  'text',
  'varchar',
]

/** Well-known SQL defaults taken as SQL, in their canonical spelling, with the types they suit. */
const SQL_DEFAULTS: ReadonlyMap<string, { sql: string; types: readonly ColumnType[] }> = new Map(
  [
    ['now()', TEMPORAL],
    ['current_timestamp', TEMPORAL],
    ['localtimestamp', TEMPORAL],
    ['transaction_timestamp()', TEMPORAL],
    ['statement_timestamp()', TEMPORAL],
    ['clock_timestamp()', TEMPORAL],
    ['current_date', ['date', 'timestamp', 'timestamptz', 'text', 'varchar']],
    ['current_time', ['time', 'text', 'varchar']],
    ['localtime', ['time', 'text', 'varchar']],
    ['gen_random_uuid()', ['uuid', 'text', 'varchar']],
  ].map(([name, types]) => {
    const key = name as string
    const sql = key.endsWith(')') ? key : key.toUpperCase()
    return [key, { sql, types: types as readonly ColumnType[] }]
  }),
)

const INTEGER_RANGE: Partial<Record<ColumnType, readonly [bigint, bigint]>> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const BOOLEAN_TRUE = /^(t|true|y|yes|on|1)$/i
const BOOLEAN_FALSE = /^(f|false|n|no|off|0)$/i
/** A Zig-style value the user already quoted: `'x'`, inner quotes doubled. */
const ALREADY_QUOTED = /^'((?:[^']|'')*)'$/s

/**
 * Renders a `defaultValue` as the SQL of a DEFAULT clause, or says why it does not fit.
 *
 * ```ts
 * renderDefault("it's", text)        // 'it''s'
 * renderDefault('0', integer)        // 0
 * renderDefault('now()', timestamptz) // now()
 * renderDefault(sql('1 + 1'), integer) // 1 + 1
 * ```
 */
export function renderDefault(value: DefaultValue, target: DefaultTarget): DefaultResult {
  if (typeof value === 'object' && value !== null) {
    const raw = typeof value.sql === 'string' ? value.sql.trim() : ''
    if (raw === '')
      return problem(
        'The sql() default is empty.',
        'Write an SQL expression inside sql(), or remove defaultValue.',
      )
    return { ok: true, sql: raw }
  }
  if (typeof value === 'string') {
    const known = SQL_DEFAULTS.get(value.trim().toLowerCase())
    if (known !== undefined) return knownDefault(value, known, target)
  }
  const text = typeof value === 'string' ? unquote(value) : String(value)
  if (text.includes('\0')) {
    return problem(
      'The default contains a NUL character (\\0), which PostgreSQL cannot store.',
      'Remove the NUL character.',
    )
  }
  if (target.array) return arrayDefault(text)
  return literalDefault(text, target)
}

/**
 * A literal value of the target's type as SQL (a partition bound's), checked as a literal
 * default is: never taken as an SQL expression, whatever its text.
 *
 * ```ts
 * renderLiteral('2024-01-01', date) // '2024-01-01'
 * renderLiteral('now()', text)      // 'now()'
 * ```
 */
export function renderLiteral(text: string, target: DefaultTarget): DefaultResult {
  if (text.includes('\0'))
    return problem(
      'The value contains a NUL character (\\0), which PostgreSQL cannot store.',
      'Remove the NUL character.',
    )
  return literalDefault(text, target)
}

function knownDefault(
  value: string,
  known: { sql: string; types: readonly ColumnType[] },
  target: DefaultTarget,
): DefaultResult {
  if (target.array || !known.types.includes(target.type)) {
    return problem(
      `The default ${value} does not fit a ${describe(target)} column.`,
      `Use it on a column of type ${known.types.join(' / ')}, or write a literal of the column's type.`,
    )
  }
  return { ok: true, sql: known.sql }
}

function unquote(value: string): string {
  const quoted = ALREADY_QUOTED.exec(value)
  return quoted === null ? value : (quoted[1] ?? '').replaceAll("''", "'")
}

function arrayDefault(text: string): DefaultResult {
  if (!(text.startsWith('{') && text.endsWith('}'))) {
    return problem(
      `The default '${text}' is not a PostgreSQL array literal.`,
      "Write the array as '{a,b,c}' (or '{}' for empty), or use sql('ARRAY[...]').",
    )
  }
  return { ok: true, sql: quoteLiteral(text) }
}

function literalDefault(text: string, target: DefaultTarget): DefaultResult {
  switch (target.type) {
    case 'boolean':
      if (BOOLEAN_TRUE.test(text)) return { ok: true, sql: 'true' }
      if (BOOLEAN_FALSE.test(text)) return { ok: true, sql: 'false' }
      return invalid(text, target, "Use 'true' or 'false' (or a boolean).")
    case 'smallint':
    case 'integer':
    case 'bigint':
      return integerDefault(text, target)
    case 'real':
    case 'double':
      if (NUMBER.test(text)) return { ok: true, sql: text }
      if (/^(nan|infinity|-infinity)$/i.test(text)) return { ok: true, sql: quoteLiteral(text) }
      return invalid(text, target, "Write a number such as '0' or '1.5'.")
    case 'numeric':
      return numericDefault(text, target)
    case 'uuid':
      if (UUID.test(text)) return { ok: true, sql: quoteLiteral(text.toLowerCase()) }
      return invalid(
        text,
        target,
        "Write a UUID such as '00000000-0000-0000-0000-000000000000', or 'gen_random_uuid()'.",
      )
    case 'enum':
      if (target.enumValues.includes(text)) return { ok: true, sql: quoteLiteral(text) }
      return invalid(text, target, `Use one of the enum's values: ${target.enumValues.join(', ')}.`)
    case 'varchar':
      if (target.length !== null && [...text].length > target.length) {
        return invalid(
          text,
          target,
          `Shorten it to ${target.length} characters or raise the column's length.`,
        )
      }
      return { ok: true, sql: quoteLiteral(text) }
    case 'json':
    case 'jsonb':
      return jsonDefault(text, target)
    case 'timestamp':
    case 'timestamptz':
    case 'date':
    case 'time':
      return temporalDefault(text, target)
    case 'interval':
      if (isIntervalLiteral(text)) return { ok: true, sql: quoteLiteral(text) }
      return invalid(
        text,
        target,
        "Write an interval such as '1 day', '2 hours 30 minutes', '01:30:00' or 'P1DT2H', or use sql('…').",
      )
    case 'bytea':
      if (isByteaLiteral(text)) return { ok: true, sql: quoteLiteral(text) }
      return invalid(
        text,
        target,
        "Write bytes in hex, such as '\\x00ff' (pairs of hex digits after \\x), or use sql('…').",
      )
    case 'text':
    case 'custom':
      return { ok: true, sql: quoteLiteral(text) }
  }
}

const TEMPORAL_CHECKS: Readonly<
  Record<'timestamp' | 'timestamptz' | 'date' | 'time', (text: string) => boolean>
> = {
  timestamp: isTimestampLiteral,
  timestamptz: isTimestampLiteral,
  date: isDateLiteral,
  time: isTimeLiteral,
}

function temporalDefault(text: string, target: DefaultTarget): DefaultResult {
  if (/^(now|today|tomorrow|yesterday)$/i.test(text.trim())) {
    return problem(
      `The default '${text}' would be evaluated once, when the table is created, and stored as a constant.`,
      "Use 'now()' or 'CURRENT_TIMESTAMP' (or 'CURRENT_DATE') to get the time of each insert.",
    )
  }
  const type = target.type as keyof typeof TEMPORAL_CHECKS
  if (TEMPORAL_CHECKS[type](text)) return { ok: true, sql: quoteLiteral(text) }
  const example =
    type === 'date' ? "'2024-01-31'" : type === 'time' ? "'09:30:00'" : "'2024-01-31 09:30:00Z'"
  return invalid(text, target, `Write it in ISO 8601 form, such as ${example}, or use sql('…').`)
}

function integerDefault(text: string, target: DefaultTarget): DefaultResult {
  const range = INTEGER_RANGE[target.type]
  if (!/^[+-]?\d+$/.test(text) || range === undefined) {
    return invalid(text, target, "Write a whole number such as '0'.")
  }
  const value = BigInt(text)
  if (value < range[0] || value > range[1]) {
    return invalid(
      text,
      target,
      `Keep it between ${range[0]} and ${range[1]}, or use a wider integer type.`,
    )
  }
  return { ok: true, sql: value.toString() }
}

function numericDefault(text: string, target: DefaultTarget): DefaultResult {
  if (/^nan$/i.test(text)) return { ok: true, sql: quoteLiteral('NaN') }
  if (!NUMBER.test(text)) return invalid(text, target, "Write a number such as '0' or '9.99'.")
  if (target.precision !== null) {
    const integerDigits = integerDigitCount(text)
    const allowed = target.precision - (target.scale ?? 0)
    if (integerDigits > allowed) {
      return invalid(
        text,
        target,
        `NUMERIC(${target.precision}, ${target.scale ?? 0}) allows ${allowed} digits before the decimal point.`,
      )
    }
  }
  return { ok: true, sql: text }
}

function integerDigitCount(text: string): number {
  const [mantissa = '', exponent = '0'] = text.replace(/^[+-]/, '').toLowerCase().split('e')
  const [whole = ''] = mantissa.split('.')
  const significant = whole.replace(/^0+/, '')
  return significant === '' ? 0 : significant.length + Number(exponent)
}

function jsonDefault(text: string, target: DefaultTarget): DefaultResult {
  try {
    JSON.parse(text)
  } catch {
    return invalid(
      text,
      target,
      `Write valid JSON, e.g. '{}' or '[]' (strings need double quotes: '"x"').`,
    )
  }
  return { ok: true, sql: quoteLiteral(text) }
}

function invalid(text: string, target: DefaultTarget, hint: string): DefaultResult {
  return problem(`The default '${text}' is not a valid ${describe(target)}.`, hint)
}

function describe(target: DefaultTarget): string {
  return `${target.type}${target.array ? '[]' : ''}`
}

function problem(message: string, hint: string): DefaultResult {
  return { ok: false, message, hint }
}
