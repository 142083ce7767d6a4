import { anyRedacted, errorDetail, hasRedacted } from './error-detail.ts'

/**
 * A key PostgreSQL reports in an error's detail: `Key (email)=(a@b.c) already exists.`,
 * `Key (user_id)=(99) is not present in table "users".`, `… is still referenced from table
 * "posts".`, `… conflicts with existing key (…)=(…).` The column list is matched up to the
 * first `)=(`, so it never takes in a value; the tail is anchored at the end, so a value
 * cannot pose as one.
 */
const keyDetail =
  /^Key \((.*?)\)=\((.*)\) (already exists|is not present in table "(?:[^"]|"")*"|is still referenced from table "(?:[^"]|"")*"|conflicts with existing key \(.*\)=\(.*\))\.$/s

export interface ServerKey {
  /** `email`, `tenant_id, email`, as PostgreSQL prints them. */
  readonly columns: string
  /** `(email)=(a@b.c) already exists`, or `(email) already exists` when values are withheld. */
  readonly text: string
  /** The detail to expose: the same, as a sentence. */
  readonly detail: string
}

/**
 * The key of a constraint violation's detail, told with its values only when `errorDetail`
 * is `'full'` and none of its columns is redacted in `tables` (the failing table, and for a
 * foreign key the other table the detail names).
 */
export function serverKey(detail: string | undefined, table: string | undefined): ServerKey | null {
  const match = detail === undefined ? null : keyDetail.exec(detail)
  if (!match) return null
  const [, columns, values, tail] = match as unknown as [string, string, string, string]
  const other = /table "((?:[^"]|"")*)"$/.exec(tail)?.[1]?.replaceAll('""', '"')
  const names = columns.split(', ').map((name) => name.replace(/^"|"$/g, '').replaceAll('""', '"'))
  const full = errorDetail() === 'full' && !anyRedacted([table, other], names)
  const conflict = tail.startsWith('conflicts with')
  const rest = full ? tail : conflict ? 'conflicts with an existing key' : tail
  const text = `(${columns})${full ? `=(${values})` : ''} ${rest}`
  return { columns, text, detail: `Key ${text}.` }
}

/**
 * The detail an error exposes: a key without its values (with them under `'full'`), never
 * `Failing row contains (…)` nor any other server detail, which can quote row values; under
 * `'full'` every detail but a row of a table with redacted columns.
 */
export function publicDetail(detail: string | undefined, table: string | undefined) {
  if (detail === undefined) return undefined
  const key = serverKey(detail, table)
  if (key) return key.detail
  if (errorDetail() !== 'full') return undefined
  if (detail.startsWith('Failing row contains') && hasRedacted(table)) return undefined
  return detail
}

/**
 * PostgreSQL's message, without the value it quotes for invalid input (SQLSTATE class 22:
 * `invalid input syntax for type integer: "abc"` → `invalid input syntax for type integer`,
 * `value "99999999999" is out of range for type integer` → `value is out of range …`) unless
 * `errorDetail` is `'full'`.
 */
export function publicMessage(code: string, message: string): string {
  if (errorDetail() === 'full' || !code.startsWith('22')) return message
  return message
    .replace(/: ".*"$/s, '')
    .replace(/^value ".*" is out of range/s, 'value is out of range')
}
