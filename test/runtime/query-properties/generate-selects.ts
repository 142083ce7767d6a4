import { type Ctx, type MakeSubquery, Picker, type Role } from './pick.ts'
import type { Rng } from './prng.ts'
import type { AggFn, ColArg, Frag, Having, MutableQuery, Order, SelectCall } from './query-tree.ts'
import { frag, v } from './query-tree.ts'
import { type ColSpec, NUMBER_TYPES, TABLES } from './schema.ts'

/** Random select lists, orders, groups and having clauses of a query level. */
export class SelectGen extends Picker {
  #keys = 0
  constructor(
    rng: Rng,
    readonly subquery: MakeSubquery,
  ) {
    super(rng)
  }

  /** A fresh select key (keys are unique in a case). */
  key(prefix: string): string {
    return `${prefix}_${++this.#keys}`
  }

  /** select(...) calls: a list of columns, an object of columns and fragments, or both. */
  selects(ctx: Ctx, mode: 'list' | 'object'): SelectCall[] {
    const rng = this.rng
    const used = new Set<string>()
    const calls: SelectCall[] = []
    const callCount = rng.chance(0.2) ? 2 : 1
    for (let call = 0; call < callCount; call++) {
      const form = call === 0 ? mode : rng.pick(['list', 'object'] as const)
      if (form === 'list') {
        const cols: ColArg[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          const c = this.anyCol(ctx)
          if (c && !used.has(c.column)) {
            used.add(c.column)
            cols.push(c)
          }
        }
        if (cols.length) calls.push({ kind: 'list', cols })
      } else {
        const items: { key: string; expr: ColArg | Frag }[] = []
        for (let i = rng.int(1, 3); i > 0; i--) {
          const key = this.key('k')
          const expr = rng.chance(0.55) ? this.anyCol(ctx) : this.selectFrag(ctx)
          if (expr) items.push({ key, expr })
        }
        if (items.length) calls.push({ kind: 'object', items })
      }
    }
    if (!calls.length) {
      calls.push({
        kind: 'list',
        cols: [{ kind: 'own', table: ctx.table, column: 'id', qualified: false }],
      })
    }
    return calls
  }

  /** A fragment for the select list, of a type JSON carries exactly (inside includes too). */
  selectFrag(ctx: Ctx): Frag | null {
    const rng = this.rng
    const kind = rng.weighted({ times: 3, coalesce: 3, gt: 2, scalar: ctx.subDepth < 2 ? 3 : 0 })
    if (kind === 'times') {
      const a = this.anyRef(ctx, (c) => c.type === 'int' && !c.domain)
      return a ? frag('times', a, v(rng.int(-2, 3))) : null
    }
    if (kind === 'coalesce') {
      const a = this.anyRef(ctx, (c) => c.type === 'text')
      return a ? frag('coalesce', a, v(rng.pick(['none', '', "it's"]))) : null
    }
    if (kind === 'gt') {
      const a = this.anyRef(ctx, (c) => c.type === 'int' || c.type === 'numeric')
      const b = this.anyRef(ctx, (c) => c.type === 'int' || c.type === 'numeric')
      return a && b ? frag('gt', a, b) : null
    }
    const sub = this.subquery(ctx, 'scalar')
    return sub ? frag('scalar', { kind: 'query', query: sub }) : null
  }

  /** Select keys an orderBy can name: renamed columns and fragments. */
  orderable(selects: readonly SelectCall[]): string[] {
    return selects.flatMap((s) => (s.kind === 'object' ? s.items.map((i) => i.key) : []))
  }

  order(ctx: Ctx, keys: readonly string[]): Order {
    const rng = this.rng
    const dir = rng.chance(0.45) ? 'desc' : 'asc'
    const nulls = rng.chance(0.3) ? rng.pick(['first', 'last'] as const) : null
    const kind = rng.weighted({ column: 70, key: keys.length ? 15 : 0, frag: 15 })
    if (kind === 'key') return { by: { kind: 'key', key: rng.pick(keys) }, dir, nulls, bare: false }
    if (kind === 'frag') {
      const text = rng.chance(0.5)
      const a = this.anyRef(ctx, (c) => (text ? c.type === 'text' : NUMBER_TYPES.has(c.type)))
      if (a) {
        return {
          by: text ? frag('lower', a) : frag('coalesce', a, v(0)),
          dir,
          nulls,
          bare: false,
        }
      }
    }
    const c = this.anyCol(ctx)!
    return { by: c, dir, nulls, bare: dir === 'asc' && !nulls && rng.chance(0.5) }
  }

  /** groupBy with aggregates, having and an order by an aggregate alias. */
  grouped(q: MutableQuery, ctx: Ctx, role: Role): void {
    const rng = this.rng
    const table = ctx.table
    const keys: (ColArg | Frag)[] = []
    const selects: SelectCall[] = []
    const keyOrders: Order[] = []
    const keyCount = role === 'top' && rng.chance(0.35) ? 2 : 1
    const used = new Set<string>()
    for (let i = 0; i < keyCount; i++) {
      // Fragments only at the top level, where the own table is never aliased.
      const useFrag = role === 'top' && rng.chance(0.3)
      if (useFrag) {
        const kind = rng.pick(['lower', 'mod3', 'isNull'] as const)
        const own = TABLES[table].columns.filter((c) =>
          kind === 'lower' ? c.type === 'text' : kind === 'mod3' ? c.type === 'int' : c.nullable,
        )
        if (!own.length) continue
        const f = frag(kind, { kind: 'ref', table, column: rng.pick(own).name })
        const key = this.key('g')
        keys.push(f)
        selects.push({ kind: 'object', items: [{ key, expr: f }] })
        keyOrders.push({
          by: { kind: 'key', key },
          dir: rng.chance(0.3) ? 'desc' : 'asc',
          nulls: null,
          bare: false,
        })
      } else {
        const c = role === 'top' ? this.anyCol(ctx) : this.ownCol(ctx)
        if (!c || used.has(c.column)) continue
        used.add(c.column)
        keys.push(c)
        if (rng.chance(0.25)) {
          const key = this.key('g')
          selects.push({ kind: 'object', items: [{ key, expr: c }] })
          keyOrders.push({ by: { kind: 'key', key }, dir: 'asc', nulls: null, bare: false })
        } else {
          selects.push({ kind: 'list', cols: [c] })
          keyOrders.push({
            by: c,
            dir: rng.chance(0.3) ? 'desc' : 'asc',
            nulls: rng.chance(0.3) ? rng.pick(['first', 'last'] as const) : null,
            bare: false,
          })
        }
      }
    }
    if (!keys.length) {
      const c: ColArg = {
        kind: 'own',
        table,
        column: TABLES[table].columns[1]!.name,
        qualified: false,
      }
      keys.push(c)
      selects.push({ kind: 'list', cols: [c] })
      keyOrders.push({ by: c, dir: 'asc', nulls: null, bare: true })
    }
    const aliases: string[] = []
    for (let i = rng.int(1, role === 'top' ? 3 : 2); i > 0; i--) {
      const { fn, col } = this.aggregate(ctx, role === 'top')
      const alias = this.key('a')
      aliases.push(alias)
      selects.push({ kind: 'aggregate', fn, col, alias })
    }
    // Mix the select calls: aggregates first now and then.
    if (rng.chance(0.2)) selects.reverse()
    q.selects = selects
    q.groupBy = keys
    const having: Having[] = []
    for (let i = rng.index([65, 30, 5]); i > 0; i--) {
      having.push(this.having(ctx, role === 'top'))
    }
    q.having = having
    if (role === 'exists') return
    const aggOrder: Order[] =
      rng.chance(0.6) && aliases.length
        ? [
            {
              by: { kind: 'key', key: rng.pick(aliases) },
              dir: rng.chance(0.5) ? 'desc' : 'asc',
              nulls: null,
              bare: false,
            },
          ]
        : []
    q.orders = role === 'many' && rng.chance(0.2) ? [] : [...aggOrder, ...keyOrders]
  }

  aggregate(ctx: Ctx, joined: boolean): { fn: AggFn; col: ColArg | null } {
    const rng = this.rng
    const fn = rng.weighted({ count: 30, sum: 20, avg: 14, min: 18, max: 18 })
    const pickCol = (filter: (c: ColSpec) => boolean) =>
      joined ? this.anyCol(ctx, filter) : this.ownCol(ctx, filter)
    if (fn === 'count') return { fn, col: rng.chance(0.65) ? null : pickCol(() => true) }
    if (fn === 'sum' || fn === 'avg') {
      return { fn, col: pickCol((c) => NUMBER_TYPES.has(c.type) && c.name !== 'id') }
    }
    return { fn, col: pickCol((c) => c.type !== 'bool') }
  }

  having(ctx: Ctx, top: boolean): Having {
    const rng = this.rng
    const kind = rng.weighted({ agg: 60, countGe: 25, sumGt: top ? 15 : 0 })
    if (kind === 'countGe') return frag('countGe', v(rng.int(1, 3)))
    if (kind === 'sumGt') {
      const numeric = TABLES[ctx.table].columns.filter((c) => NUMBER_TYPES.has(c.type))
      const c = rng.pick(numeric)
      return frag('sumGt', { kind: 'ref', table: ctx.table, column: c.name }, v(rng.int(-2, 40)))
    }
    const fn = rng.pick(['count', 'sum', 'avg', 'min', 'max'] as const)
    const op = rng.pick(['=', '<>', '<', '<=', '>', '>='])
    if (fn === 'count') {
      return {
        kind: 'agg',
        fn,
        col: rng.chance(0.7) ? null : this.ownCol(ctx),
        op,
        value: rng.int(0, 3),
      }
    }
    const c = this.ownCol(ctx, (s) => NUMBER_TYPES.has(s.type) && s.name !== 'id')!
    return { kind: 'agg', fn, col: c, op, value: this.value(c) }
  }

  /** The select list of a whereIn subquery: one column, perhaps grouped or an aggregate. */
  inSelect(q: MutableQuery, ctx: Ctx, target: string | undefined): void {
    const rng = this.rng
    const table = ctx.table
    const intCols = TABLES[table].columns.filter((c) => c.type === 'int')
    const spec = intCols.find((c) => c.name === target) ?? rng.pick(intCols)
    const c: ColArg = { kind: 'own', table, column: spec.name, qualified: rng.chance(0.15) }
    const shape = rng.weighted({ plain: 60, object: 12, grouped: 14, aggregate: 14 })
    if (shape === 'plain' || shape === 'object') {
      q.selects =
        shape === 'plain'
          ? [{ kind: 'list', cols: [c] }]
          : [{ kind: 'object', items: [{ key: this.key('v'), expr: c }] }]
      if (rng.chance(0.12)) {
        q.orders = [
          { by: c, dir: rng.chance(0.5) ? 'desc' : 'asc', nulls: null, bare: false },
          {
            by: { kind: 'own', table, column: 'id', qualified: false },
            dir: 'asc',
            nulls: null,
            bare: true,
          },
        ]
        q.limit = rng.int(1, 3)
      }
    } else if (shape === 'grouped') {
      q.selects = [{ kind: 'list', cols: [c] }]
      q.groupBy = [c]
      q.having = [this.having(ctx, false)]
    } else {
      const other = this.ownCol(ctx, (s) => s.name !== spec.name && s.name !== 'id')
      q.selects = [{ kind: 'aggregate', fn: rng.pick(['min', 'max'] as const), col: c, alias: 'm' }]
      if (other && rng.chance(0.6)) q.groupBy = [other]
    }
  }
}
