import type { ColumnType } from '@fluentorm/core/ir'
import { copyFormat } from '../sql/column-types.ts'
import { encodeDate, msPerDay } from './encode-params.ts'

/**
 * COPY's binary format (PostgreSQL docs, "COPY … Binary Format"): a 19-byte header, then per
 * row a 16-bit field count and each field as a 32-bit length (-1 for NULL) followed by the
 * value in the type's send/recv form, then a 16-bit -1. The server reads integers, floats,
 * timestamps and uuids without parsing text, which measured 1.3–2x faster than the text
 * format on the same rows (test/bench/RESULTS.md, section c).
 */
const header = Buffer.from('PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0', 'latin1')
const trailer = Buffer.from([0xff, 0xff])

/** Writes one non-null value of one column type; `accepts` says which JS values it takes. */
interface FieldWriter {
  accepts(value: unknown): boolean
  write(out: ByteWriter, value: unknown): void
}

/**
 * A growing buffer, written front to back. Every method reserves room before it writes, so
 * no caller ever holds a buffer that growing has replaced.
 */
class ByteWriter {
  #buffer: Buffer
  #offset = 0

  constructor(size: number) {
    this.#buffer = Buffer.allocUnsafe(size)
  }

  #reserve(bytes: number): void {
    if (this.#offset + bytes <= this.#buffer.length) return
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#offset + bytes))
    this.#buffer.copy(grown, 0, 0, this.#offset)
    this.#buffer = grown
  }

  /** Room for a field of `bytes` bytes after its length; returns where the value goes. */
  #field(bytes: number): number {
    this.#reserve(4 + bytes)
    const at = this.#buffer.writeInt32BE(bytes, this.#offset)
    this.#offset = at + bytes
    return at
  }

  raw(bytes: Buffer): void {
    this.#reserve(bytes.length)
    this.#offset += bytes.copy(this.#buffer, this.#offset)
  }

  int16(value: number): void {
    this.#reserve(2)
    this.#offset = this.#buffer.writeInt16BE(value, this.#offset)
  }

  /** A NULL field. */
  null(): void {
    this.#reserve(4)
    this.#offset = this.#buffer.writeInt32BE(-1, this.#offset)
  }

  boolField(value: boolean): void {
    this.#buffer.writeUInt8(value ? 1 : 0, this.#field(1))
  }

  int16Field(value: number): void {
    this.#buffer.writeInt16BE(value, this.#field(2))
  }

  int32Field(value: number): void {
    this.#buffer.writeInt32BE(value, this.#field(4))
  }

  /** A signed 64-bit integer given as its high 32 bits (signed) and low 32 bits (unsigned). */
  int64Field(high: number, low: number): void {
    const at = this.#field(8)
    this.#buffer.writeInt32BE(high, at)
    this.#buffer.writeUInt32BE(low, at + 4)
  }

  bigInt64Field(value: bigint): void {
    this.#buffer.writeBigInt64BE(value, this.#field(8))
  }

  float32Field(value: number): void {
    this.#buffer.writeFloatBE(value, this.#field(4))
  }

  float64Field(value: number): void {
    this.#buffer.writeDoubleBE(value, this.#field(8))
  }

  /** A UTF-8 field, `prefix` bytes (jsonb's version) first: written, then its length filled in. */
  textField(value: string, prefix?: number): void {
    const extra = prefix === undefined ? 0 : 1
    this.#reserve(4 + extra + value.length * 3)
    const start = this.#offset + 4
    if (prefix !== undefined) this.#buffer[start] = prefix
    const bytes = this.#buffer.write(value, start + extra, 'utf8') + extra
    this.#buffer.writeInt32BE(bytes, this.#offset)
    this.#offset = start + bytes
  }

  bytesField(value: Uint8Array): void {
    this.#reserve(4 + value.length)
    this.#offset = this.#buffer.writeInt32BE(value.length, this.#offset)
    this.#buffer.set(value, this.#offset)
    this.#offset += value.length
  }

  /** The bytes written so far; the writer starts over on a fresh buffer of the same size. */
  take(): Buffer {
    const done = this.#buffer.subarray(0, this.#offset)
    this.#buffer = Buffer.allocUnsafe(this.#buffer.length)
    this.#offset = 0
    return done
  }
}

const isString = (value: unknown) => typeof value === 'string'
const isDate = (value: unknown) => value instanceof Date
/** -0 prints as "0" in the text format; binary would keep the sign. */
const isFloat64 = (value: unknown) => typeof value === 'number' && !Object.is(value, -0)
/**
 * A number float4 holds exactly (or NaN, ±Infinity). Any other the text format sends as its
 * decimal digits, which PostgreSQL rounds once, or refuses when out of range; binary would
 * round it here, or turn it into Infinity or 0.
 */
const isFloat32 = (value: unknown) =>
  isFloat64(value) && (Math.fround(value as number) === value || Number.isNaN(value))

function integer(bits: 16 | 32): FieldWriter {
  const max = 2 ** (bits - 1)
  return {
    accepts: (value) =>
      Number.isInteger(value) && -max <= (value as number) && (value as number) < max,
    write:
      bits === 16
        ? (out, value) => out.int16Field(value as number)
        : (out, value) => out.int32Field(value as number),
  }
}

const int64Range = 2n ** 63n

const text: FieldWriter = {
  accepts: isString,
  write: (out, value) => out.textField(value as string),
}

/** Milliseconds from the Unix epoch to PostgreSQL's, 2000-01-01T00:00:00Z. */
const pgEpochMs = 946_684_800_000
/** Below this many ms from 2000 (≈ 285 years), ms × 1000 is an exact double. */
const exactMs = 9_007_199_254_740

/** A timestamp: microseconds since 2000-01-01 as a signed 64-bit integer. */
function writeTimestamp(out: ByteWriter, value: unknown): void {
  const time = (value as Date).getTime()
  if (Number.isNaN(time)) encodeDate(value as Date) // throws INVALID_DATE
  const ms = time - pgEpochMs
  if (Math.abs(ms) < exactMs) {
    const micros = ms * 1000
    const high = Math.floor(micros / 4_294_967_296)
    out.int64Field(high, micros - high * 4_294_967_296)
  } else {
    out.bigInt64Field(BigInt(ms) * 1000n)
  }
}

/** JSON text as given, anything else as JSON.stringify prints it (as in a query parameter). */
function jsonText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value)
}

const isoDay = /^(\d{4})-(\d{2})-(\d{2})$/

/**
 * `YYYY-MM-DD` as milliseconds since 1970 at UTC midnight, or undefined when that day does
 * not exist (year 0, month 13, February 30): the text format stores what it is given or
 * refuses it, so only real days are sent in binary. setUTCFullYear, unlike Date.UTC, does not
 * read years 0–99 as 1900–1999.
 */
function isoDayTime(text: string): number | undefined {
  const match = isoDay.exec(text)
  if (!match) return undefined
  const [year, month, day] = [Number(match[1]), Number(match[2]) - 1, Number(match[3])]
  const date = new Date(0)
  date.setUTCFullYear(year, month, day)
  const real = year >= 1 && date.getUTCMonth() === month && date.getUTCDate() === day
  return real ? date.getTime() : undefined
}

/**
 * A value whose JSON text the server parses as the text format would send it: JSON text as a
 * string, a boolean, a finite number, a plain object or an array. (NaN would print as null,
 * a bigint cannot be printed at all: those take the text path and its error.)
 */
function isJsonValue(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true
    case 'number':
      return Number.isFinite(value)
    case 'object': {
      if (value === null || Array.isArray(value)) return true
      const prototype = Object.getPrototypeOf(value)
      return prototype === Object.prototype || prototype === null
    }
    default:
      return false
  }
}
const uuidText = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** The binary forms COPY sends; which column type takes which is in sql/column-types.ts. */
export type CopyFormat =
  | 'bool'
  | 'int2'
  | 'int4'
  | 'int8'
  | 'float4'
  | 'float8'
  | 'text'
  | 'uuid'
  | 'timestamp'
  | 'date'
  | 'json'
  | 'jsonb'
  | 'bytea'

/**
 * The writer of each binary form, and the JS values each takes: exactly the values the text
 * format would send unchanged in meaning. Anything else (a number for a text column, a uuid
 * without dashes, numeric, time, interval, arrays) makes the whole COPY use the text format,
 * where PostgreSQL parses the value as it would any parameter.
 */
const writers: Readonly<Record<CopyFormat, FieldWriter>> = {
  bool: {
    accepts: (value) => typeof value === 'boolean',
    write: (out, value) => out.boolField(value as boolean),
  },
  int2: integer(16),
  int4: integer(32),
  int8: {
    accepts: (value) =>
      Number.isSafeInteger(value) ||
      (typeof value === 'bigint' && -int64Range <= value && value < int64Range),
    write: (out, value) => out.bigInt64Field(BigInt(value as number | bigint)),
  },
  float4: { accepts: isFloat32, write: (out, value) => out.float32Field(value as number) },
  float8: { accepts: isFloat64, write: (out, value) => out.float64Field(value as number) },
  text,
  uuid: {
    accepts: (value) => typeof value === 'string' && uuidText.test(value),
    write: (out, value) =>
      out.bytesField(Buffer.from((value as string).replaceAll('-', ''), 'hex')),
  },
  // An Invalid Date is accepted here so that writing it throws encodeDate's INVALID_DATE.
  timestamp: { accepts: isDate, write: writeTimestamp },
  date: {
    accepts: (value) => typeof value === 'string' && isoDayTime(value) !== undefined,
    write: (out, value) => out.int32Field((isoDayTime(value as string)! - pgEpochMs) / msPerDay),
  },
  json: { accepts: isJsonValue, write: (out, value) => out.textField(jsonText(value)) },
  // jsonb's binary form is a version byte (1), then the JSON text.
  jsonb: { accepts: isJsonValue, write: (out, value) => out.textField(jsonText(value), 1) },
  bytea: {
    accepts: (value) => value instanceof Uint8Array,
    write: (out, value) => out.bytesField(value as Uint8Array),
  },
}

/** A column as COPY sees it: its type, and whether it holds arrays. */
export interface CopyColumnType {
  readonly type: ColumnType
  readonly array: boolean
}

/**
 * The writers for these columns when every row's every value has a binary form here, else
 * `undefined` (the COPY then goes as text). One pass over the values, done before anything is
 * sent, so a load never switches format halfway.
 */
export function binaryWriters(
  types: readonly CopyColumnType[],
  rows: readonly (readonly unknown[])[],
): readonly FieldWriter[] | undefined {
  const chosen: FieldWriter[] = []
  for (const column of types) {
    const format = copyFormat(column)
    const writer = format && writers[format]
    if (!writer) return undefined
    chosen.push(writer)
  }
  for (const row of rows) {
    for (let c = 0; c < chosen.length; c++) {
      const value = row[c]
      if (value !== null && value !== undefined && !chosen[c]!.accepts(value)) return undefined
    }
  }
  return chosen
}

/**
 * The binary COPY payload in chunks of `chunkRows` rows, each encoded when it is asked for
 * (so the server reads one chunk while the next is encoded); the header rides on the first
 * chunk, the trailer is the last.
 *
 * @example
 * [...copyBinaryChunks(writers, [[1, 'a']], 2000)] // [<PGCOPY… 00 02 00 00 00 04 … 61>, <ff ff>]
 */
export function* copyBinaryChunks(
  writers: readonly FieldWriter[],
  rows: readonly (readonly unknown[])[],
  chunkRows: number,
): Generator<Buffer> {
  const out = new ByteWriter(64 * 1024)
  out.raw(header)
  for (let start = 0; start < rows.length; start += chunkRows) {
    const end = Math.min(rows.length, start + chunkRows)
    for (let r = start; r < end; r++) {
      const row = rows[r]!
      out.int16(writers.length)
      for (let c = 0; c < writers.length; c++) {
        const value = row[c]
        if (value === null || value === undefined) out.null()
        else writers[c]!.write(out, value)
      }
    }
    yield out.take()
  }
  // No rows: the header must still go out, or the server refuses the COPY's signature.
  if (rows.length === 0) yield out.take()
  yield trailer
}
