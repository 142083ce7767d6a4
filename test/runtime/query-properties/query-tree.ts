import type { FragKind } from './fragments.ts'
import { type ColSpec, type ColType, columnSpec, type TableName } from './schema.ts'
import type { Value } from './value.ts'

// The query tree: what a case builds, rendered three ways (builder calls, hand SQL, code).

/** A column of the query itself ('c', or 'table.c' when `qualified`) or of a joined table. */
export type ColArg =
  | {
      readonly kind: 'own'
      readonly table: TableName
      readonly column: string
      readonly qualified: boolean
    }
  | { readonly kind: 'join'; readonly table: TableName; readonly column: string }
/** `Model.column('c')`. */
export interface RefArg {
  readonly kind: 'ref'
  readonly table: TableName
  readonly column: string
}
export type FragArg =
  | RefArg
  | { readonly kind: 'value'; readonly value: Value }
  | { readonly kind: 'query'; readonly query: QueryAst }
export interface Frag {
  readonly kind: 'frag'
  readonly frag: FragKind
  readonly args: readonly FragArg[]
}

export type Cond =
  | {
      readonly kind: 'cmp'
      readonly left: ColArg | RefArg
      readonly op: string
      readonly value: Value
      readonly twoArgs: boolean
    }
  | { readonly kind: 'cmpExpr'; readonly left: ColArg; readonly op: string; readonly right: Frag }
  | { readonly kind: 'fragCmp'; readonly left: Frag; readonly op: string; readonly value: Value }
  | {
      readonly kind: 'list'
      readonly col: ColArg
      readonly negated: boolean
      readonly values: readonly Value[]
      readonly method: boolean
    }
  | {
      readonly kind: 'between'
      readonly col: ColArg
      readonly negated: boolean
      readonly low: Value
      readonly high: Value
    }
  | {
      readonly kind: 'null'
      readonly operand: ColArg | Frag
      readonly negated: boolean
      /** where(col, null) / where(col, '<>', null) instead of whereNull / whereNotNull. */
      readonly asValue: '=' | '<>' | '!=' | null
    }
  | {
      readonly kind: 'column'
      readonly left: ColArg
      readonly op: string
      readonly right: ColArg | RefArg
    }
  | { readonly kind: 'frag'; readonly frag: Frag }
  | { readonly kind: 'group'; readonly clauses: readonly Clause[] }
  | { readonly kind: 'exists'; readonly negated: boolean; readonly query: QueryAst }
  | {
      readonly kind: 'inQuery'
      readonly col: ColArg
      readonly negated: boolean
      readonly query: QueryAst
      readonly method: boolean
    }

export interface Clause {
  readonly or: boolean
  readonly cond: Cond
}

export type AggFn = 'count' | 'sum' | 'avg' | 'min' | 'max'
export type SelectCall =
  | { readonly kind: 'list'; readonly cols: readonly ColArg[] }
  | { readonly kind: 'object'; readonly items: readonly { key: string; expr: ColArg | Frag }[] }
  | {
      readonly kind: 'aggregate'
      readonly fn: AggFn
      readonly col: ColArg | null
      readonly alias: string
    }

export interface Order {
  readonly by: ColArg | Frag | { readonly kind: 'key'; readonly key: string }
  readonly dir: 'asc' | 'desc'
  readonly nulls: 'first' | 'last' | null
  /** orderBy(x) with the default direction. */
  readonly bare: boolean
}

export type Having =
  | {
      readonly kind: 'agg'
      readonly fn: AggFn
      readonly col: ColArg | null
      readonly op: string
      readonly value: Value
    }
  | Frag

export interface JoinSpec {
  readonly type: 'inner' | 'left'
  readonly table: TableName
  readonly column: string
  readonly other: ColArg
}

export interface IncludeSpec {
  readonly relation: string
  readonly query: QueryAst
  /** include(name) without a callback (the query is then empty). */
  readonly bare: boolean
}

export interface QueryAst {
  readonly table: TableName
  readonly deleted: 'exclude' | 'include' | 'only'
  readonly joins: readonly JoinSpec[]
  readonly selects: readonly SelectCall[]
  readonly distinct: boolean
  readonly clauses: readonly Clause[]
  readonly groupBy: readonly (ColArg | Frag)[]
  readonly having: readonly Having[]
  readonly orders: readonly Order[]
  readonly limit: number | null
  readonly offset: number | null
  readonly includes: readonly IncludeSpec[]
}

export function emptyAst(table: TableName): QueryAst {
  return {
    table,
    deleted: 'exclude',
    joins: [],
    selects: [],
    distinct: false,
    clauses: [],
    groupBy: [],
    having: [],
    orders: [],
    limit: null,
    offset: null,
    includes: [],
  }
}

export interface Checks {
  readonly count: boolean
  readonly exists: boolean
  readonly pluck: ColArg | null
  readonly aggregate: { fn: 'sum' | 'avg' | 'min' | 'max'; col: ColArg } | null
}

export interface Case {
  readonly seed: number
  readonly query: QueryAst
  readonly checks: Checks
}

/** A query tree under construction. */
export type MutableQuery = { -readonly [K in keyof QueryAst]: QueryAst[K] }

/** The value type of a select item, for decoding an include's JSON and for casts. */
export type ValType = ColType | 'count' | 'float' | 'exact' | 'raw'

export function colSpecOf(c: ColArg | RefArg): ColSpec {
  return columnSpec(c.table, c.column)
}

export function aggType(fn: AggFn, c: ColArg | null): ValType {
  if (fn === 'count') return 'count'
  const spec = colSpecOf(c!)
  if (fn === 'min' || fn === 'max') return spec.type
  return spec.type === 'int' ? 'float' : 'exact'
}

/** A value argument of a fragment. */
export function v(value: Value): FragArg {
  return { kind: 'value', value }
}

export function frag(kind: FragKind, ...args: FragArg[]): Frag {
  return { kind: 'frag', frag: kind, args }
}
