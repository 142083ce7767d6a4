import { FRAGS, type FragDef } from './fragments.ts'
import { model } from './models.ts'
import type { ColArg, Cond, Frag, FragArg, Order, QueryAst, RefArg } from './query-tree.ts'
import type { TableName } from './schema.ts'
import type { Value } from './value.ts'

// A query tree as builder calls: run on the models (buildQuery), and printed as code (print.ts).

export type Arg =
  | { readonly v: Value | readonly Value[] }
  | { readonly ref: RefArg }
  | { readonly frag: Frag }
  | { readonly query: QueryAst }
  | { readonly fn: readonly Call[] }
  | { readonly model: TableName }
  | { readonly obj: Readonly<Record<string, Arg>> }
export interface Call {
  readonly method: string
  readonly args: readonly Arg[]
}

export function colName(c: ColArg): string {
  return c.kind === 'join' || c.qualified ? `${c.table}.${c.column}` : c.column
}

function colOrRef(c: ColArg | RefArg): Arg {
  return c.kind === 'ref' ? { ref: c } : { v: colName(c) }
}

function condCall(cond: Cond, or: boolean): Call {
  const where = or ? 'orWhere' : 'where'
  const wrapped = (call: Call): Call => (or ? { method: 'orWhere', args: [{ fn: [call] }] } : call)
  switch (cond.kind) {
    case 'cmp':
      return {
        method: where,
        args: cond.twoArgs
          ? [colOrRef(cond.left), { v: cond.value }]
          : [colOrRef(cond.left), { v: cond.op }, { v: cond.value }],
      }
    case 'cmpExpr':
      return {
        method: where,
        args: [{ v: colName(cond.left) }, { v: cond.op }, { frag: cond.right }],
      }
    case 'fragCmp':
      return { method: where, args: [{ frag: cond.left }, { v: cond.op }, { v: cond.value }] }
    case 'list':
      return inCall(cond, { v: cond.values }, or)
    case 'between':
      return {
        method: where,
        args: [
          { v: colName(cond.col) },
          { v: cond.negated ? 'not between' : 'between' },
          { v: [cond.low, cond.high] },
        ],
      }
    case 'null': {
      const operand: Arg =
        cond.operand.kind === 'frag' ? { frag: cond.operand } : { v: colName(cond.operand) }
      if (cond.asValue && cond.operand.kind !== 'frag') {
        return {
          method: where,
          args:
            cond.asValue === '='
              ? [operand, { v: null }]
              : [operand, { v: cond.asValue }, { v: null }],
        }
      }
      return wrapped({ method: cond.negated ? 'whereNotNull' : 'whereNull', args: [operand] })
    }
    case 'column':
      return wrapped({
        method: 'whereColumn',
        args: [{ v: colName(cond.left) }, { v: cond.op }, colOrRef(cond.right)],
      })
    case 'frag':
      return { method: where, args: [{ frag: cond.frag }] }
    case 'group':
      return { method: where, args: [{ fn: cond.clauses.map((c) => condCall(c.cond, c.or)) }] }
    case 'exists':
      return wrapped({
        method: cond.negated ? 'whereNotExists' : 'whereExists',
        args: [{ query: cond.query }],
      })
    case 'inQuery':
      return inCall(cond, { query: cond.query }, or)
  }
}

/** whereIn / whereNotIn (`method`, not in an orWhere) or where(col, 'in' | 'not in', list). */
function inCall(
  cond: { readonly col: ColArg; readonly negated: boolean; readonly method: boolean },
  list: Arg,
  or: boolean,
): Call {
  if (cond.method && !or) {
    return {
      method: cond.negated ? 'whereNotIn' : 'whereIn',
      args: [{ v: colName(cond.col) }, list],
    }
  }
  return {
    method: or ? 'orWhere' : 'where',
    args: [{ v: colName(cond.col) }, { v: cond.negated ? 'not in' : 'in' }, list],
  }
}

function orderArg(by: Order['by']): Arg {
  if (by.kind === 'key') return { v: by.key }
  if (by.kind === 'frag') return { frag: by }
  return { v: colName(by) }
}

/** The builder calls a query is made of, in a fixed order. */
export function calls(q: QueryAst): Call[] {
  const out: Call[] = []
  for (const j of q.joins) {
    out.push({
      method: j.type === 'inner' ? 'join' : 'leftJoin',
      args: [{ model: j.table }, { v: `${j.table}.${j.column}` }, { v: colName(j.other) }],
    })
  }
  if (q.deleted === 'include') out.push({ method: 'withDeleted', args: [] })
  if (q.deleted === 'only') out.push({ method: 'onlyDeleted', args: [] })
  for (const s of q.selects) {
    if (s.kind === 'list')
      out.push({ method: 'select', args: s.cols.map((c) => ({ v: colName(c) })) })
    else if (s.kind === 'object') {
      const obj: Record<string, Arg> = {}
      for (const item of s.items) {
        obj[item.key] = item.expr.kind === 'frag' ? { frag: item.expr } : { v: colName(item.expr) }
      }
      out.push({ method: 'select', args: [{ obj }] })
    } else {
      out.push({
        method: 'selectAggregate',
        args: [{ v: s.fn }, { v: s.col ? colName(s.col) : '*' }, { v: s.alias }],
      })
    }
  }
  if (q.distinct) out.push({ method: 'distinct', args: [] })
  for (const c of q.clauses) out.push(condCall(c.cond, c.or))
  if (q.groupBy.length) {
    out.push({
      method: 'groupBy',
      args: q.groupBy.map((g) => (g.kind === 'frag' ? { frag: g } : { v: colName(g) })),
    })
  }
  for (const h of q.having) {
    if (h.kind === 'frag') out.push({ method: 'having', args: [{ frag: h }] })
    else {
      out.push({
        method: 'having',
        args: [{ v: h.fn }, { v: h.col ? colName(h.col) : '*' }, { v: h.op }, { v: h.value }],
      })
    }
  }
  for (const o of q.orders) {
    const args: Arg[] = [orderArg(o.by)]
    if (!o.bare) args.push({ v: o.dir })
    if (o.nulls) args.push({ v: o.nulls })
    out.push({ method: 'orderBy', args })
  }
  if (q.limit !== null) out.push({ method: 'limit', args: [{ v: q.limit }] })
  if (q.offset !== null) out.push({ method: 'offset', args: [{ v: q.offset }] })
  for (const inc of q.includes) {
    out.push({
      method: 'include',
      args: inc.bare ? [{ v: inc.relation }] : [{ v: inc.relation }, { fn: calls(inc.query) }],
    })
  }
  return out
}

function materialize(arg: Arg): unknown {
  if ('v' in arg) return arg.v
  if ('ref' in arg) return model(arg.ref.table).column(arg.ref.column)
  if ('frag' in arg) return buildFrag(arg.frag)
  if ('query' in arg) return buildQuery(arg.query)
  if ('fn' in arg) return (q: any) => apply(q, arg.fn)
  if ('model' in arg) return model(arg.model)
  return Object.fromEntries(Object.entries(arg.obj).map(([k, a]) => [k, materialize(a)]))
}

function buildFrag(f: Frag): unknown {
  const def: FragDef = FRAGS[f.frag]
  return def.build(...f.args.map(fragArg))
}

function fragArg(a: FragArg): unknown {
  if (a.kind === 'ref') return model(a.table).column(a.column)
  if (a.kind === 'value') return a.value
  return buildQuery(a.query)
}

function apply(builder: any, list: readonly Call[]): any {
  let b = builder
  for (const call of list) b = b[call.method](...call.args.map(materialize))
  return b
}

export function buildQuery(q: QueryAst): any {
  return apply(model(q.table).query(), calls(q))
}
