import type { Rng } from './prng.ts'
import type { ColArg, QueryAst, RefArg } from './query-tree.ts'
import { colSpecOf } from './query-tree.ts'
import { type ColSpec, type ColType, NUMBER_TYPES, TABLES, type TableName } from './schema.ts'
import type { Value } from './value.ts'
import { valuesOf } from './value-pools.ts'

/** A query level while generating: its table, joins and the level around it. */
export interface Ctx {
  readonly table: TableName
  readonly joins: readonly TableName[]
  readonly parent: Ctx | null
  readonly includeDepth: number
  readonly subDepth: number
}

/** What a query level is: the query, an include (many or one row), or a kind of subquery. */
export type Role = 'top' | 'many' | 'one' | 'exists' | 'in' | 'scalar'

/**
 * Makes a subquery of a level: the query generator, handed to the parts of it that need one.
 * `inColumn`: the column a whereIn compares with the subquery's.
 */
export type MakeSubquery = (
  ctx: Ctx,
  role: 'exists' | 'in' | 'scalar',
  inColumn?: ColSpec,
) => QueryAst | null

type Family = 'num' | 'text' | 'bool' | 'ts'
export const family = (type: ColType): Family =>
  NUMBER_TYPES.has(type) ? 'num' : type === 'text' ? 'text' : type === 'bool' ? 'bool' : 'ts'

/** Picks what a query level can use: its columns, `Model.column` references and values. */
export class Picker {
  constructor(readonly rng: Rng) {}

  /** The tables `Model.column` can name here: this level's and every level's around it. */
  chainTables(ctx: Ctx): TableName[] {
    const out: TableName[] = []
    for (let c: Ctx | null = ctx; c; c = c.parent) {
      for (const t of [c.table, ...c.joins]) {
        if (!out.includes(t)) out.push(t)
      }
    }
    return out
  }

  /** Tables of enclosing levels only (for correlation), nearest first. */
  outerTables(ctx: Ctx): TableName[] {
    return ctx.parent ? this.chainTables(ctx.parent) : []
  }

  ownCol(ctx: Ctx, filter: (c: ColSpec) => boolean = () => true): ColArg | null {
    const cols = TABLES[ctx.table].columns.filter(filter)
    if (!cols.length) return null
    const spec = this.rng.pick(cols)
    return { kind: 'own', table: ctx.table, column: spec.name, qualified: this.rng.chance(0.15) }
  }

  anyCol(ctx: Ctx, filter: (c: ColSpec) => boolean = () => true): ColArg | null {
    const joined: ColArg[] = ctx.joins.flatMap((t) =>
      TABLES[t].columns
        .filter(filter)
        .map((c) => ({ kind: 'join' as const, table: t, column: c.name })),
    )
    if (joined.length && this.rng.chance(0.35)) return this.rng.pick(joined)
    return this.ownCol(ctx, filter) ?? (joined.length ? this.rng.pick(joined) : null)
  }

  ref(tables: readonly TableName[], filter: (c: ColSpec) => boolean): RefArg | null {
    const options = tables.flatMap((t) =>
      TABLES[t].columns
        .filter(filter)
        .map((c) => ({ kind: 'ref' as const, table: t, column: c.name })),
    )
    return options.length ? this.rng.pick(options) : null
  }

  /** A reference, preferring an enclosing level's table (a correlation) when there is one. */
  anyRef(ctx: Ctx, filter: (c: ColSpec) => boolean): RefArg | null {
    const outer = this.outerTables(ctx)
    if (outer.length && this.rng.chance(0.6)) {
      const r = this.ref(outer, filter)
      if (r) return r
    }
    return this.ref(this.chainTables(ctx), filter)
  }

  /** A value to compare the column with: mostly one it holds. */
  value(c: ColArg | RefArg): Value {
    const spec = colSpecOf(c)
    const own = valuesOf(c.table, spec, false)
    return this.rng.pick(own.length && this.rng.chance(0.75) ? own : valuesOf(c.table, spec, true))
  }
}
