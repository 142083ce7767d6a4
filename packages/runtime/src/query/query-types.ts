import type { AllColumns, ColumnName, ModelTypes, RelationTypes } from '../model/model-types.ts'
import type { Sql } from '../sql/sql-fragment.ts'

/**
 * The types the query builder's signatures are made of. Each is a flat lookup over the
 * generated `ModelTypes` (no recursion per column), so type checking stays cheap.
 */

/** `users.id` for every column of M (distributes over a union of joined models). */
export type QualifiedColumn<M extends ModelTypes> = M extends ModelTypes
  ? `${M['table']}.${ColumnName<M>}`
  : never

/** What a query on T joined with J accepts as a column: `title`, `posts.title`, `users.name`. */
export type QueryColumn<T extends ModelTypes, J extends ModelTypes> =
  | ColumnName<T>
  | QualifiedColumn<T>
  | QualifiedColumn<J>

type TableColumns<M extends ModelTypes, Table extends string> = AllColumns<
  Extract<M, { readonly table: Table }>
>

/** The value type of a query column (a redacted one too, as selecting it by name gives it). */
export type ColumnValue<
  T extends ModelTypes,
  J extends ModelTypes,
  C,
> = C extends keyof AllColumns<T>
  ? AllColumns<T>[C]
  : C extends `${infer Table}.${infer Column}`
    ? Column extends keyof TableColumns<T | J, Table>
      ? TableColumns<T | J, Table>[Column]
      : never
    : never

/** The value type of a select-object entry: a fragment's own type, else the column's. */
export type SelectedValue<T extends ModelTypes, J extends ModelTypes, V> =
  V extends Sql<infer X> ? X : ColumnValue<T, J, V>

/** The row key a selected column gets: `users.name` → `name`. */
export type ColumnKey<C extends string> = C extends `${string}.${infer Column}` ? Column : C

/** The row type of `select(...columns)`. */
export type Selected<T extends ModelTypes, J extends ModelTypes, C extends string> = {
  [P in C as ColumnKey<P>]: ColumnValue<T, J, P>
}

export type ComparisonOperator = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>='
export type PatternOperator = 'like' | 'ilike' | 'not like' | 'not ilike'
/** LIKE / ILIKE (`i…`) with the text matched literally: `%`, `_` and `\` escaped. */
export type SearchOperator =
  | 'contains'
  | 'startsWith'
  | 'endsWith'
  | 'icontains'
  | 'istartsWith'
  | 'iendsWith'
export type ListOperator = 'in' | 'not in'
export type RangeOperator = 'between' | 'not between'
/** Containment and overlap of arrays and jsonb values (`&&`: arrays only). */
export type ContainmentOperator = '@>' | '<@' | '&&'
/** jsonb: any (`?|`) or every (`?&`) of the keys is a top-level key. */
export type KeysOperator = '?|' | '?&'
/** The element type of an array column's value. */
export type ElementOf<V> = NonNullable<V> extends readonly (infer E)[] ? E : never
export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max'

/**
 * What sum / avg give: a number for JS-number columns (cast to float8), an exact decimal
 * string for bigint and numeric columns; null over no rows.
 */
export type SumResult<V> = NonNullable<V> extends number ? number | null : string | null

/** A selected aggregate's value type. */
export type AggregateResult<F extends AggregateFunction, V> = F extends 'count'
  ? number
  : F extends 'sum' | 'avg'
    ? SumResult<V>
    : V | null

export type RelationName<T extends ModelTypes> = keyof T['relations'] & string

export type RelationTarget<
  T extends ModelTypes,
  N extends RelationName<T>,
> = T['relations'][N]['target'] extends infer M extends ModelTypes ? M : never

/** An included relation's value: an array for many, else one row or null. */
export type RelationResult<Rel extends RelationTypes, R> = Rel['many'] extends true
  ? R[]
  : Rel extends { readonly required: true }
    ? R
    : R | null

/** Type-only key of the row type a query yields (no runtime value). */
export declare const queryRow: unique symbol

/**
 * Any query builder, seen only through the rows it yields: what subqueries and nested
 * includes accept. Covariant in R, so every `QueryBuilder<M, R, J>` is a `Query<R>`.
 */
export interface Query<R = unknown> {
  readonly [queryRow]: R
}

/** Type-only key of the placeholders a query takes (no runtime value). */
export declare const queryParams: unique symbol

/**
 * A query seen through the placeholders it takes: how a nested query (a group, a relation
 * filter, an include) hands its placeholders to the query around it.
 */
export interface Parameterized<P extends object> {
  readonly [queryParams]: P
}

/** What `paginate` returns. */
export interface Page<R> {
  readonly rows: R[]
  readonly total: number
  readonly page: number
  readonly perPage: number
  readonly pages: number
}

/** Guard for update / delete by condition: without a where they refuse unless `all: true`. */
export interface AllRowsOption {
  readonly all?: boolean
}

/**
 * How a row lock waits: `skipLocked` leaves rows another transaction holds out of the
 * result (the job-queue pattern), `noWait` fails at once instead of waiting; `of` locks only
 * the rows of these models (the query's own or joined ones).
 */
export interface LockOptions {
  readonly skipLocked?: true
  readonly noWait?: true
  readonly of?: readonly object[]
}

/**
 * The row type a query gives: `type FeedRow = RowOf<typeof feed>` instead of
 * `Awaited<ReturnType<typeof feed.fetch>>[number]`.
 */
export type RowOf<Q> = Q extends Query<infer R> ? R : never
