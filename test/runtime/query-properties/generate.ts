import { calls } from './builder.ts'
import { ConditionGen } from './generate-conditions.ts'
import { SelectGen } from './generate-selects.ts'
import { type Ctx, Picker, type Role } from './pick.ts'
import { Rng } from './prng.ts'
import {
  type Case,
  type Checks,
  type Clause,
  type ColArg,
  emptyAst,
  type MutableQuery,
  type Order,
  type QueryAst,
} from './query-tree.ts'
import {
  type ColSpec,
  JOIN_EDGES,
  NUMBER_TYPES,
  RELATIONS,
  TABLE_NAMES,
  TABLES,
  type TableName,
} from './schema.ts'

/** Where a query level stands: the level around it, and how deep in includes and subqueries. */
interface LevelOptions {
  readonly parent: Ctx | null
  readonly includeDepth: number
  readonly subDepth: number
  /** The column a whereIn subquery selects. */
  readonly inColumn?: string | undefined
}

/** Random query trees: each level's joins and deleted mode, its parts and its includes. */
class QueryGen extends Picker {
  readonly #conds: ConditionGen
  readonly #selects: SelectGen
  constructor(rng: Rng) {
    super(rng)
    const subquery = this.subquery.bind(this)
    this.#conds = new ConditionGen(rng, subquery)
    this.#selects = new SelectGen(rng, subquery)
  }

  /**
   * One query level on `table`, in the role it plays (`parent`: the level around it).
   * `inColumn`: the column a whereIn subquery selects.
   */
  query(table: TableName, role: Role, level: LevelOptions): QueryAst {
    const { parent, includeDepth, subDepth, inColumn } = level
    const rng = this.rng
    const spec = TABLES[table]
    const q: MutableQuery = { ...emptyAst(table) }
    const soft = spec.soft
    const top = role === 'top'
    q.deleted = rng.weighted({
      exclude: 74,
      include: soft ? 13 : 4,
      only: !soft ? 0 : top ? 7 : 13,
    })

    // joins
    const joinChance = { top: 0.35, many: 0.1, one: 0.1, exists: 0.12, in: 0.08, scalar: 0 }[role]
    const joins: TableName[] = []
    if (rng.chance(joinChance)) {
      const count = rng.chance(0.3) ? 2 : 1
      for (let i = 0; i < count; i++) {
        const present = [table, ...joins]
        const edges = JOIN_EDGES.filter((e) => present.includes(e.from) && !present.includes(e.to))
        if (!edges.length) break
        const edge = rng.pick(edges)
        const other: ColArg =
          edge.from === table
            ? { kind: 'own', table, column: edge.fromCol, qualified: rng.chance(0.2) }
            : { kind: 'join', table: edge.from, column: edge.fromCol }
        q.joins = [
          ...q.joins,
          { type: rng.chance(0.5) ? 'inner' : 'left', table: edge.to, column: edge.toCol, other },
        ]
        joins.push(edge.to)
      }
    }
    const ctx: Ctx = { table, joins, parent, includeDepth, subDepth }

    // conditions
    const clauses: Clause[] = []
    if (role === 'exists' || role === 'in' || role === 'scalar') {
      const correlation = this.#conds.correlation(ctx, role === 'scalar' ? 0.95 : 0.8)
      if (correlation) clauses.push({ or: false, cond: correlation })
    }
    const extra = {
      top: [25, 35, 25, 10, 5],
      many: [45, 35, 20],
      one: [60, 30, 10],
      exists: [35, 45, 20],
      in: [40, 45, 15],
      scalar: [60, 40],
    }[role]
    for (let i = rng.index(extra); i > 0; i--) {
      clauses.push({ or: clauses.length > 0 && rng.chance(0.4), cond: this.#conds.cond(ctx, 0) })
    }
    // Now and then the first condition is an orWhere, which acts as a where.
    if (clauses.length && rng.chance(0.05)) clauses[0] = { ...clauses[0]!, or: true }
    q.clauses = clauses

    const pk = (): ColArg => ({ kind: 'own', table, column: 'id', qualified: rng.chance(0.2) })
    const pkTail = (): Order[] => {
      const dir = rng.chance(0.3) ? 'desc' : 'asc'
      return [
        { by: pk(), dir, nulls: null, bare: dir === 'asc' && rng.chance(0.5) },
        ...joins.map(
          (t): Order => ({
            by: { kind: 'join', table: t, column: 'id' },
            dir: rng.chance(0.3) ? 'desc' : 'asc',
            nulls: rng.chance(0.3) ? rng.pick(['first', 'last'] as const) : null,
            bare: false,
          }),
        ),
      ]
    }

    // the shape of the select list
    const mode = {
      top: () => rng.weighted({ all: 35, list: 16, object: 16, group: 20, distinct: 8 }),
      many: () => rng.weighted({ all: 45, list: 22, object: 15, group: 12, distinct: 6 }),
      one: () => rng.weighted({ all: 50, list: 28, object: 18, distinct: 4 }),
      exists: () => rng.weighted({ all: 80, list: 8, group: 12 }),
      in: () => 'in' as const,
      scalar: () => 'scalar' as const,
    }[role]()

    if (mode === 'list' || mode === 'object') {
      q.selects = this.#selects.selects(ctx, mode)
      if (role === 'top' || role === 'many' || role === 'one' || role === 'exists') {
        const keyed = this.#selects.orderable(q.selects)
        const random: Order[] = []
        const n = rng.index([30, 45, 25])
        for (let i = 0; i < n; i++) random.push(this.#selects.order(ctx, keyed))
        const ordered = role === 'top' || rng.chance(0.7) || role === 'one'
        q.orders = ordered ? [...random, ...pkTail()] : []
      }
    } else if (mode === 'all') {
      if (role !== 'exists') {
        const random: Order[] = []
        const n = rng.index([35, 45, 20])
        for (let i = 0; i < n; i++) random.push(this.#selects.order(ctx, []))
        const ordered = role === 'top' || role === 'one' || rng.chance(0.7)
        q.orders = ordered ? [...random, ...pkTail()] : []
      }
    } else if (mode === 'group') {
      this.#selects.grouped(q, ctx, role)
    } else if (mode === 'distinct') {
      const cols = TABLES[table].columns.filter((c) => c.name !== 'id' && c.name !== 'deleted_at')
      const chosen: ColArg[] = []
      for (let i = rng.int(1, 2); i > 0; i--) {
        const c = rng.pick(cols)
        if (!chosen.some((x) => x.column === c.name)) {
          chosen.push({ kind: 'own', table, column: c.name, qualified: false })
        }
      }
      q.selects = [{ kind: 'list', cols: chosen }]
      q.distinct = true
      // Ordered by what it selects (ordering DISTINCT rows by anything else is refused); a
      // many include may be unordered (compared as a multiset).
      const unordered = role === 'many' && rng.chance(0.4)
      q.orders = unordered
        ? []
        : chosen.map((c) => ({
            by: c,
            dir: rng.chance(0.5) ? 'desc' : 'asc',
            nulls: rng.chance(0.4) ? rng.pick(['first', 'last'] as const) : null,
            bare: false,
          }))
    } else if (mode === 'in') {
      this.#selects.inSelect(q, ctx, inColumn)
    } else if (mode === 'scalar') {
      const intCols = TABLES[table].columns.filter((c) => c.type === 'int')
      if (rng.chance(0.8)) {
        q.selects = [{ kind: 'aggregate', fn: 'count', col: null, alias: 'n' }]
      } else {
        const c = rng.pick(intCols)
        q.selects = [
          {
            kind: 'aggregate',
            fn: rng.pick(['min', 'max'] as const),
            col: { kind: 'own', table, column: c.name, qualified: false },
            alias: 'm',
          },
        ]
      }
    }

    // limit / offset, only where the order makes the rows certain
    if (role === 'top') {
      if (rng.chance(0.3)) q.limit = rng.chance(0.1) ? 0 : rng.int(1, 6)
      if (rng.chance(0.2)) q.offset = rng.int(0, 2)
    } else if (role === 'many' && q.orders.length && mode !== 'group') {
      if (rng.chance(0.22)) q.limit = rng.int(0, 3)
      if (rng.chance(0.12)) q.offset = rng.int(0, 2)
    } else if (role === 'many' && mode === 'group' && q.orders.length) {
      if (rng.chance(0.2)) q.limit = rng.int(1, 2)
    } else if (role === 'one' && q.orders.length) {
      if (rng.chance(0.12)) q.offset = 1
    } else if (role === 'exists') {
      if (rng.chance(0.06)) q.limit = rng.int(0, 1)
      if (rng.chance(0.06)) q.offset = 1
    }

    // includes
    const canInclude =
      (role === 'top' || role === 'many' || role === 'one') &&
      mode !== 'group' &&
      mode !== 'distinct' &&
      includeDepth < 3
    if (canInclude) {
      const wanted =
        role === 'top'
          ? rng.index([25, 40, 25, 10])
          : rng.index([includeDepth === 1 ? 45 : 65, 40, includeDepth === 1 ? 15 : 5])
      const relations = [...RELATIONS[table]]
      for (let i = 0; i < wanted && relations.length; i++) {
        const relation = relations.splice(rng.int(0, relations.length - 1), 1)[0]!
        const relRole: Role =
          relation.kind === 'hasMany' || relation.kind === 'manyToMany' ? 'many' : 'one'
        const nested = rng.chance(0.12)
          ? emptyAst(relation.target)
          : this.query(relation.target, relRole, {
              parent: ctx,
              includeDepth: includeDepth + 1,
              subDepth,
            })
        const bare = isEmpty(nested) && rng.chance(0.6)
        q.includes = [...q.includes, { relation: relation.name, query: nested, bare }]
      }
    }
    return q as QueryAst
  }

  /** A subquery whose table is related to a table around it (often the same table). */
  subquery(ctx: Ctx, role: 'exists' | 'in' | 'scalar', inColumn?: ColSpec): QueryAst | null {
    const rng = this.rng
    let table: TableName
    let inCol: string | undefined
    if (inColumn) {
      const candidates = TABLE_NAMES.flatMap((t) =>
        TABLES[t].columns
          .filter((c) =>
            inColumn.domain ? c.domain === inColumn.domain : c.type === 'int' && !c.domain,
          )
          .map((c) => [t, c.name] as const),
      )
      if (!candidates.length) return null
      ;[table, inCol] = rng.pick(candidates)
    } else {
      const chain = this.chainTables(ctx)
      table = rng.chance(0.4) ? rng.pick(chain) : rng.pick(TABLE_NAMES)
    }
    const level = { parent: ctx, includeDepth: ctx.includeDepth, subDepth: ctx.subDepth + 1 }
    return this.query(table, role, { ...level, inColumn: inCol })
  }
}

/** The terminals a case checks besides fetch: count, exists, perhaps pluck and an aggregate. */
function pickChecks(rng: Rng, q: QueryAst): Checks {
  const plain = !q.groupBy.length && !q.distinct
  const numeric = TABLES[q.table].columns.filter((c) => NUMBER_TYPES.has(c.type) || c.type === 'ts')
  const aggregate =
    plain && q.limit === null && q.offset === null && rng.chance(0.2)
      ? (() => {
          const spec = rng.pick(numeric)
          const fn =
            spec.type === 'ts'
              ? rng.pick(['min', 'max'] as const)
              : rng.pick(['sum', 'avg', 'min', 'max'] as const)
          return {
            fn,
            col: { kind: 'own', table: q.table, column: spec.name, qualified: false } as ColArg,
          }
        })()
      : null
  return {
    count: rng.chance(0.4),
    exists: rng.chance(0.3),
    pluck:
      plain && rng.chance(0.3)
        ? {
            kind: 'own',
            table: q.table,
            column: rng.pick(TABLES[q.table].columns).name,
            qualified: false,
          }
        : null,
    aggregate,
  }
}

/** Whether a query makes no builder calls (an include of it may then be bare). */
function isEmpty(q: QueryAst): boolean {
  return calls(q).length === 0
}

/** The case of one seed: a query on a random table, and the terminals to check. */
export function generate(seed: number): Case {
  const rng = new Rng(seed)
  const gen = new QueryGen(rng)
  const table = rng.weighted({
    members: 40,
    tasks: 18,
    teams: 10,
    profiles: 10,
    skills: 10,
    member_skills: 12,
  })
  const query = gen.query(table, 'top', { parent: null, includeDepth: 0, subDepth: 0 })
  return { seed, query, checks: pickChecks(rng, query) }
}
