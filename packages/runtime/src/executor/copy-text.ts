import { arrayParam } from './array-param.ts'
import { encodeDate, numberText } from './encode-params.ts'

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
      return numberText(value)
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
