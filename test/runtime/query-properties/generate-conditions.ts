import { type Ctx, family, type MakeSubquery, Picker } from './pick.ts'
import type { Rng } from './prng.ts'
import {
  type Clause,
  type ColArg,
  type Cond,
  colSpecOf,
  frag,
  type RefArg,
  v,
} from './query-tree.ts'
import { type ColSpec, NUMBER_TYPES, TABLES } from './schema.ts'
import { compareValues, type Value } from './value.ts'
import { LIKE_PATTERNS } from './value-pools.ts'

/** Random where conditions of a query level, and the correlation of a subquery. */
export class ConditionGen extends Picker {
  constructor(
    rng: Rng,
    readonly subquery: MakeSubquery,
  ) {
    super(rng)
  }

  /** The condition tying a subquery to an enclosing row: `whereColumn(col, op, Outer.column(x))`. */
  correlation(ctx: Ctx, p: number): Cond | null {
    const rng = this.rng
    if (!rng.chance(p)) return null
    const outer = this.outerTables(ctx)
    if (!outer.length) return null
    // Prefer the nearest levels.
    const table = rng.chance(0.6) ? outer[0]! : rng.pick(outer)
    const ownCols = TABLES[ctx.table].columns.filter((c) => c.domain)
    const pairs = ownCols.flatMap((own) =>
      TABLES[table].columns.filter((o) => o.domain === own.domain).map((o) => [own, o] as const),
    )
    const [own, o] = pairs.length
      ? rng.pick(pairs)
      : [rng.pick(ownCols), rng.pick(TABLES[table].columns.filter((c) => c.type === 'int'))]
    const op = rng.weighted({ '=': 80, '<>': 8, '<': 6, '>': 6 })
    return {
      kind: 'column',
      left: { kind: 'own', table: ctx.table, column: own.name, qualified: rng.chance(0.15) },
      op,
      right: { kind: 'ref', table, column: o.name },
    }
  }

  cond(ctx: Ctx, groupDepth: number): Cond {
    for (;;) {
      const cond = this.tryCond(ctx, groupDepth)
      if (cond) return cond
    }
  }

  /** A random condition, or null when the one drawn does not fit this level's columns. */
  tryCond(ctx: Ctx, groupDepth: number): Cond | null {
    const rng = this.rng
    const outer = this.outerTables(ctx)
    const subOk = ctx.subDepth < 2
    const kind = rng.weighted({
      cmp: 20,
      eq2: 6,
      list: 10,
      between: 6,
      null: 8,
      group: groupDepth < 3 ? 7 : 0,
      column: 5,
      refCmp: outer.length ? 4 : 1,
      plusGt: 4,
      lowerCmp: 4,
      nullOrGt: 3,
      nullifNull: 2,
      cmpExpr: 2,
      // More subqueries deeper in includes, where correlation has more levels to get wrong.
      exists: subOk ? (ctx.subDepth === 0 ? 8 + 5 * ctx.includeDepth : 4) : 0,
      inQuery: subOk ? (ctx.subDepth === 0 ? 7 + 4 * ctx.includeDepth : 3) : 0,
      scalarCmp: subOk ? 3 : 0,
    })
    switch (kind) {
      case 'cmp': {
        const c = this.anyCol(ctx)!
        const spec = colSpecOf(c)
        const op = rng.weighted({
          '=': 25,
          '<>': 8,
          '!=': 4,
          '<': 10,
          '<=': 8,
          '>': 10,
          '>=': 8,
          like: spec.type === 'text' ? 7 : 0,
          ilike: spec.type === 'text' ? 7 : 0,
          'not like': spec.type === 'text' ? 3 : 0,
          'not ilike': spec.type === 'text' ? 3 : 0,
        })
        if (op.includes('like')) {
          return { kind: 'cmp', left: c, op, value: rng.pick(LIKE_PATTERNS), twoArgs: false }
        }
        const value = rng.chance(0.07) ? null : this.value(c)
        return { kind: 'cmp', left: c, op, value, twoArgs: false }
      }
      case 'eq2': {
        const c = this.anyCol(ctx)!
        const value = rng.chance(0.12) ? null : this.value(c)
        return { kind: 'cmp', left: c, op: '=', value, twoArgs: true }
      }
      case 'list': {
        const c = this.anyCol(ctx)!
        const values: Value[] = []
        const n = rng.index([15, 25, 30, 30])
        for (let i = 0; i < n; i++) values.push(this.value(c))
        return { kind: 'list', col: c, negated: rng.chance(0.4), values, method: rng.chance(0.5) }
      }
      case 'between': {
        const c = this.anyCol(ctx, (s) => s.type !== 'bool')!
        let low = this.value(c)
        let high = this.value(c)
        if (colSpecOf(c).type !== 'text' && rng.chance(0.9) && compareValues(low, high) > 0) {
          ;[low, high] = [high, low]
        }
        return { kind: 'between', col: c, negated: rng.chance(0.3), low, high }
      }
      case 'null': {
        const c = this.anyCol(ctx, (s) => s.nullable || rng.chance(0.2))
        if (!c) return null
        const negated = rng.chance(0.45)
        const asValue = rng.chance(0.3) ? (negated ? rng.pick(['<>', '!='] as const) : '=') : null
        return { kind: 'null', operand: c, negated, asValue }
      }
      case 'group': {
        const clauses: Clause[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          clauses.push({
            or: rng.chance(clauses.length ? 0.6 : 0.1),
            cond: this.cond(ctx, groupDepth + 1),
          })
        }
        return { kind: 'group', clauses }
      }
      case 'column': {
        const left = this.anyCol(ctx)!
        const fam = family(colSpecOf(left).type)
        const sameFamily = (s: ColSpec) => family(s.type) === fam
        const right: ColArg | RefArg | null =
          outer.length && rng.chance(0.4)
            ? this.anyRef(ctx, sameFamily)
            : this.anyCol(ctx, sameFamily)
        const op = rng.pick(['=', '<>', '<', '<=', '>', '>='])
        return { kind: 'column', left, op, right: right ?? left }
      }
      case 'refCmp': {
        const r = this.anyRef(ctx, () => true)
        if (!r) return null
        const op = rng.pick([
          '=',
          '<>',
          '<',
          '>=',
          ...(colSpecOf(r).type === 'text' ? ['ilike'] : []),
        ])
        const value = op === 'ilike' ? rng.pick(LIKE_PATTERNS) : this.value(r)
        return { kind: 'cmp', left: r, op, value, twoArgs: false }
      }
      case 'plusGt': {
        const a = this.anyRef(ctx, (s) => NUMBER_TYPES.has(s.type))
        const b = this.anyRef(ctx, (s) => NUMBER_TYPES.has(s.type))
        if (!a || !b) return null
        return { kind: 'frag', frag: frag('plusGt', a, v(rng.int(-3, 3)), b) }
      }
      case 'lowerCmp': {
        const a = this.anyRef(ctx, (s) => s.type === 'text')
        if (!a) return null
        const op = rng.pick(['like', 'like', 'not like', '=', '<>'])
        const value = op.includes('like')
          ? rng.pick(LIKE_PATTERNS).toLowerCase()
          : String(this.value(a)).toLowerCase()
        return { kind: 'fragCmp', left: frag('lower', a), op, value }
      }
      case 'nullOrGt': {
        const a = this.anyRef(ctx, (s) => s.nullable)
        const b = this.anyRef(ctx, (s) => NUMBER_TYPES.has(s.type))
        if (!a || !b) return null
        return { kind: 'frag', frag: frag('nullOrGt', a, b, v(rng.int(-1, 30))) }
      }
      case 'nullifNull': {
        const a = this.anyRef(ctx, (s) => s.type === 'int' || s.type === 'text')
        if (!a) return null
        return {
          kind: 'null',
          operand: frag('nullif', a, v(this.value(a))),
          negated: rng.chance(0.5),
          asValue: null,
        }
      }
      case 'cmpExpr': {
        const left = this.anyCol(ctx, (s) => s.type === 'int')
        const a = this.anyRef(ctx, (s) => s.type === 'text')
        if (!left || !a) return null
        return {
          kind: 'cmpExpr',
          left,
          op: rng.pick(['<', '>=', '=', '<>']),
          right: frag('length', a),
        }
      }
      case 'scalarCmp': {
        // where(sql`${Sub.query().selectAggregate('count', '*', 'n')…}`, '>', 1)
        const sub = this.subquery(ctx, 'scalar')
        if (!sub) return null
        const left = frag('scalar', { kind: 'query', query: sub })
        return { kind: 'fragCmp', left, op: rng.pick(['=', '<>', '<', '>=']), value: rng.int(0, 2) }
      }
      case 'exists': {
        const sub = this.subquery(ctx, 'exists')
        if (!sub) return null
        return { kind: 'exists', negated: rng.chance(0.35), query: sub }
      }
      case 'inQuery': {
        const c = this.anyCol(ctx, (s) => s.type === 'int')!
        const sub = this.subquery(ctx, 'in', colSpecOf(c))
        if (!sub) return null
        return {
          kind: 'inQuery',
          col: c,
          negated: rng.chance(0.35),
          query: sub,
          method: rng.chance(0.6),
        }
      }
    }
  }
}
