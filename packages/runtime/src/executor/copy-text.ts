import { quoteIdent } from '../query/sql-ident.ts'
import { arrayParam } from './array-param.ts'
import { binaryWriters, copyBinaryChunks } from './copy-binary.ts'
import type { CopyTarget } from './driver.ts'
import { encodeDate } from './encode-params.ts'

/**
 * Rows per CopyData message: about 100 KiB of typical rows, well under the 1 GB cap, and
 * small enough that PostgreSQL reads one chunk while the next is being encoded.
 */
const chunkRows = 2_000

/** A COPY ready to send: its statement and its data, encoded a chunk at a time as it is read. */
export interface CopyPayload {
  readonly sql: string
  readonly chunks: IterableIterator<Buffer>
}

/**
 * The statement and data for loading `rows` into `target` from `source` (`STDIN`, or PGlite's
 * `'/dev/blob'`): binary format when the target says its column types and every value has a
 * binary form (copy-binary.ts), else text, which takes any value a query parameter takes.
 *
 * @example
 * copyPayload({ table: 'events', columns: ['name'], types: [{ type: 'text', array: false }] }, rows, 'STDIN').sql
 * // COPY "events" ("name") FROM STDIN (FORMAT binary)
 */
export function copyPayload(
  target: CopyTarget,
  rows: readonly (readonly unknown[])[],
  source: string,
): CopyPayload {
  const writers = target.types && binaryWriters(target.types, rows)
  const statement = `COPY ${quoteIdent(target.table)} (${target.columns.map(quoteIdent).join(', ')}) FROM ${source}`
  if (writers) {
    return {
      sql: `${statement} (FORMAT binary)`,
      chunks: copyBinaryChunks(writers, rows, chunkRows),
    }
  }
  return { sql: statement, chunks: copyTextChunks(rows) }
}

function* copyTextChunks(rows: readonly (readonly unknown[])[]): Generator<Buffer> {
  for (let start = 0; start < rows.length; start += chunkRows) {
    yield Buffer.from(copyText(rows.slice(start, start + chunkRows)), 'utf8')
  }
}

/**
 * Encodes rows in COPY's text format: one line per row, fields separated by tabs, `\N` for
 * NULL, and backslash, tab, newline and carriage return escaped. Values mean what they mean
 * as query parameters (encode-params.ts): a Date is ISO 8601 in UTC, a bigint its digits, a
 * Uint8Array bytea, an array a PostgreSQL array, a plain object JSON.
 *
 * @example
 * copyText([[1, 'a\tb', null]]) // '1\ta\\tb\t\\N\n'
 */
export function copyText(rows: readonly (readonly unknown[])[]): string {
  let text = ''
  for (const row of rows) {
    for (let c = 0; c < row.length; c++) {
      if (c > 0) text += '\t'
      text += copyField(row[c])
    }
    text += '\n'
  }
  return text
}

const special = /[\\\t\n\r]/
const specialAll = /[\\\t\n\r]/g
const escapes: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
}

/** Numbers, booleans and dates print no character COPY escapes, so only text is scanned. */
function copyField(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return escapeCopy(value)
    case 'number':
    case 'bigint':
      return String(value)
    case 'boolean':
      return value ? 't' : 'f'
  }
  if (value === null || value === undefined) return '\\N'
  if (value instanceof Date) return encodeDate(value)
  // bytea's `\x…` with its backslash escaped for COPY.
  if (value instanceof Uint8Array) return `\\\\x${Buffer.from(value).toString('hex')}`
  return escapeCopy(Array.isArray(value) ? arrayParam(value) : JSON.stringify(value))
}

function escapeCopy(text: string): string {
  return special.test(text) ? text.replace(specialAll, (char) => escapes[char]!) : text
}
