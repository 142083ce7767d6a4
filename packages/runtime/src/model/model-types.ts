import type { ModelMeta } from '@fluentorm/core/ir'
import type { Executor } from '../executor/driver.ts'
import type { QueryBuilder, ReadQuery } from '../query/query-builder.ts'
import type { ColumnRef, Sql } from '../sql/sql-fragment.ts'

/**
 * The type-level description of one model. The generated `.d.ts` declares one per model
 * (`UserTypes`) and the runtime's `Model<T>` derives every signature from it.
 */
export interface ModelTypes {
  readonly table: string
  /** A row as read: column name → decoded value. */
  readonly row: object
  /** Insert input: required and optional columns per the schema's createInput. */
  readonly create: object
  /** Update input: every updatable column, optional; `null` sets NULL, `undefined` keeps. */
  readonly update: object
  /** Primary-key value: a scalar, or an object of the key columns for a composite key. */
  readonly id: unknown
  readonly relations: { readonly [name: string]: RelationTypes }
  /**
   * The `redacted: true` columns (password hashes, tokens) and their values: not in `row`,
   * which is what a query gives unless it selects them by name.
   */
  readonly redacted?: object
}

/** The redacted columns of a model, or none. */
export type RedactedOf<T extends ModelTypes> = T extends {
  readonly redacted: infer X extends object
}
  ? X
  : Record<never, never>

/** Every column of a model with its value type: the row's and the redacted ones. */
export type AllColumns<T extends ModelTypes> = T['row'] & RedactedOf<T>

/**
 * `onConflict: 'nothing'`: a row that would violate a unique constraint (of the `conflict`
 * columns, or any) is skipped — `ON CONFLICT … DO NOTHING` — instead of failing the call.
 */
export interface InsertOptions<T extends ModelTypes> {
  readonly onConflict?: 'nothing'
  readonly conflict?: readonly ColumnName<T>[]
}

export interface InsertManyOptions<T extends ModelTypes = ModelTypes> extends InsertOptions<T> {
  /** `false`: no RETURNING, and the call resolves to the row count. @default true */
  readonly returning?: boolean
}

export interface RelationTypes {
  /**
   * The related model's ModelTypes. Typed `any` here on purpose: checking a model against
   * ModelTypes would otherwise walk every relation's target, and their targets, and overflow
   * tsc's stack (TS2321) on a chain of a hundred tables. `RelationTarget` checks the one
   * target an `include()` actually uses.
   */
  readonly target: any
  /** hasMany / manyToMany: an array; belongsTo / hasOne: one row or null. */
  readonly many: boolean
  /**
   * A belongsTo over a NOT NULL foreign key to a table without soft delete: the row always
   * exists, so an include gives it, never null (and its query may not filter it away).
   */
  readonly required?: true
}

/** Write input whose values may also be `sql` fragments: `{ view_count: sql`… + 1` }`. */
export type Writable<U> = { [K in keyof U]: U[K] | Sql<any> }

/** Column names of a model, redacted ones included. */
export type ColumnName<T extends ModelTypes> = keyof AllColumns<T> & string
/** Column names of the row a query gives by default (redacted columns left out). */
export type RowColumn<T extends ModelTypes> = keyof T['row'] & string

export interface FindOptions {
  /** Include soft-deleted rows. */
  readonly withDeleted?: boolean
}

export interface UpsertOptions<T extends ModelTypes> {
  /** Conflict target columns. @default the first unique column, else the primary key */
  readonly conflict?: readonly ColumnName<T>[]
  /**
   * The columns a conflict sets from the new row (with `updated_at`, and restoring a
   * soft-deleted row). `[]`: a conflict changes nothing and the existing row is returned.
   * @default every column the row sets (every row, for upsertMany) but the conflict columns
   * and the primary key
   */
  readonly update?: readonly ColumnName<T>[]
}

/** The static API of a generated model class (`User`, `Post`, …). */
export interface Model<T extends ModelTypes> {
  readonly meta: ModelMeta
  tableName(): T['table']
  createTable(db: Executor): Promise<void>
  createIndexes(db: Executor): Promise<void>
  tableExists(db: Executor): Promise<boolean>
  dropTable(db: Executor): Promise<void>
  truncate(db: Executor): Promise<void>
  insert(db: Executor, data: Writable<T['create']>): Promise<T['row']>
  /** With `onConflict: 'nothing'`: the row, or null when a conflict skipped it. */
  insert(
    db: Executor,
    data: Writable<T['create']>,
    options: InsertOptions<T> & { onConflict: 'nothing' },
  ): Promise<T['row'] | null>
  insertMany(db: Executor, rows: readonly Writable<T['create']>[]): Promise<T['row'][]>
  /** Without RETURNING: the number of rows inserted, for loads that do not need the rows back. */
  insertMany(
    db: Executor,
    rows: readonly Writable<T['create']>[],
    options: InsertManyOptions<T> & { returning: false },
  ): Promise<number>
  /** With onConflict 'nothing': only the rows inserted (the ones that conflicted are skipped). */
  insertMany(
    db: Executor,
    rows: readonly Writable<T['create']>[],
    options: InsertManyOptions<T> & { returning?: true },
  ): Promise<T['row'][]>
  insertMany(
    db: Executor,
    rows: readonly Writable<T['create']>[],
    options?: InsertManyOptions<T>,
  ): Promise<T['row'][] | number>
  findById(db: Executor, id: T['id'], options?: FindOptions): Promise<T['row'] | null>
  findAll(db: Executor, options?: FindOptions): Promise<T['row'][]>
  update(db: Executor, id: T['id'], data: Writable<T['update']>): Promise<T['row'] | null>
  upsert(db: Executor, data: Writable<T['create']>, options?: UpsertOptions<T>): Promise<T['row']>
  /** One statement inserting or updating every row; the rows back in input order. */
  upsertMany(
    db: Executor,
    rows: readonly Writable<T['create']>[],
    options?: UpsertOptions<T>,
  ): Promise<T['row'][]>
  softDelete(db: Executor, id: T['id']): Promise<boolean>
  restore(db: Executor, id: T['id']): Promise<boolean>
  hardDelete(db: Executor, id: T['id']): Promise<boolean>
  count(db: Executor, options?: FindOptions): Promise<number>
  /** A new query on this model: `Post.query().where(…).fetch(db)`. */
  query(): QueryBuilder<T>
  /**
   * A reference to one of this model's columns for another model's query (a correlated
   * subquery): `Comment.query().whereColumn('post_id', '=', Post.column('id'))`.
   */
  column(name: ColumnName<T>): ColumnRef
}

/** The writes a view's model has not (its rows come from its SELECT). */
export type ViewWrites =
  | 'insert'
  | 'insertMany'
  | 'update'
  | 'upsert'
  | 'upsertMany'
  | 'softDelete'
  | 'restore'
  | 'hardDelete'
  | 'truncate'

/**
 * The model of a view (`t.view({ as })`): reads, queries, includes and relations as a table's,
 * no write. The generated `.d.ts` types a view's model with it.
 */
export type ViewModel<T extends ModelTypes> = Omit<Model<T>, ViewWrites | 'query'> & {
  /** A new query on the view: reads only (no `update`, `delete` or `softDelete`). */
  query(): ReadQuery<ViewTypes<T>>
}

/** A view's types, marked so that its queries are typed without writes. */
export type ViewTypes<T extends ModelTypes> = T & { readonly view: true }

export interface RefreshOptions {
  /** `REFRESH … CONCURRENTLY`: reads go on meanwhile; needs a unique index on the view. @default false */
  readonly concurrently?: boolean
}

/** The model of a materialized view: a view's, and `refresh()`. */
export interface MaterializedViewModel<T extends ModelTypes> extends ViewModel<T> {
  /** `REFRESH MATERIALIZED VIEW`: runs its SELECT again and stores the rows. */
  refresh(db: Executor, options?: RefreshOptions): Promise<void>
}
