import type { Driver } from '../executor/driver.ts'

/**
 * Invalid indexes: what a failed `CREATE [UNIQUE] INDEX CONCURRENTLY` leaves behind. PostgreSQL
 * keeps the half-built index, marked `pg_index.indisvalid = false`: it enforces nothing (not
 * even UNIQUE) and no query uses it, yet `IF NOT EXISTS` sees it and skips the statement. The
 * runner drops such an index before building it again, and records no migration while an
 * index it creates is invalid; `status` reports the ones in the schema (docs/MIGRATIONS.md).
 */
export interface InvalidIndex {
  readonly name: string
  readonly table: string
  /** Schema-qualified and quoted, for the `DROP INDEX CONCURRENTLY` to run. */
  readonly qualified: string
  /** `pg_get_indexdef`: `CREATE UNIQUE INDEX idx ON public.users USING btree (email)`. */
  readonly definition: string
  /** The backend building it right now (a `CREATE INDEX CONCURRENTLY` in progress), else null. */
  readonly buildingPid: number | null
}

/** The index a `CREATE INDEX` statement names, and the table it is on (as written). */
export interface CreatedIndex {
  readonly name: string
  readonly table: string
  readonly concurrently: boolean
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)`
const QUALIFIED = String.raw`${IDENT}(?:\s*\.\s*${IDENT})*`
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?!(?:ON|CONCURRENTLY|IF)\s)(${IDENT})\s+ON\s+(?:ONLY\s+)?(${QUALIFIED})`,
  'i',
)
const DROP_INDEX = new RegExp(
  String.raw`^DROP\s+INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+EXISTS\s+)?(${QUALIFIED}(?:\s*,\s*${QUALIFIED})*)`,
  'i',
)

/** `CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON users (email)` → idx on users; null for anything else (or an unnamed index). */
export function createdIndex(statement: string): CreatedIndex | null {
  const match = CREATE_INDEX.exec(withoutLeadingComments(statement))
  if (!match) return null
  return { name: identifierName(match[2]!), table: match[3]!, concurrently: match[1] !== undefined }
}

/** The indexes a `DROP INDEX` statement drops, as written: `DROP INDEX CONCURRENTLY IF EXISTS idx` → ['idx']. */
export function droppedIndexes(statement: string): string[] {
  const match = DROP_INDEX.exec(withoutLeadingComments(statement))
  if (!match) return []
  return [...match[1]!.matchAll(new RegExp(QUALIFIED, 'g'))].map((m) => m[0])
}

/**
 * The invalid ones among `indexes` (each looked up by name in its table's schema, as
 * `IF NOT EXISTS` looks), or with `indexes` null every invalid index of the current schema.
 * A partitioned table's own index is left out: it is invalid by design until each partition's
 * index is attached (`CREATE INDEX … ON ONLY`), and is never built CONCURRENTLY.
 */
export async function invalidIndexes(
  db: Driver,
  indexes: readonly CreatedIndex[] | null,
): Promise<InvalidIndex[]> {
  if (indexes !== null && indexes.length === 0) return []
  const scope =
    indexes === null
      ? 'n.nspname = current_schema()'
      : `(c.relname, c.relnamespace) IN (
           SELECT x.name, target.relnamespace
           FROM unnest($1::text[], $2::text[]) AS x(name, target_table)
           JOIN pg_class target ON target.oid = to_regclass(x.target_table))`
  const result = await db.query<{
    name: string
    table: string
    qualified: string
    definition: string
    building_pid: number | null
  }>({
    text: `SELECT c.relname AS name, t.relname AS "table",
        quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified,
        pg_get_indexdef(c.oid) AS definition,
        (SELECT p.pid FROM pg_stat_progress_create_index p WHERE p.index_relid = c.oid LIMIT 1) AS building_pid
      FROM pg_index i
      JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND c.relkind = 'i' AND ${scope}
      ORDER BY c.relname`,
    ...(indexes === null
      ? {}
      : { values: [indexes.map((index) => index.name), indexes.map((index) => index.table)] }),
  })
  return result.rows.map((row) => ({
    name: row.name,
    table: row.table,
    qualified: row.qualified,
    definition: row.definition,
    buildingPid: row.building_pid,
  }))
}

/** What to run by hand: drop the invalid index, then build it again without blocking writes. */
export function rebuildAdvice(index: InvalidIndex): string {
  const create = index.definition.replace(
    /^CREATE (UNIQUE )?INDEX /,
    'CREATE $1INDEX CONCURRENTLY ',
  )
  return `DROP INDEX CONCURRENTLY ${index.qualified}; then ${create};`
}

/** `status`'s line for an invalid index of the schema (one being built right now is not one). */
export function invalidIndexProblem(index: InvalidIndex): string {
  return `index ${index.name} on ${index.table} is INVALID (a CREATE INDEX CONCURRENTLY that failed left it): it enforces nothing, not even UNIQUE, and no query uses it. Fix what made it fail (for a unique index: the duplicate values), then build it again: ${rebuildAdvice(index)}`
}

/** `"Users"` → `Users`, `Users` → `users`: the name PostgreSQL stores. */
function identifierName(identifier: string): string {
  return identifier.startsWith('"')
    ? identifier.slice(1, -1).replace(/""/g, '"')
    : identifier.toLowerCase()
}

function withoutLeadingComments(statement: string): string {
  return statement.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
}
