import pg from 'pg'
import { checkParameterCount } from './encode-params.ts'
import { type ValueParser, valueParsers } from './value-parsers.ts'

/**
 * The frontend messages of PostgreSQL's extended query protocol that wire-connection.ts
 * sends, and the backend messages it reads, as byte layouts (protocol 3.0, "Message
 * Formats" in the PostgreSQL manual). Parameters go as text (or binary for a Buffer, as pg
 * sends them), results come back as text and decode through `valueParsers`, exactly as on
 * every other path.
 */

/** How pg turns a parameter into wire text or bytes (bigint, arrays, json, Uint8Array). */
const prepareValue = (pg as unknown as { utils: { prepareValue(value: unknown): unknown } }).utils
  .prepareValue

/** Execute the unnamed portal for all its rows, then Sync: the tail of every run. */
const executeSync = Buffer.from([0x45, 0, 0, 0, 9, 0, 0, 0, 0, 0, /* Sync */ 0x53, 0, 0, 0, 4])

/** Describe the unnamed portal: its RowDescription (or NoData) comes before its rows. */
const describePortal = Buffer.from([0x44, 0, 0, 0, 6, 0x50, 0])

/** A frontend message being written into one buffer. */
class Writer {
  offset = 0
  constructor(readonly buffer: Buffer) {}

  byte(value: number): void {
    this.buffer[this.offset++] = value
  }
  int16(value: number): void {
    this.buffer.writeInt16BE(value, this.offset)
    this.offset += 2
  }
  /** The protocol's Int16 counts, read by the server as unsigned: up to 65,535 parameters. */
  uint16(value: number): void {
    this.buffer.writeUInt16BE(value, this.offset)
    this.offset += 2
  }
  int32(value: number): void {
    this.buffer.writeInt32BE(value, this.offset)
    this.offset += 4
  }
  cstring(text: string): void {
    this.offset += this.buffer.write(text, this.offset)
    this.buffer[this.offset++] = 0
  }
  bytes(bytes: Buffer): void {
    bytes.copy(this.buffer, this.offset)
    this.offset += bytes.length
  }
}

/** What one run of a statement writes: which of the optional messages go before its Bind. */
export interface RunMessages {
  /** Statements to Close first (evicted from the cache, or gone stale). */
  readonly close: readonly string[]
  /** Parse the text under this name ('' unnamed); undefined: already prepared. */
  readonly parse: string | undefined
  readonly text: string
  /** The statement bound: the parsed name, '' for the unnamed one. */
  readonly statement: string
  /** Ask for the RowDescription (the statement's shape is not known yet). */
  readonly describe: boolean
}

/** Parameters in pg's wire form, with what their Bind needs to be sized. */
export interface WireValues {
  readonly values: readonly (string | Buffer | null)[]
  readonly binary: boolean
  readonly valueBytes: number
}

/**
 * `values` in pg's wire form (encodeParams has made them mean the same on both backends).
 * Throws for a value pg cannot prepare (a circular `toPostgres`), before anything is decided
 * or written.
 */
export function wireValues(values: readonly unknown[] | undefined): WireValues {
  const count = values?.length ?? 0
  checkParameterCount(count)
  const wire: (string | Buffer | null)[] = new Array(count)
  let binary = false
  let valueBytes = 0
  for (let i = 0; i < count; i++) {
    // undefined where JSON.stringify gives nothing (an object whose toJSON returns undefined,
    // also as what a toPostgres returns): NULL, as pg's own Bind writes it.
    const value = (prepareValue(values![i]) ?? null) as string | Buffer | null
    wire[i] = value
    if (value === null) valueBytes += 4
    else if (typeof value === 'string') valueBytes += 4 + Buffer.byteLength(value)
    else {
      binary = true
      valueBytes += 4 + value.length
    }
  }
  return { values: wire, binary, valueBytes }
}

/**
 * Close*, Parse?, Bind, Describe?, Execute, Sync for one run, in one buffer: the server
 * answers them in order and ends with one ReadyForQuery.
 */
export function runMessages(run: RunMessages, wire: WireValues): Buffer {
  const count = wire.values.length
  const { binary, valueBytes } = wire
  let size = 0
  for (const name of run.close) size += 7 + Buffer.byteLength(name)
  if (run.parse !== undefined) {
    size += 9 + Buffer.byteLength(run.parse) + Buffer.byteLength(run.text)
  }
  const statementBytes = Buffer.byteLength(run.statement)
  const bindLength = 4 + 1 + statementBytes + 1 + 2 + (binary ? 2 * count : 0) + 2 + valueBytes + 2
  size += 1 + bindLength + (run.describe ? describePortal.length : 0) + executeSync.length
  const out = new Writer(Buffer.allocUnsafe(size))
  for (const name of run.close) {
    out.byte(0x43)
    out.int32(6 + Buffer.byteLength(name))
    out.byte(0x53)
    out.cstring(name)
  }
  if (run.parse !== undefined) {
    out.byte(0x50)
    out.int32(8 + Buffer.byteLength(run.parse) + Buffer.byteLength(run.text))
    out.cstring(run.parse)
    out.cstring(run.text)
    out.int16(0)
  }
  out.byte(0x42)
  out.int32(bindLength)
  out.byte(0)
  out.cstring(run.statement)
  // No format codes: every parameter is text; with a Buffer among them, one code each.
  out.uint16(binary ? count : 0)
  if (binary) for (const value of wire.values) out.int16(value instanceof Buffer ? 1 : 0)
  out.uint16(count)
  for (const value of wire.values) {
    if (value === null) out.int32(-1)
    else if (typeof value === 'string') {
      const start = out.offset
      out.offset += 4
      const length = out.buffer.write(value, out.offset)
      out.buffer.writeInt32BE(length, start)
      out.offset += length
    } else {
      out.int32(value.length)
      out.bytes(value)
    }
  }
  out.int16(0)
  if (run.describe) out.bytes(describePortal)
  out.bytes(executeSync)
  return out.buffer
}

/** A simple Query: statements without parameters, several allowed, each answered in turn. */
export function simpleQuery(text: string): Buffer {
  const out = new Writer(Buffer.allocUnsafe(6 + Buffer.byteLength(text)))
  out.byte(0x51)
  out.int32(5 + Buffer.byteLength(text))
  out.cstring(text)
  return out.buffer
}

/** The columns of a statement's rows: decoded by the same parsers as every other path. */
export interface RowShape {
  readonly names: readonly string[]
  readonly parsers: readonly (ValueParser | undefined)[]
  /** Every column set to null, in order: each row is a copy, so rows share one hidden class. */
  readonly empty: Readonly<Record<string, unknown>>
}

export const noRows: RowShape = Object.freeze({ names: [], parsers: [], empty: {} })

/** A RowDescription (`T`) between `start` (after the length) and its end. */
export function readRowShape(buffer: Buffer, start: number): RowShape {
  const count = buffer.readInt16BE(start)
  const names: string[] = new Array(count)
  const parsers: (ValueParser | undefined)[] = new Array(count)
  const empty: Record<string, unknown> = {}
  let offset = start + 2
  for (let i = 0; i < count; i++) {
    const end = buffer.indexOf(0, offset)
    const name = buffer.toString('utf8', offset, end)
    offset = end + 1
    // table OID (4), column number (2), then the type OID.
    const oid = buffer.readUInt32BE(offset + 6)
    offset += 18
    names[i] = name
    parsers[i] = valueParsers[oid]
    // A column named __proto__ is an own property, never the row's prototype.
    Object.defineProperty(empty, name, {
      value: null,
      writable: true,
      enumerable: true,
      configurable: true,
    })
  }
  return { names, parsers, empty }
}

/** A DataRow (`D`) as an object of the shape's columns, each decoded from its text. */
export function readRow(buffer: Buffer, start: number, shape: RowShape): Record<string, unknown> {
  const row: Record<string, unknown> = { ...shape.empty }
  const { names, parsers } = shape
  const count = buffer.readInt16BE(start)
  let offset = start + 2
  for (let i = 0; i < count; i++) {
    const length = buffer.readInt32BE(offset)
    offset += 4
    if (length === -1) {
      // Null, also over an earlier column of the same name (pg's rows do the same).
      row[names[i]!] = null
      continue
    }
    const text = buffer.toString('utf8', offset, offset + length)
    offset += length
    const parser = parsers[i]
    row[names[i]!] = parser === undefined ? text : parser(text)
  }
  return row
}

/** The row count a CommandComplete tag (`SELECT 3`, `INSERT 0 2`, `UPDATE 1`) ends with; 0 for others. */
export function readRowCount(buffer: Buffer, start: number, end: number): number {
  // The tag is a C string: its last byte is the terminator.
  let count = 0
  let scale = 1
  for (let i = end - 2; i >= start; i--) {
    const digit = buffer[i]! - 48
    if (digit < 0 || digit > 9) return buffer[i] === 32 && scale > 1 ? count : 0
    count += digit * scale
    scale *= 10
  }
  return 0
}

/** pg-protocol's field letters of an ErrorResponse, as the DatabaseError properties it sets. */
const errorFields: Readonly<Record<string, string>> = {
  S: 'severity',
  C: 'code',
  D: 'detail',
  H: 'hint',
  P: 'position',
  p: 'internalPosition',
  q: 'internalQuery',
  W: 'where',
  s: 'schema',
  t: 'table',
  c: 'column',
  d: 'dataType',
  n: 'constraint',
  F: 'file',
  L: 'line',
  R: 'routine',
}

/**
 * An ErrorResponse (`E`) as the pg.DatabaseError pg-protocol makes of it, field for field,
 * so error classification (to-fluent-error.ts) and redaction read it as they read pg's;
 * `fatal`: the server ends the connection after it.
 */
export function readError(
  buffer: Buffer,
  start: number,
  end: number,
): { error: pg.DatabaseError; fatal: boolean } {
  const fields: Record<string, string> = {}
  let offset = start
  while (offset < end && buffer[offset] !== 0) {
    const type = String.fromCharCode(buffer[offset]!)
    const stop = buffer.indexOf(0, offset + 1)
    fields[type] = buffer.toString('utf8', offset + 1, stop)
    offset = stop + 1
  }
  const error = new pg.DatabaseError(fields.M ?? 'unknown error', end - start + 4, 'error')
  const target = error as unknown as Record<string, string | undefined>
  for (const [letter, property] of Object.entries(errorFields)) target[property] = fields[letter]
  // V: the severity never translated (lc_messages), where S may be.
  const severity = fields.V ?? fields.S
  return { error, fatal: severity === 'FATAL' || severity === 'PANIC' }
}
