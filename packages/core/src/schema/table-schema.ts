import { type CallSite, captureCallSite } from './call-site.ts'
import {
  type BelongsToOptions,
  type CustomOptions,
  type EnumOptions,
  type FieldOptions,
  type HasOptions,
  type IncrementsOptions,
  type IndexOptions,
  type JsonOptions,
  type ManyToManyOptions,
  type NumericOptions,
  sql,
  type TimestampOptions,
  type TimestampPrecisionOptions,
  type VarcharOptions,
  type ViewOptions,
} from './field-options.ts'
import type { DomainOptions, FunctionOptions, TriggerOptions } from './object-options.ts'
import type { PartitionByOptions, PartitionOptions } from './partition-options.ts'
import type { ColumnType } from './schema-ir.ts'

export type {
  BelongsToOptions,
  CustomOptions,
  DefaultValue,
  EnumOptions,
  FieldOptions,
  HasOptions,
  IncrementsOptions,
  IndexKey,
  IndexOptions,
  JsonOptions,
  ManyToManyOptions,
  NumericOptions,
  SqlExpression,
  SqlFragmentLike,
  SqlSource,
  TimestampOptions,
  TimestampPrecisionOptions,
  VarcharOptions,
  ViewOptions,
} from './field-options.ts'
export { sql } from './field-options.ts'
export type {
  DomainOptions,
  FunctionArgument,
  FunctionOptions,
  TriggerEvent,
  TriggerOptions,
} from './object-options.ts'
export type {
  PartitionByOptions,
  PartitionOptions,
  PartitionStrategy,
  PartitionValue,
} from './partition-options.ts'

/** Where a builder call came from: its schema file, and its call site when the compiler records them. */
export interface DraftOrigin {
  readonly source: string
  readonly site?: CallSite
}

/** What a builder call recorded, before validation. The compiler turns drafts into the IR. */
export interface ColumnDraft extends DraftOrigin {
  readonly type: ColumnType
  readonly options: FieldOptions &
    Partial<
      VarcharOptions &
        NumericOptions &
        TimestampOptions &
        EnumOptions &
        IncrementsOptions &
        CustomOptions
    >
  readonly identity: boolean
}

export type TableDraftEntry = (
  | { readonly kind: 'column'; readonly column: ColumnDraft }
  | { readonly kind: 'primaryKey'; readonly columns: readonly string[] }
  | { readonly kind: 'unique'; readonly columns: readonly string[]; readonly name?: string }
  | { readonly kind: 'check'; readonly name: string; readonly expression: string }
  | { readonly kind: 'index'; readonly options: IndexOptions }
  | { readonly kind: 'belongsTo'; readonly options: BelongsToOptions }
  | { readonly kind: 'hasOne' | 'hasMany'; readonly options: HasOptions }
  | { readonly kind: 'manyToMany'; readonly options: ManyToManyOptions }
  | { readonly kind: 'renamedFrom'; readonly names: readonly string[] }
  | { readonly kind: 'extension'; readonly name: string }
  | { readonly kind: 'comment'; readonly text: string }
  | { readonly kind: 'view'; readonly options: ViewOptions }
  | { readonly kind: 'partitionBy'; readonly options: PartitionByOptions }
  | { readonly kind: 'partition'; readonly options: PartitionOptions }
  | { readonly kind: 'function'; readonly options: FunctionOptions }
  | { readonly kind: 'trigger'; readonly options: TriggerOptions }
  | { readonly kind: 'domain'; readonly options: DomainOptions }
) &
  DraftOrigin

/**
 * The schema DSL. A schema file exports `build(t: TableSchema)`, which calls these
 * builders; several files may build one table, in prefix order.
 *
 * ```ts
 * export function build(t: TableSchema): void {
 *   t.uuid({ name: 'id', primaryKey: true })   // id UUID PRIMARY KEY DEFAULT gen_random_uuid()
 *   t.string({ name: 'email', unique: true })  // email TEXT NOT NULL UNIQUE
 *   t.timestamps()
 * }
 * ```
 */
export class TableSchema {
  readonly #entries: TableDraftEntry[] = []
  readonly #callSites: boolean
  #source: string

  /** `callSites`: record where each builder is called, so problems can give a line. */
  constructor(
    readonly tableName: string,
    source = '',
    options: { callSites?: boolean } = {},
  ) {
    this.#source = source
    this.#callSites = options.callSites === true
  }

  /** @internal The file whose `build` is running; set by the loader between files. */
  setSource(source: string): void {
    this.#source = source
  }

  /** @internal Everything recorded so far, in call order. */
  entries(): readonly TableDraftEntry[] {
    return this.#entries
  }

  /** The file whose build is running, and the call site when they are recorded. */
  #origin(): DraftOrigin {
    return this.#callSites
      ? { source: this.#source, site: captureCallSite() }
      : { source: this.#source }
  }

  #column(type: ColumnType, options: ColumnDraft['options'], identity = false): void {
    this.#entries.push({
      kind: 'column',
      column: { type, options: { ...options }, identity, ...this.#origin() },
      source: this.#source,
    })
  }

  /** `UUID`; as a primary key it defaults to `gen_random_uuid()`. */
  uuid(options: FieldOptions): void {
    this.#column('uuid', options)
  }
  /** `TEXT`. */
  string(options: FieldOptions): void {
    this.#column('text', options)
  }
  /** `TEXT` (alias of `string`). */
  text(options: FieldOptions): void {
    this.#column('text', options)
  }
  /** `VARCHAR(n)`. */
  varchar(options: VarcharOptions): void {
    this.#column('varchar', options)
  }
  /** `BOOLEAN`. */
  boolean(options: FieldOptions): void {
    this.#column('boolean', options)
  }
  /** `SMALLINT` (rows: number). */
  smallInt(options: FieldOptions): void {
    this.#column('smallint', options)
  }
  /** `INTEGER` (rows: number). */
  integer(options: FieldOptions): void {
    this.#column('integer', options)
  }
  /** `BIGINT` (rows: bigint). */
  bigInt(options: FieldOptions): void {
    this.#column('bigint', options)
  }
  /** `REAL` (4-byte float). */
  float(options: FieldOptions): void {
    this.#column('real', options)
  }
  /** `DOUBLE PRECISION`. */
  double(options: FieldOptions): void {
    this.#column('double', options)
  }
  /** `NUMERIC` or `NUMERIC(p, s)` (rows: string, exact). */
  numeric(options: NumericOptions): void {
    this.#column('numeric', options)
  }
  /** `NUMERIC(p, s)` with precision and scale required. */
  decimal(options: NumericOptions & { precision: number; scale: number }): void {
    this.#column('numeric', options)
  }
  /** `TIMESTAMP(3)` without time zone (rows: Date, read as UTC). */
  dateTime(options: TimestampOptions): void {
    this.#column('timestamp', options)
  }
  /** `TIMESTAMPTZ(3)` (rows: Date); `{ mode: 'string' }`: `TIMESTAMPTZ(6)`, rows: string. */
  timestamptz(options: TimestampOptions): void {
    this.#column('timestamptz', options)
  }
  /** `DATE` (rows: 'YYYY-MM-DD' string). */
  date(options: FieldOptions): void {
    this.#column('date', options)
  }
  /** `TIME` (rows: 'HH:MM:SS' string). */
  time(options: FieldOptions): void {
    this.#column('time', options)
  }
  /** `INTERVAL` (rows: string). */
  interval(options: FieldOptions): void {
    this.#column('interval', options)
  }
  /** `JSON` (rows: parsed value, typed `tsType`). */
  json(options: JsonOptions): void {
    this.#column('json', options)
  }
  /** `JSONB` (rows: parsed value, typed `tsType`). */
  jsonb(options: JsonOptions): void {
    this.#column('jsonb', options)
  }
  /** Any other PostgreSQL type (`citext`, `inet`, `tsvector`, `vector(3)`): rows carry its text. */
  custom(options: CustomOptions): void {
    this.#column('custom', options)
  }
  /** `BYTEA` (rows: Uint8Array). */
  binary(options: FieldOptions): void {
    this.#column('bytea', options)
  }
  /** A PostgreSQL enum type (rows: a union of the values). */
  enum(options: EnumOptions): void {
    this.#column('enum', options)
  }
  /** `INTEGER GENERATED ALWAYS AS IDENTITY`, excluded from inputs (`identity: 'byDefault'`: optional). */
  increments(options: IncrementsOptions): void {
    this.#column('integer', options, true)
  }
  /** `BIGINT GENERATED ALWAYS AS IDENTITY`, excluded from inputs (`identity: 'byDefault'`: optional). */
  bigIncrements(options: IncrementsOptions): void {
    this.#column('bigint', options, true)
  }

  /** `created_at` and `updated_at`, `TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP`; updates set `updated_at`. */
  timestamps(options: TimestampPrecisionOptions = {}): void {
    for (const name of ['created_at', 'updated_at']) {
      // The helper's own fields last: an untyped caller cannot rename or re-default its columns.
      this.#column('timestamptz', {
        ...options,
        name,
        defaultValue: sql('CURRENT_TIMESTAMP'),
        createInput: 'excluded',
        updateInput: false,
        autoGenerated: true,
      })
    }
  }

  /** `deleted_at TIMESTAMPTZ(3)` (nullable): reads skip rows where it is set. */
  softDelete(options: TimestampPrecisionOptions = {}): void {
    this.#column('timestamptz', {
      ...options,
      name: 'deleted_at',
      notNull: false,
      createInput: 'excluded',
      updateInput: false,
    })
  }

  /** A composite primary key. */
  primaryKey(columns: readonly string[]): void {
    this.#entries.push({ kind: 'primaryKey', columns: [...columns], ...this.#origin() })
  }

  /** A (composite) UNIQUE constraint. @default name `<table>_<columns>_key` */
  unique(columns: readonly string[], options: { name?: string } = {}): void {
    this.#entries.push({ kind: 'unique', columns: [...columns], ...options, ...this.#origin() })
  }

  /** A named CHECK constraint over raw SQL. */
  check(name: string, expression: string): void {
    this.#entries.push({ kind: 'check', name, expression, ...this.#origin() })
  }

  /** Indexes: named or auto-named, composite, unique, partial (`where`), any method. */
  addIndexes(indexes: readonly IndexOptions[]): void {
    for (const options of indexes) {
      this.#entries.push({
        kind: 'index',
        options: { ...options, columns: [...options.columns] },
        ...this.#origin(),
      })
    }
  }

  /** Many-to-one through an FK column on this table. */
  belongsTo(options: BelongsToOptions): void {
    this.#entries.push({ kind: 'belongsTo', options: { ...options }, ...this.#origin() })
  }

  /** One related row whose FK points at this table. */
  hasOne(options: HasOptions): void {
    this.#entries.push({ kind: 'hasOne', options: { ...options }, ...this.#origin() })
  }

  /** Related rows whose FK points at this table. */
  hasMany(options: HasOptions): void {
    this.#entries.push({ kind: 'hasMany', options: { ...options }, ...this.#origin() })
  }

  /** Many-to-many through a junction table (declared in schemas/, or created for you). */
  manyToMany(options: ManyToManyOptions): void {
    this.#entries.push({ kind: 'manyToMany', options: { ...options }, ...this.#origin() })
  }

  /**
   * An extension the table's columns need (`citext`, `vector`): the migration runs
   * `CREATE EXTENSION IF NOT EXISTS` before the tables that name it.
   */
  extension(name: string): void {
    this.#entries.push({ kind: 'extension', name, ...this.#origin() })
  }

  /** `COMMENT ON TABLE`: what the table holds, for whoever reads the database. */
  comment(text: string): void {
    this.#entries.push({ kind: 'comment', text, ...this.#origin() })
  }

  /**
   * Makes this a read-only model over a view: `CREATE VIEW <table> AS <as>` (or `MATERIALIZED`),
   * created after every table and replaced when its body or columns change. The columns
   * declared next are the view's, as it returns them; a key makes findById and includes work.
   */
  view(options: ViewOptions): void {
    this.#entries.push({ kind: 'view', options: { ...options }, ...this.#origin() })
  }

  /**
   * An SQL function, created before the tables (after them when its signature names a table)
   * and replaced when its definition changes. A file that declares only functions and domains
   * makes no table.
   */
  function(options: FunctionOptions): void {
    const args = Array.isArray(options.args)
      ? { args: options.args.map((arg) => ({ ...arg })) }
      : {}
    this.#entries.push({ kind: 'function', options: { ...options, ...args }, ...this.#origin() })
  }

  /** A trigger on this table (or view) running a function: `CREATE TRIGGER … EXECUTE FUNCTION`. */
  trigger(options: TriggerOptions): void {
    this.#entries.push({ kind: 'trigger', options: { ...options }, ...this.#origin() })
  }

  /** A domain, created before the tables: a column uses it with `t.custom({ type: name })`. */
  domain(options: DomainOptions): void {
    this.#entries.push({ kind: 'domain', options: { ...options }, ...this.#origin() })
  }

  /**
   * Partitions the table: `CREATE TABLE … PARTITION BY RANGE | LIST | HASH (<columns>)`. Its
   * primary key and unique constraints must include the key columns; its model reads and
   * writes the whole table, PostgreSQL routing each row to its partition.
   */
  partitionBy(options: PartitionByOptions): void {
    this.#entries.push({ kind: 'partitionBy', options: { ...options }, ...this.#origin() })
  }

  /**
   * One partition: `CREATE TABLE <name> PARTITION OF <table> FOR VALUES …` with
   * `{ from, to }` (range), `{ in }` (list), `{ modulus, remainder }` (hash) or `{ default: true }`.
   */
  partition(options: PartitionOptions): void {
    this.#entries.push({ kind: 'partition', options: { ...options }, ...this.#origin() })
  }

  /** Earlier name(s) of this table: the migration diff renames instead of drop + create. */
  renamedFrom(...names: string[]): void {
    this.#entries.push({ kind: 'renamedFrom', names, ...this.#origin() })
  }
}
