import { encodeDate, notAValue, numberText, valueProblem } from './encode-params.ts'

const needsEscape = /[\\"]/
const escapeAll = /[\\"]/g

/**
 * A PostgreSQL array literal: one column of many rows, sent as a single text parameter
 * (`unnest($1::INTEGER[], …)` in insertMany), or an array column's value in COPY text.
 * Nested arrays nest. Each element means what it means as a query
 * parameter (encode-params.ts): a Date is ISO 8601 in UTC, a bigint its digits, a
 * Uint8Array bytea, null NULL; strings are quoted and escaped, so any text is data; a
 * function or a symbol is refused (JSON.stringify would give the text 'undefined'). Both
 * backends read the literal with the server's own array parser, so they store alike.
 *
 * @example
 * arrayParam(['a"b', null, 7]) // '{"a\\"b",NULL,7}'
 */
export function arrayParam(values: readonly unknown[]): string {
  let text = '{'
  for (let i = 0; i < values.length; i++) {
    if (i > 0) text += ','
    text += element(values[i])
  }
  return `${text}}`
}

/** Numbers, booleans and dates print no character an array literal quotes or escapes. */
function element(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quote(value)
    case 'number':
      return numberText(value)
    case 'bigint':
      return String(value)
    case 'boolean':
      return value ? 't' : 'f'
  }
  if (value === null || value === undefined) return 'NULL'
  if (value instanceof Date) return encodeDate(value)
  if (Array.isArray(value)) return arrayParam(value)
  if (value instanceof Uint8Array) return quote(`\\x${Buffer.from(value).toString('hex')}`)
  const problem = valueProblem(value)
  if (problem) throw notAValue(`an array element is ${problem}`)
  // An object JSON.stringify gives nothing for (its toJSON returns undefined) is NULL, as pg
  // binds it as a parameter; never the text 'undefined'.
  const json = JSON.stringify(value)
  return json === undefined ? 'NULL' : quote(json)
}

function quote(text: string): string {
  return `"${needsEscape.test(text) ? text.replace(escapeAll, '\\$&') : text}"`
}
