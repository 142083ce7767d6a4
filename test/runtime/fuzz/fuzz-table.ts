import { modelsOf } from '../../support/models.ts'

/** Which value classes a column's type reads as its own (hostile-values.ts). */
export type ColumnKind =
  | 'uuid'
  | 'text'
  | 'varchar'
  | 'boolean'
  | 'integer'
  | 'real'
  | 'numeric'
  | 'time'
  | 'text_like'
  | 'json'
  | 'bytea'
  | 'array'

export interface FuzzColumn {
  readonly name: string
  readonly kind: ColumnKind
  /** The column's type as PostgreSQL names it: what the oracle casts the canonical text to. */
  readonly sqlType: string
  readonly array: boolean
  readonly json: boolean
}

/**
 * One table with a column of every type fluentorm maps, all nullable, plus `tag`: a unique
 * text key each case sets itself (the upserts' conflict target, and how rows are found).
 */
export const Item = Object.values(
  modelsOf({
    fz_items(t) {
      t.increments({ name: 'id', primaryKey: true })
      t.string({ name: 'tag', unique: true })
      t.uuid({ name: 'u', nullable: true })
      t.string({ name: 't', nullable: true })
      t.varchar({ name: 'vc', length: 8, nullable: true })
      t.boolean({ name: 'b', nullable: true })
      t.smallInt({ name: 'si', nullable: true })
      t.integer({ name: 'i', nullable: true })
      t.bigInt({ name: 'bi', nullable: true })
      t.float({ name: 'r', nullable: true })
      t.double({ name: 'd', nullable: true })
      t.decimal({ name: 'n', precision: 12, scale: 4, nullable: true })
      t.timestamptz({ name: 'tz', nullable: true })
      t.dateTime({ name: 'ts', nullable: true })
      t.date({ name: 'dt', nullable: true })
      t.time({ name: 'tm', nullable: true })
      t.interval({ name: 'iv', nullable: true })
      t.json({ name: 'j', nullable: true })
      t.jsonb({ name: 'jb', nullable: true })
      t.binary({ name: 'by', nullable: true })
      t.enum({ name: 'mood', values: ['ok', 'not ok', "it's", 'a"b'], nullable: true })
      t.string({ name: 'ta', array: true, nullable: true })
      t.integer({ name: 'ia', array: true, nullable: true })
      t.bigInt({ name: 'ba', array: true, nullable: true })
      t.boolean({ name: 'boa', array: true, nullable: true })
      t.timestamptz({ name: 'tza', array: true, nullable: true })
      t.enum({ name: 'ma', values: ['x', 'y z', '{w}'], array: true, nullable: true })
    },
  }),
)[0]!

const KINDS: Readonly<Record<string, ColumnKind>> = {
  u: 'uuid',
  t: 'text',
  vc: 'varchar',
  b: 'boolean',
  si: 'integer',
  i: 'integer',
  bi: 'integer',
  r: 'real',
  d: 'real',
  n: 'numeric',
  tz: 'time',
  ts: 'time',
  dt: 'time',
  tm: 'text_like',
  iv: 'text_like',
  j: 'json',
  jb: 'json',
  by: 'bytea',
  mood: 'text_like',
}

interface MetaColumn {
  readonly name: string
  readonly type: string
  readonly sqlType: string
  readonly array: boolean
}

/** The columns a case may put a hostile value in, read from the compiled schema. */
export const FUZZ_COLUMNS: readonly FuzzColumn[] = (
  Item.meta.table.columns as readonly MetaColumn[]
)
  .filter((column) => column.name !== 'id' && column.name !== 'tag')
  .map((column) => ({
    name: column.name,
    kind: column.array ? 'array' : KINDS[column.name]!,
    sqlType: column.sqlType,
    array: column.array,
    json: column.type === 'json' || column.type === 'jsonb',
  }))

/** Rows every case finds in the table: the condition positions have something to match. */
export const BASE_ROWS = [
  { tag: 'base-0', t: 'ok', i: 1, bi: 1n, mood: 'ok', jb: { a: 1, k: [1, 2] }, ta: ['a', 'b'] },
  { tag: 'base-1', t: '{1,2}', i: -5, bi: 2n ** 63n - 1n, mood: "it's", jb: ['x'], ia: [1, 2] },
  { tag: 'base-2', t: null, i: null, d: 1.5, n: '12.5', tz: new Date(0), jb: null, by: null },
] as const
