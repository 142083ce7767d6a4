import { quoteIdent } from '../sql/identifier.ts'
import type { Table } from './adopt-table.ts'
import type { IndexKeyRow, IndexRow } from './catalog-queries.ts'
import type { ColumnBuilder } from './column-builder.ts'
import type { OptionValue } from './pulled-schema.ts'
import { stripSchema } from './unexpressed-sql.ts'

/**
 * The `t.addIndexes` entry of an index (keys as columns, or `{ column | expression, opclass,
 * order, nulls }`; INCLUDE; storage parameters; method; predicate), or why the DSL cannot
 * write it. The entry is checked by rebuilding the definition PostgreSQL prints for it: what
 * the parts do not account for (a collation, an option of its own) leaves it to SQL.
 */
export function indexEntry(
  table: Table,
  index: IndexRow,
  schema: string,
  builders: ReadonlyMap<string, ColumnBuilder>,
): { readonly entry: Record<string, OptionValue> } | { readonly reason: string } {
  const name = table.row.name
  const inSql = (column: string) => !builders.has(column)
  const columns = index.keys.filter((k) => !k.expression).map((k) => unquote(k.text))
  if ([...columns, ...index.include].some(inSql))
    return { reason: 'it is over a column written in SQL' }
  // An expression may use any column: with one written in SQL, the index is SQL too.
  if (index.has_expressions && table.columns.some((c) => inSql(c.name)))
    return { reason: 'it is an expression index of a table with a column written in SQL' }
  const definition = stripSchema(index.definition, schema)
  const storage = (index.reloptions ?? []).map((option) => option.split('='))
  const expected = [
    `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(index.name)} ON ${quoteIdent(name)} USING ${index.method}`,
    `(${index.keys.map(keySql).join(', ')})`,
    index.include.length === 0 ? null : `INCLUDE (${index.include.map(quoteIdent).join(', ')})`,
    storage.length === 0 ? null : `WITH (${storage.map(([k, v]) => `${k}='${v}'`).join(', ')})`,
    index.predicate === null ? null : `WHERE ${index.predicate}`,
  ]
    .filter((part) => part !== null)
    .join(' ')
  if (definition !== expected) return { reason: `the DSL cannot write ${definition}` }

  const plain = index.keys.every(
    (k) => !k.expression && k.opclass === null && !k.desc && !nullsGiven(k),
  )
  const entry: Record<string, OptionValue> = {}
  if (index.has_expressions || index.name !== `idx_${name}_${columns.join('_')}`)
    entry.name = index.name
  entry.columns = plain ? columns : index.keys.map(keyOption)
  if (index.include.length > 0) entry.include = [...index.include]
  if (storage.length > 0)
    entry.with = Object.fromEntries(
      storage.map(([k, v]) => [k ?? '', /^-?\d+(\.\d+)?$/.test(v ?? '') ? Number(v) : (v ?? '')]),
    )
  if (index.unique) entry.unique = true
  if (index.predicate !== null) entry.where = unwrap(index.predicate)
  if (index.method !== 'btree') entry.method = index.method
  return { entry }
}

/** A key as PostgreSQL prints it in the index's definition. */
function keySql(key: IndexKeyRow): string {
  return [
    key.text,
    key.opclass,
    key.desc ? 'DESC' : null,
    nullsGiven(key) ? `NULLS ${key.nulls_first ? 'FIRST' : 'LAST'}` : null,
  ]
    .filter((part) => part !== null)
    .join(' ')
}

function keyOption(key: IndexKeyRow): OptionValue {
  const option: Record<string, OptionValue> = key.expression
    ? { expression: unwrap(key.text) }
    : { column: unquote(key.text) }
  if (key.opclass !== null) option.opclass = key.opclass
  if (key.desc) option.order = 'desc'
  if (nullsGiven(key)) option.nulls = key.nulls_first ? 'first' : 'last'
  return option
}

/** NULLS FIRST is the default descending, NULLS LAST ascending: only the other is written. */
function nullsGiven(key: IndexKeyRow): boolean {
  return key.nulls_first !== key.desc
}

function unquote(text: string): string {
  return text.startsWith('"') ? text.slice(1, -1).replaceAll('""', '"') : text
}

/** Removes one pair of parentheses around the whole text, when they enclose all of it. */
export function unwrap(text: string): string {
  let current = text.trim()
  for (let pass = 0; pass < 2; pass++) {
    if (!current.startsWith('(') || !current.endsWith(')')) break
    let depth = 0
    let closesEarly = false
    for (let i = 0; i < current.length - 1; i++) {
      if (current[i] === '(') depth++
      else if (current[i] === ')') depth--
      if (depth === 0) {
        closesEarly = true
        break
      }
    }
    if (closesEarly) break
    current = current.slice(1, -1).trim()
  }
  return current
}
