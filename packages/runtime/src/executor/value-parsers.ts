import { parseArrayLiteral } from './array-literal.ts'

/** Decodes one value from PostgreSQL's text format. */
export type ValueParser = (text: string) => unknown

/**
 * The type parsers both backends use, keyed by type OID, so every query decodes the same
 * JS values on pg and PGlite:
 *
 * | PostgreSQL              | JS                                   |
 * |-------------------------|--------------------------------------|
 * | int2, int4, float4/8    | number                               |
 * | int8                    | bigint                               |
 * | numeric                 | string (no precision lost)           |
 * | timestamptz             | Date                                 |
 * | timestamp               | Date, the wall-clock time read as UTC |
 * | date                    | 'YYYY-MM-DD'                         |
 * | time, timetz, interval  | string as PostgreSQL prints it       |
 * | json, jsonb             | parsed                               |
 * | bytea                   | Uint8Array                           |
 * | arrays of these         | arrays of the decoded values         |
 * | text, uuid, enums, …    | string                               |
 *
 * pg gets them through the query's `types` option and PGlite through `parsers`: never
 * through pg's global `types.setTypeParser`, which the application's other code shares.
 */
export const valueParsers: Readonly<Record<number, ValueParser>> = Object.freeze(buildParsers())

function buildParsers(): Record<number, ValueParser> {
  const parseNumber = Number
  const parseInteger = (text: string) => Number.parseInt(text, 10)
  const text = (value: string) => value
  const scalars: Record<number, ValueParser> = {
    16: (value) => value === 't',
    17: parseBytea,
    20: BigInt,
    21: parseInteger,
    23: parseInteger,
    26: parseInteger,
    114: JSON.parse,
    700: parseNumber,
    701: parseNumber,
    1082: text,
    1083: text,
    1114: (value) => parseTimestamp(value, true),
    1184: (value) => parseTimestamp(value, false),
    1186: text,
    1266: text,
    1700: text,
    3802: JSON.parse,
  }
  // array OID → element OID; arrays of types without a parser above keep string elements.
  const arrays: Record<number, number> = {
    1000: 16,
    1001: 17,
    1005: 21,
    1007: 23,
    1016: 20,
    1028: 26,
    199: 114,
    1021: 700,
    1022: 701,
    1182: 1082,
    1183: 1083,
    1115: 1114,
    1185: 1184,
    1187: 1186,
    1270: 1266,
    1231: 1700,
    3807: 3802,
    1009: 25,
    1015: 1043,
    1014: 1042,
    1002: 18,
    1003: 19,
    2951: 2950,
    1041: 869,
    651: 650,
    1040: 829,
  }
  const parsers: Record<number, ValueParser> = { ...scalars }
  for (const [arrayOid, elementOid] of Object.entries(arrays)) {
    const element = scalars[elementOid] ?? text
    parsers[Number(arrayOid)] = (value) => parseArrayLiteral(value, element)
  }
  return parsers
}

const timestampPattern =
  /^(\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?( BC)?$/

/**
 * A timestamp in PostgreSQL's ISO output, or in the ISO 8601 form `to_json` writes (`T`
 * between date and time), so included rows decode timestamps with this same function
 * (sql/column-types.ts). `timestamp` (no zone) is read as UTC on purpose: pg's default reads
 * it as the machine's local time, so the value would shift with TZ. `infinity` becomes
 * ±Infinity, as pg does.
 */
export function parseTimestamp(text: string, withoutZone: boolean): Date | number {
  const time = commonTimestamp(text, withoutZone)
  if (time !== undefined) return new Date(time)
  if (text === 'infinity') return Number.POSITIVE_INFINITY
  if (text === '-infinity') return Number.NEGATIVE_INFINITY
  const match = timestampPattern.exec(text)
  if (!match) return new Date(Number.NaN)
  const [
    ,
    year,
    month,
    day,
    hour,
    minute,
    second,
    fraction,
    sign,
    offsetHours,
    offsetMinutes,
    offsetSeconds,
    bc,
  ] = match
  const date = new Date(0)
  const fullYear = bc ? 1 - Number(year) : Number(year)
  date.setUTCFullYear(fullYear, Number(month) - 1, Number(day))
  const millis = fraction ? Number(fraction.slice(0, 3).padEnd(3, '0')) : 0
  date.setUTCHours(Number(hour), Number(minute), Number(second), millis)
  if (withoutZone || !sign) return date
  const offset =
    (Number(offsetHours) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0)) *
    1000
  return new Date(date.getTime() - (sign === '+' ? offset : -offset))
}

/**
 * The common shape, `2024-05-06 07:08:09.123456+02` (JSON's: `2024-05-06T07:08:09.123456+02:00`)
 * with a four-digit year from 0100 on, read by character codes: the regex path costs several
 * times more, and a result set of thousands of rows decodes a timestamp per row. Anything else (BC, year < 100, infinity,
 * odd offsets) returns undefined and takes the general path.
 */
function commonTimestamp(text: string, withoutZone: boolean): number | undefined {
  const length = text.length
  if (length < 19 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return undefined
  const separator = text.charCodeAt(10)
  if (separator !== 32 && separator !== 84) return undefined
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined
  const year = digitsAt(text, 0, 4)
  const month = digitsAt(text, 5, 2)
  const day = digitsAt(text, 8, 2)
  const hour = digitsAt(text, 11, 2)
  const minute = digitsAt(text, 14, 2)
  const second = digitsAt(text, 17, 2)
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return undefined
  let i = 19
  let millis = 0
  if (text.charCodeAt(i) === 46) {
    for (let scale = 100; ++i < length; scale /= 10) {
      const digit = text.charCodeAt(i) - 48
      if (digit < 0 || digit > 9) break
      if (scale >= 1) millis += digit * scale
    }
  }
  const time = Date.UTC(year, month - 1, day, hour, minute, second, millis)
  if (i === length) return withoutZone ? time : undefined
  const sign = text.charCodeAt(i)
  if (sign !== 43 && sign !== 45) return undefined
  let offset = digitsAt(text, i + 1, 2) * 60
  i += 3
  if (i < length) {
    if (text.charCodeAt(i) !== 58 || i + 3 !== length) return undefined
    offset += digitsAt(text, i + 1, 2)
  }
  if (offset < 0) return undefined
  if (withoutZone) return time
  return time - (sign === 43 ? offset : -offset) * 60_000
}

/** The decimal number written by `count` digits at `start`, or -1 if one is not a digit. */
function digitsAt(text: string, start: number, count: number): number {
  let value = 0
  for (let i = start; i < start + count; i++) {
    const digit = text.charCodeAt(i) - 48
    if (!(digit >= 0 && digit <= 9)) return -1
    value = value * 10 + digit
  }
  return value
}

const hexDigits: Readonly<Record<string, number>> = Object.fromEntries(
  [...'0123456789abcdef'].map((digit, value) => [digit, value]),
)

/** bytea in the default `hex` output, `\x0aff`, or the `escape` output (`bytea_output = escape`). */
export function parseBytea(text: string): Uint8Array {
  if (!text.startsWith('\\x')) return parseEscapedBytea(text)
  const bytes = new Uint8Array((text.length - 2) / 2)
  for (let i = 0; i < bytes.length; i++) {
    bytes[i] = (hexDigits[text[2 + i * 2]!]! << 4) | hexDigits[text[3 + i * 2]!]!
  }
  return bytes
}

/** bytea in the `escape` output: `\\` a backslash, `\ooo` an octal byte, other bytes as themselves. */
function parseEscapedBytea(text: string): Uint8Array {
  const bytes: number[] = []
  for (let i = 0; i < text.length; ) {
    if (text[i] !== '\\') {
      bytes.push(text.charCodeAt(i) & 0xff)
      i++
    } else if (text[i + 1] === '\\') {
      bytes.push(0x5c)
      i += 2
    } else {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 4), 8) & 0xff)
      i += 4
    }
  }
  return Uint8Array.from(bytes)
}
