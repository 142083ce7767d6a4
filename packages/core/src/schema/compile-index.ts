import { quoteLiteral } from '../sql/identifier.ts'
import { checkedText, expressionText } from './expression-text.ts'
import type { IndexIR, IndexKeyIR } from './schema-ir.ts'
import type { DraftOrigin, IndexKey, IndexOptions } from './table-schema.ts'

/** Reports a problem with the builder call `origin` recorded. */
export type Report = (origin: DraftOrigin, message: string, hint: string, column?: string) => void
export type CheckColumns = (origin: DraftOrigin, columns: readonly string[], what: string) => void

const NAME = /^[a-z_][a-z0-9_]*$/
const OPCLASS = /^(?:[A-Za-z_][A-Za-z0-9_]*\.)?[A-Za-z_][A-Za-z0-9_]*$/
const KEY_OPTIONS = ['column', 'expression', 'opclass', 'order', 'nulls']

/**
 * One `t.addIndexes` entry: its keys (columns, or expressions with an operator class and an
 * order), INCLUDE columns, storage parameters, method and predicate. Only what is set beyond
 * plain columns is in the IR (`keys`, `include`, `with`), so an index without them is the
 * object it was before they existed.
 */
export function compileIndex(
  table: string,
  options: IndexOptions,
  origin: DraftOrigin,
  checkColumns: CheckColumns,
  report: Report,
): IndexIR {
  const what = `index${options.name === undefined ? '' : ` '${options.name}'`}`
  const given = Array.isArray(options.columns) ? options.columns : []
  if (given.length === 0) checkColumns(origin, [], what)
  const keys = given.map((key) => compileKey(key, what, origin, report))
  const columns = keys.flatMap((key) => (key.column === undefined ? [] : [key.column]))
  if (columns.length > 0) checkColumns(origin, columns, what)
  const include = Array.isArray(options.include) ? [...options.include] : []
  if (include.length > 0) checkColumns(origin, include, `${what} (include)`)
  const method = options.method?.toLowerCase() ?? null
  if (method !== null && !NAME.test(method)) {
    report(
      origin,
      `Index method '${options.method}' is not an access-method name.`,
      'Use btree, hash, gin, gist, spgist or brin.',
    )
  }
  const expression = keys.some((key) => key.expression !== undefined)
  if (expression && options.name === undefined)
    report(
      origin,
      'An index over an expression needs a name.',
      "Give it one: { name: 'idx_users_lower_email', columns: [{ expression: 'lower(email)' }] }.",
    )
  const plain = keys.every((key) => Object.keys(key).length === 1 && key.column !== undefined)
  const storage = storageParameters(options.with, origin, report)
  return {
    kind: 'index',
    name: options.name ?? `idx_${table}_${columns.join('_')}`,
    columns,
    ...(plain ? {} : { keys }),
    ...(include.length === 0 ? {} : { include }),
    ...(storage === null ? {} : { with: storage }),
    unique: options.unique === true,
    where: predicate(options.where, what, origin, report),
    method,
    source: origin.source,
  }
}

/** A partial index's WHERE as SQL text, or null; text that could end the clause is refused. */
function predicate(
  value: unknown,
  what: string,
  origin: DraftOrigin,
  report: Report,
): string | null {
  if (value === undefined || value === null) return null
  if (typeof value === 'string' && value.trim() === '') return null
  const hint = "Write the condition as SQL text: where: 'deleted_at IS NULL'."
  return checkedText(value, `where of the ${what}`, hint, (message, fix) =>
    report(origin, message, fix),
  )
}

function compileKey(
  key: string | IndexKey,
  what: string,
  origin: DraftOrigin,
  report: Report,
): IndexKeyIR {
  if (typeof key === 'string') return { column: key }
  if (typeof key !== 'object' || key === null) {
    report(origin, `A key of the ${what} is not a column name or an object.`, KEY_HINT)
    return { column: String(key) }
  }
  for (const option of Object.keys(key)) {
    if (!KEY_OPTIONS.includes(option))
      report(
        origin,
        `Unknown option '${option}' on a key of the ${what}.`,
        `Options: ${KEY_OPTIONS.join(', ')}.`,
      )
  }
  const hasColumn = typeof key.column === 'string'
  if (hasColumn === (key.expression !== undefined))
    report(origin, `A key of the ${what} needs a column or an expression (one of them).`, KEY_HINT)
  let expression: string | undefined
  if (key.expression !== undefined) {
    const text = expressionText(key.expression, `expression of the ${what}`)
    if (text.ok) expression = text.sql
    else report(origin, text.message, text.hint)
  }
  if (key.opclass !== undefined && !(typeof key.opclass === 'string' && OPCLASS.test(key.opclass)))
    report(
      origin,
      `Operator class ${JSON.stringify(key.opclass)} of the ${what} is not an operator-class name.`,
      "Write its name: 'text_pattern_ops', 'gin_trgm_ops'.",
    )
  if (key.order !== undefined && key.order !== 'asc' && key.order !== 'desc')
    report(origin, `order '${String(key.order)}' of the ${what} is not 'asc' or 'desc'.`, KEY_HINT)
  if (key.nulls !== undefined && key.nulls !== 'first' && key.nulls !== 'last')
    report(
      origin,
      `nulls '${String(key.nulls)}' of the ${what} is not 'first' or 'last'.`,
      KEY_HINT,
    )
  return {
    ...(hasColumn ? { column: key.column as string } : {}),
    ...(expression === undefined ? {} : { expression }),
    ...(typeof key.opclass === 'string' && OPCLASS.test(key.opclass)
      ? { opclass: key.opclass }
      : {}),
    ...(key.order === 'desc' ? { order: 'desc' as const } : {}),
    ...(key.nulls === 'first' || key.nulls === 'last' ? { nulls: key.nulls } : {}),
  }
}

const KEY_HINT =
  "Write a key as 'column' or { column: 'name', opclass?, order?: 'desc', nulls?: 'last' }, or { expression: 'lower(name)' }."

/** `{ fillfactor: 70 }` → `{ fillfactor: '70' }`: names checked, values rendered as SQL. */
function storageParameters(
  given: IndexOptions['with'],
  origin: DraftOrigin,
  report: Report,
): Record<string, string> | null {
  if (given === undefined) return null
  const rendered: Record<string, string> = {}
  for (const [name, value] of Object.entries(given)) {
    if (!NAME.test(name)) {
      report(origin, `Storage parameter '${name}' is not a parameter name.`, STORAGE_HINT)
      continue
    }
    if (typeof value === 'number' && Number.isFinite(value)) rendered[name] = String(value)
    else if (typeof value === 'boolean') rendered[name] = String(value)
    else if (typeof value === 'string' && !value.includes('\0'))
      rendered[name] = quoteLiteral(value)
    else report(origin, `Storage parameter '${name}' has a value of no SQL form.`, STORAGE_HINT)
  }
  return Object.keys(rendered).length === 0 ? null : rendered
}

const STORAGE_HINT = 'Write parameters as WITH takes them: { fillfactor: 70, fastupdate: false }.'
