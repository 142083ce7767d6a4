import { aggType, colSpecOf, type IncludeSpec, type QueryAst, type ValType } from './query-tree.ts'
import { RELATIONS, TABLES } from './schema.ts'
import { canon, type Row } from './value.ts'

// Both sides' rows made comparable: the hand SQL's includes come back as JSON (int8 and numeric
// as text, timestamptz as an ISO string), decoded to the values fluentorm gives; the rows of
// unordered includes are sorted.

function itemTypes(q: QueryAst): Map<string, ValType> {
  const types = new Map<string, ValType>()
  if (!q.selects.length) for (const c of TABLES[q.table].columns) types.set(c.name, c.type)
  for (const s of q.selects) {
    if (s.kind === 'list') for (const c of s.cols) types.set(c.column, colSpecOf(c).type)
    else if (s.kind === 'object') {
      for (const i of s.items)
        types.set(i.key, i.expr.kind === 'frag' ? 'raw' : colSpecOf(i.expr).type)
    } else types.set(s.alias, aggType(s.fn, s.col))
  }
  return types
}

function decodeJsonValue(value: unknown, type: ValType): unknown {
  if (value === null || value === undefined) return null
  if (type === 'bigint') return BigInt(value as string)
  if (type === 'ts') return new Date(value as string)
  return value
}

function decodeJsonRow(raw: Row, q: QueryAst): Row {
  const row: Row = {}
  for (const [key, type] of itemTypes(q)) row[key] = decodeJsonValue(raw[key], type)
  for (const inc of q.includes) row[inc.relation] = decodeInclude(raw[inc.relation], inc, q)
  return row
}

function decodeInclude(value: unknown, inc: IncludeSpec, parent: QueryAst): unknown {
  const parsed = typeof value === 'string' ? JSON.parse(value) : value
  if (parsed === null || parsed === undefined) return null
  const relation = RELATIONS[parent.table].find((r) => r.name === inc.relation)!
  if (relation.kind === 'hasMany' || relation.kind === 'manyToMany') {
    return (parsed as Row[]).map((r) => decodeJsonRow(r, inc.query))
  }
  return decodeJsonRow(parsed as Row, inc.query)
}

export function decodeTop(rows: Row[], q: QueryAst): Row[] {
  return rows.map((r) => {
    const row = { ...r }
    for (const inc of q.includes) row[inc.relation] = decodeInclude(r[inc.relation], inc, q)
    return row
  })
}

/** Sorts the rows of includes without an order, so both sides compare as multisets. */
export function normalize(rows: unknown, q: QueryAst, ordered: boolean): unknown {
  if (!Array.isArray(rows))
    return rows === null || rows === undefined ? rows : normalizeRow(rows as Row, q)
  const out = rows.map((r) => (r === null || typeof r !== 'object' ? r : normalizeRow(r as Row, q)))
  return ordered
    ? out
    : out.sort((a, b) => (canon(a) < canon(b) ? -1 : canon(a) > canon(b) ? 1 : 0))
}

function normalizeRow(row: Row, q: QueryAst): Row {
  if (!q.includes.length) return row
  const out = { ...row }
  for (const inc of q.includes) {
    out[inc.relation] = normalize(row[inc.relation], inc.query, inc.query.orders.length > 0)
  }
  return out
}
