import type { ColumnIR } from '@fluentorm/core'
import type { Cell } from './api-types.ts'
import { StudioError } from './http.ts'

/**
 * Values between the browser's inputs and the models, by column type. An input arrives as
 * text (what a field holds), a boolean (a checkbox) or null; it leaves as what the model takes
 * for the column (a number, a bigint, a Date, parsed JSON, bytes). A value the column cannot
 * hold is refused naming the column and the type, never repeating the value.
 */
export function inputValue(column: ColumnIR, raw: unknown, table: string): unknown {
  const fail = (what: string): never => {
    throw new StudioError(400, `column ${column.name} of ${table}: ${what}`)
  }
  if (raw === null) {
    if (!column.nullable) fail('cannot be null')
    return null
  }
  if (column.array) {
    let list: unknown
    try {
      list = typeof raw === 'string' ? JSON.parse(raw) : raw
    } catch {
      fail(`expected a JSON array of ${column.type} values`)
    }
    if (!Array.isArray(list)) return fail(`expected a JSON array of ${column.type} values`)
    return list.map((item) =>
      item === null ? null : scalar(column, typeof item === 'string' ? item : item, fail),
    )
  }
  return scalar(column, raw, fail)
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const INTEGER = /^[-+]?\d+$/
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/
const BYTES = /^\\x(?:[0-9a-f]{2})*$/i
const RANGES: Partial<Record<string, readonly [number, number]>> = {
  smallint: [-32768, 32767],
  integer: [-2147483648, 2147483647],
}

function scalar(column: ColumnIR, raw: unknown, fail: (what: string) => never): unknown {
  const type = column.type
  if (type === 'boolean') {
    if (typeof raw === 'boolean') return raw
    if (raw === 'true' || raw === 'false') return raw === 'true'
    return fail('expected true or false')
  }
  if ((type === 'json' || type === 'jsonb') && typeof raw !== 'string') return raw
  if (typeof raw === 'number' && Number.isFinite(raw)) raw = String(raw)
  if (typeof raw !== 'string') return fail(`expected text for a ${column.sqlType} value`)
  const text = raw
  switch (type) {
    case 'uuid':
      return UUID.test(text.trim()) ? text.trim() : fail('expected a UUID')
    case 'smallint':
    case 'integer': {
      const [min, max] = RANGES[type]!
      const value = Number(text.trim())
      if (!INTEGER.test(text.trim()) || value < min || value > max) {
        return fail(`expected a whole number from ${min} to ${max}`)
      }
      return value
    }
    case 'bigint':
      return INTEGER.test(text.trim()) ? BigInt(text.trim()) : fail('expected a whole number')
    case 'real':
    case 'double':
      return DECIMAL.test(text.trim()) ? Number(text.trim()) : fail('expected a number')
    case 'numeric':
      return DECIMAL.test(text.trim()) ? text.trim() : fail('expected a decimal number')
    case 'timestamp':
    case 'timestamptz': {
      if (column.timeMode === 'string') return text
      const date = new Date(text)
      return Number.isNaN(date.getTime()) ? fail('expected a date and time (ISO 8601)') : date
    }
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(text.trim()) ? text.trim() : fail('expected YYYY-MM-DD')
    case 'json':
    case 'jsonb':
      try {
        return JSON.parse(text)
      } catch {
        return fail('expected JSON')
      }
    case 'bytea':
      return BYTES.test(text.trim())
        ? Uint8Array.from(Buffer.from(text.trim().slice(2), 'hex'))
        : fail('expected bytes as \\x followed by hex digits')
    default:
      // text, varchar, enum, time, interval: PostgreSQL reads the text (an enum checks its values).
      return text
  }
}

/** A value read by a model as the browser shows it: JSON as it is, the rest as text. */
export function cellValue(value: unknown): Cell {
  if (value === null || value === undefined) return null
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Uint8Array) {
    const hex = Buffer.from(value.subarray(0, 64)).toString('hex')
    return `\\x${hex}${value.length > 64 ? `… (${value.length} bytes)` : ''}`
  }
  if (Array.isArray(value)) return value.map((item) => cellValue(item))
  if (typeof value === 'object') return value as Record<string, unknown>
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') {
    return value
  }
  return String(value)
}
