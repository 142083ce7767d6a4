import type { Case, Cond, QueryAst } from './query-tree.ts'

/** Tags for the shapes a case has: in its test name, and counted by QUERY_PROPERTIES_STATS=1. */
export function shapes(c: Case): Set<string> {
  const tags = new Set<string>()
  const walkCond = (cond: Cond, q: QueryAst, depth: number) => {
    tags.add(`cond:${cond.kind}`)
    if (cond.kind === 'group') {
      if (cond.clauses.some((x, i) => i > 0 && x.or)) tags.add('orGroup')
      for (const x of cond.clauses) walkCond(x.cond, q, depth)
    }
    if (cond.kind === 'list' && !cond.values.length) tags.add('emptyList')
    if (cond.kind === 'exists' || cond.kind === 'inQuery') {
      tags.add(`subquery@include${depth}`)
      if (cond.query.table === q.table) tags.add('sameTableSubquery')
      walk(cond.query, depth, true)
    }
    if (cond.kind === 'frag' || cond.kind === 'fragCmp' || cond.kind === 'cmpExpr')
      tags.add('sqlFragment')
  }
  const walk = (q: QueryAst, depth: number, sub: boolean) => {
    if (!sub && depth > 0) tags.add(`include@${depth}`)
    if (q.joins.length) tags.add(sub ? 'joinInSubquery' : depth ? 'joinInInclude' : 'join')
    if (q.joins.some((j) => j.type === 'left')) tags.add('leftJoin')
    if (q.deleted !== 'exclude') tags.add(q.deleted === 'include' ? 'withDeleted' : 'onlyDeleted')
    if (q.groupBy.length) tags.add(sub ? 'groupInSubquery' : depth ? 'groupInInclude' : 'groupBy')
    if (q.having.length) tags.add('having')
    if (q.distinct) tags.add(depth ? 'distinctInInclude' : 'distinct')
    if (q.limit !== null || q.offset !== null) tags.add(depth ? 'limitInInclude' : 'limit')
    if (q.orders.some((o) => o.by.kind === 'key')) tags.add('orderByKey')
    if (q.orders.some((o) => o.by.kind === 'frag')) tags.add('orderByFragment')
    if (q.selects.some((s) => s.kind === 'object')) tags.add('selectObject')
    if (q.selects.some((s) => s.kind === 'object' && s.items.some((i) => i.expr.kind === 'frag'))) {
      tags.add('selectFragment')
    }
    if (q.groupBy.some((g) => g.kind === 'frag')) tags.add('groupByFragment')
    for (const cl of q.clauses) {
      if (cl.or) tags.add('orWhere')
      walkCond(cl.cond, q, depth)
    }
    for (const s of q.selects) {
      if (s.kind === 'object') {
        for (const i of s.items) {
          if (i.expr.kind === 'frag' && i.expr.frag === 'scalar') tags.add('scalarSubquery')
        }
      }
    }
    for (const inc of q.includes) {
      if (
        (q.table === 'members' && inc.relation === 'manager') ||
        (q.table === 'members' && inc.relation === 'reports')
      ) {
        tags.add('selfInclude')
      }
      walk(inc.query, depth + 1, false)
    }
  }
  walk(c.query, 0, false)
  if (c.checks.count) tags.add('check:count')
  if (c.checks.exists) tags.add('check:exists')
  if (c.checks.pluck) tags.add('check:pluck')
  if (c.checks.aggregate) tags.add('check:aggregate')
  return tags
}
