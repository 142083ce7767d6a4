/**
 * What `fluentorm pull` makes of a database: for each table the DSL can express, the builder
 * calls of its schema file; for everything else, the SQL of the hand-written migration and
 * why it is there. Plain data, so the writer and the tests read the same thing.
 */

/** A raw SQL expression option, written as `sql('…')` in the schema file. */
export class SqlText {
  constructor(readonly sql: string) {}
}

export type OptionValue =
  | null
  | string
  | number
  | boolean
  | SqlText
  | readonly OptionValue[]
  | { readonly [key: string]: OptionValue }

/** One `t.<method>(...args)` line of a schema file. */
export interface SchemaCall {
  readonly method: string
  readonly args: readonly OptionValue[]
}

export interface PulledTable {
  readonly name: string
  /** `03_posts.ts`: numbered in foreign-key order. */
  readonly file: string
  readonly calls: readonly SchemaCall[]
}

/**
 * When a piece of the hand-written migration runs: types before the functions that use them,
 * tables before their columns, constraints and indexes, views and triggers last.
 */
export type UnexpressedStage =
  | 'extension'
  | 'type'
  | 'function'
  | 'table'
  | 'column'
  | 'column-fix'
  | 'table-function'
  | 'constraint'
  | 'foreign-key'
  | 'index'
  | 'view'
  | 'trigger'
  | 'policy'
  | 'comment'

/** An object (or a property of one) the DSL cannot express. */
export interface UnexpressedObject {
  readonly stage: UnexpressedStage
  /** `view active_users`, `column orders.ip`, `index idx_x`. */
  readonly object: string
  readonly reason: string
  /** The statement that makes it; null when pull cannot write it (reported only). */
  readonly sql: string | null
}

export interface PulledSchema {
  readonly schema: string
  readonly tables: readonly PulledTable[]
  /** The file of the functions and domains schema files declare (`00_functions.ts`), or null. */
  readonly objects: PulledTable | null
  readonly unexpressed: readonly UnexpressedObject[]
  /** Things written differently but equivalently (a timestamp's precision), for the report. */
  readonly notes: readonly string[]
}
