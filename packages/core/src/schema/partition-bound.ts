import { quoteLiteral } from '../sql/identifier.ts'
import type { Report } from './compile-index.ts'
import { type DefaultTarget, renderLiteral } from './default-sql.ts'
import type { PartitionStrategy } from './partition-options.ts'
import type { TableDraftEntry } from './table-schema.ts'

export type PartitionEntry = Extract<TableDraftEntry, { kind: 'partition' }>
type BoundResult = { readonly ok: true; readonly sql: string } | { readonly ok: false }

const UNBOUNDED = new Set(['MINVALUE', 'MAXVALUE'])
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/
const BOUND_KEYS = ['from', 'to', 'in', 'modulus', 'remainder', 'default'] as const

/**
 * One `t.partition`'s bound as SQL (`FOR VALUES FROM (…) TO (…)`, `IN (…)`, `WITH (…)` or
 * `DEFAULT`), each value a literal of its key column's type (`targets`, null for an
 * expression key) checked and quoted as a default is; or null, the problem reported.
 */
export function partitionBound(
  entry: PartitionEntry,
  strategy: PartitionStrategy,
  targets: readonly (DefaultTarget | null)[],
  key: { readonly columns: readonly string[] },
  report: Report,
): string | null {
  const options = entry.options as Partial<Record<(typeof BOUND_KEYS)[number], unknown>>
  const given = BOUND_KEYS.filter((k) => options[k] !== undefined)
  const name = entry.options.name
  const expected =
    strategy === 'range' ? ['from', 'to'] : strategy === 'list' ? ['in'] : ['modulus', 'remainder']
  const fail = (message: string, hint: string): null => {
    report(entry, `Partition '${name}': ${message}`, hint)
    return null
  }
  const forms: Record<PartitionStrategy, string> = {
    range: "{ from: '2024-01-01', to: '2025-01-01' } or { default: true }",
    list: "{ in: ['eu', 'us'] } or { default: true }",
    hash: '{ modulus: 4, remainder: 0 }',
  }
  if (options.default !== undefined) {
    if (options.default !== true || given.length > 1)
      return fail('default: true stands alone.', `Write { name: '${name}', default: true }.`)
    if (strategy === 'hash')
      return fail('a hash-partitioned table has no default partition.', `Write ${forms.hash}.`)
    return 'DEFAULT'
  }
  if (given.length !== expected.length || !expected.every((k) => given.includes(k as never)))
    return fail(
      `a ${strategy} partition's bound is ${expected.join(' and ')}, not ${given.join(' and ') || 'nothing'}.`,
      `Write ${forms[strategy]}.`,
    )
  const arity = Math.max(1, targets.length)
  if (strategy === 'hash') {
    const { modulus, remainder } = options
    if (!Number.isInteger(modulus) || (modulus as number) < 1)
      return fail('modulus is not a whole number of 1 or more.', 'Write modulus: 4.')
    if (
      !Number.isInteger(remainder) ||
      (remainder as number) < 0 ||
      (remainder as number) >= (modulus as number)
    )
      return fail(
        `remainder is not a whole number from 0 to ${(modulus as number) - 1}.`,
        'Write remainder: 0 for the first of the partitions.',
      )
    return `FOR VALUES WITH (MODULUS ${modulus}, REMAINDER ${remainder})`
  }
  if (strategy === 'list') {
    if (!Array.isArray(options.in) || options.in.length === 0)
      return fail('in is not a list of values.', "Write in: ['eu', 'us'].")
    const values = options.in.map((value) => boundValue(value, targets[0] ?? null, 'list', fail))
    if (values.some((v) => !v.ok)) return null
    return `FOR VALUES IN (${values.map((v) => (v.ok ? v.sql : '')).join(', ')})`
  }
  const ends = (['from', 'to'] as const).map((end) => {
    const raw = options[end]
    const list = Array.isArray(raw) ? raw : [raw]
    if (list.length !== arity) {
      fail(
        `${end} has ${list.length} value${list.length === 1 ? '' : 's'}, the key ${arity} (${key.columns.join(', ') || 'the expression'}).`,
        `Give one value per key column: ${end}: [${key.columns.map(() => '…').join(', ')}].`,
      )
      return null
    }
    const values = list.map((value, i) => boundValue(value, targets[i] ?? null, 'range', fail))
    if (values.some((v) => !v.ok)) return null
    const sql = values.map((v) => (v.ok ? v.sql : ''))
    // PostgreSQL: after MINVALUE (MAXVALUE) every later column is MINVALUE (MAXVALUE) too.
    const firstUnbounded = sql.findIndex((v) => UNBOUNDED.has(v))
    if (firstUnbounded !== -1 && sql.slice(firstUnbounded).some((v) => v !== sql[firstUnbounded]))
      return fail(
        `in ${end}, the values after ${sql[firstUnbounded]} are not all ${sql[firstUnbounded]}.`,
        `Write ${sql[firstUnbounded]} for every key column after the first unbounded one.`,
      )
    return sql.join(', ')
  })
  const [from, to] = ends
  if (from === null || to === null || from === undefined || to === undefined) return null
  return `FOR VALUES FROM (${from}) TO (${to})`
}

/** One value of a bound as SQL: a literal of the key column's type, MINVALUE/MAXVALUE, NULL. */
function boundValue(
  value: unknown,
  target: DefaultTarget | null,
  strategy: 'range' | 'list',
  fail: (message: string, hint: string) => null,
): BoundResult {
  const refused = (message: string, hint: string): BoundResult => {
    fail(message, hint)
    return { ok: false }
  }
  if (value === null) {
    if (strategy === 'list') return { ok: true, sql: 'NULL' }
    return refused(
      'a range bound cannot be NULL.',
      "Use 'MINVALUE' or 'MAXVALUE' for an unbounded end.",
    )
  }
  if (strategy === 'range' && typeof value === 'string' && UNBOUNDED.has(value))
    return { ok: true, sql: value }
  let text: string
  if (typeof value === 'string') text = value
  else if (typeof value === 'bigint' || typeof value === 'boolean') text = String(value)
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value)
  else
    return refused(
      `the bound value ${describe(value)} is not a literal (a string, a number, a bigint or a boolean).`,
      'Write the value itself; a bound never takes SQL.',
    )
  if (target === null) {
    // An expression key: the value's own type, quoted unless it is a number or a boolean.
    if (text.includes('\0'))
      return refused('the bound value contains a NUL character.', 'Remove the NUL character.')
    if (typeof value !== 'string' && (typeof value === 'boolean' || NUMBER.test(text)))
      return { ok: true, sql: text }
    return { ok: true, sql: quoteLiteral(text) }
  }
  const rendered = renderLiteral(text, target)
  if (rendered.ok) return rendered
  const message = rendered.message.replace(/^The default/, 'the bound value')
  // A default's hint may offer sql('…'); a bound takes none.
  const hint = rendered.hint.replace(/,? or use sql\('…'\)/, '')
  return refused(`${message[0]?.toLowerCase() ?? ''}${message.slice(1)}`, hint)
}

function describe(value: unknown): string {
  if (typeof value === 'object') return 'an object'
  return typeof value === 'number' ? String(value) : `of type ${typeof value}`
}
