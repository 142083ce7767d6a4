import type { PGlite } from '@electric-sql/pglite'

/** A row of `pg_type`, with an enum's labels in their order. */
export interface TypeRow {
  readonly oid: number
  readonly typname: string
  readonly typtype: string
  readonly typelem: number
  readonly typcategory: string
  readonly typbasetype: number
  /** Whether it is read by `array_in`: a true array (int2vector and oidvector are not). */
  readonly array_in: boolean
  readonly labels: readonly string[] | null
}

/**
 * What typing a statement reads from the catalog of the typing database, looked up once per
 * database state: every file typed at that state asks for the same few types and tables, so
 * after the first file a statement costs one round trip (its Parse and Describe). Concurrent
 * lookups of the same names share one query; a failed one is asked again.
 */
export interface TypingCatalog {
  /** The types of `oids`, with the element and base types they refer to (their closure). */
  types(oids: readonly number[]): Promise<ReadonlyMap<number, TypeRow>>
  /** `tableOid:columnNumber` of the NOT NULL columns of `tables`. */
  notNullColumns(tables: readonly number[]): Promise<ReadonlySet<string>>
  /** What `to_regclass` resolves each name to; null for none (a CTE's name, say). */
  relations(names: readonly string[]): Promise<readonly (number | null)[]>
}

/** A catalog reading `db`, valid while `db`'s schema stays as it is. */
export function createTypingCatalog(db: PGlite): TypingCatalog {
  const types = memoized<number, readonly TypeRow[]>(async (oids) => {
    const { rows } = await db.query<TypeRow & { wanted: number }>(TYPES_SQL, [oids])
    return oids.map((oid) => rows.filter((row) => row.wanted === oid))
  })
  const notNull = memoized<number, readonly string[]>(async (tables) => {
    const { rows } = await db.query<{ key: string; table: number }>(NOT_NULL_SQL, [tables])
    return tables.map((table) => rows.filter((row) => row.table === table).map((row) => row.key))
  })
  const relations = memoized<string, number | null>(async (names) => {
    const { rows } = await db.query<{ oid: number | null }>(RELATIONS_SQL, [names])
    return rows.map((row) => row.oid)
  })
  return {
    async types(oids) {
      const found = await types(oids)
      return new Map(found.flat().map((row) => [row.oid, row]))
    },
    async notNullColumns(tables) {
      return new Set((await notNull(tables)).flat())
    },
    relations,
  }
}

/**
 * Each type wanted with its closure over `typelem` (an array's element) and `typbasetype` (a
 * domain's base), tagged with the oid that wanted it, in one round trip.
 */
const TYPES_SQL = `WITH RECURSIVE closure(wanted, oid) AS (
    SELECT w, w FROM unnest($1::oid[]) AS w
    UNION
    SELECT c.wanted, next FROM closure c JOIN pg_type t ON t.oid = c.oid,
           unnest(ARRAY[t.typelem, t.typbasetype]) AS next
     WHERE next <> 0
  )
  SELECT c.wanted::int AS wanted, t.oid::int AS oid, t.typname, t.typtype,
         t.typelem::int AS typelem, t.typcategory, t.typbasetype::int AS typbasetype, t.typinput = 'array_in'::regproc AS array_in,
         (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
           WHERE e.enumtypid = t.oid) AS labels
    FROM closure c JOIN pg_type t ON t.oid = c.oid`

/**
 * A column is NOT NULL only when its constraint is validated: PostgreSQL 18 sets attnotnull
 * for a `NOT NULL … NOT VALID` constraint too, while rows from before it may hold null.
 */
const NOT_NULL_SQL = `SELECT a.attrelid::int AS table, a.attrelid::int8::text || ':' || a.attnum AS key
    FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND a.attnotnull
     AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conrelid = a.attrelid
           AND c.contype = 'n' AND NOT c.convalidated AND c.conkey = ARRAY[a.attnum])`

const RELATIONS_SQL = `SELECT to_regclass(name)::oid::int AS oid
    FROM unnest($1::text[]) WITH ORDINALITY AS wanted(name, n) ORDER BY n`

/**
 * `lookup` of many keys at once, remembered per key: a key asked before (or being asked) is
 * not asked again; `lookup` answers in the order of the keys it is given.
 */
function memoized<K, V>(
  lookup: (keys: K[]) => Promise<readonly V[]>,
): (keys: readonly K[]) => Promise<V[]> {
  const known = new Map<K, Promise<V>>()
  return (keys) => {
    const missing = [...new Set(keys)].filter((key) => !known.has(key))
    if (missing.length > 0) {
      const answer = lookup(missing)
      for (const [i, key] of missing.entries()) {
        const value = answer.then((values) => values[i] as V)
        known.set(key, value)
        value.catch(() => known.delete(key))
      }
    }
    return Promise.all(keys.map((key) => known.get(key) as Promise<V>))
  }
}
