import { jsonDecoder } from '../sql/column-types.ts'
import { typeOf } from '../sql/compiler.ts'
import { returnsMany } from '../sql/include-sql.ts'
import type { Include, QueryNode } from '../sql/query-node.ts'
import { selectedItems } from '../sql/select-parts.ts'

type Row = Record<string, unknown>
type Decode = (value: unknown) => unknown

/**
 * Included relations arrive as JSON, where a timestamp is a string, a NaN or ±Infinity float
 * a string too, and int8, numeric and bytea were sent as text (sql/column-types.ts). These
 * decoders give included rows the same JS values the driver gives top-level rows: Date (or
 * ±Infinity), number, bigint, string, Uint8Array.
 */
const cache = new WeakMap<QueryNode, (row: unknown) => Row>()

/**
 * Decodes the included relations of a fetched row, in place of their JSON. The row is the
 * driver's fresh object, owned by this fetch alone, so it is updated rather than copied.
 */
export function decodeIncludes(query: QueryNode, row: Row): Row {
  for (const include of query.includes) {
    const name = include.relation.name
    row[name] = decodeRelation(include, row[name])
  }
  return row
}

/** A many relation is an array of rows; a single row is one row (an array or an object). */
function decodeRelation(include: Include, value: unknown): unknown {
  if (value === null || value === undefined) return null
  const decodeRow = jsonRowDecoder(include.query)
  return returnsMany(include) ? (value as unknown[]).map(decodeRow) : decodeRow(value)
}

/**
 * Decodes one included row: a JSON array of its values — the select list's, then the
 * includes', the order `jsonValues` renders them in (sql/select-compiler.ts) — or, from a
 * derived table, an object keyed by the same names.
 */
function jsonRowDecoder(query: QueryNode): (row: unknown) => Row {
  let decode = cache.get(query)
  if (decode) return decode
  const names: string[] = []
  const decoders: Decode[] = []
  for (const item of selectedItems(query)) {
    names.push(item.key)
    decoders.push(jsonDecoder(typeOf(item.expr)))
  }
  for (const include of query.includes) {
    names.push(include.relation.name)
    decoders.push((value) => decodeRelation(include, value))
  }
  // No key is __proto__ (refused as a column name and as a row key), so keys are assigned.
  decode = (raw) => {
    const values = Array.isArray(raw) ? raw : names.map((name) => (raw as Row)[name])
    const row: Row = {}
    for (let i = 0; i < names.length; i++) row[names[i]!] = decoders[i]!(values[i])
    return row
  }
  cache.set(query, decode)
  return decode
}
