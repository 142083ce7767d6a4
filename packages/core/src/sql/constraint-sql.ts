import type {
  BelongsToIR,
  Deferrable,
  EnumIR,
  IndexIR,
  IndexKeyIR,
  TableIR,
} from '../schema/schema-ir.ts'
import { columnList } from './create-table-sql.ts'
import { dollarQuote } from './dollar-quote.ts'
import { quoteIdent, quoteLiteral } from './identifier.ts'

/**
 * `CREATE TYPE … AS ENUM`, guarded so that re-running it (or another table's file
 * creating the same shared type) is harmless.
 *
 * ```sql
 * DO $fluentorm$
 * BEGIN
 *   CREATE TYPE post_status AS ENUM ('draft', 'published');
 * EXCEPTION
 *   WHEN duplicate_object THEN NULL;
 * END
 * $fluentorm$
 * ```
 */
export function createEnumSql(item: EnumIR): string {
  const values = item.values.map(quoteLiteral).join(', ')
  return `DO ${dollarQuote(
    `BEGIN\n  CREATE TYPE ${quoteIdent(item.name)} AS ENUM (${values});\nEXCEPTION\n  WHEN duplicate_object THEN NULL;\nEND`,
  )}`
}

/** `CREATE EXTENSION IF NOT EXISTS citext`: harmless where the extension is installed. */
export function createExtensionSql(name: string): string {
  return `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(name)}`
}

/**
 * The FK of a belongsTo, added only when the table has no constraint of that name yet,
 * so the statement can be re-run.
 *
 * ```sql
 * DO $fluentorm$
 * BEGIN
 *   IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_posts_author' AND conrelid = 'posts'::regclass) THEN
 *     ALTER TABLE posts ADD CONSTRAINT fk_posts_author FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE ON UPDATE NO ACTION;
 *   END IF;
 * END
 * $fluentorm$
 * ```
 */
export function foreignKeySql(table: TableIR, relation: BelongsToIR): string {
  const tableName = quoteIdent(table.name)
  const exists = `SELECT 1 FROM pg_constraint WHERE conname = ${quoteLiteral(relation.constraintName)} AND conrelid = ${quoteLiteral(tableName)}::regclass`
  const alter =
    `ALTER TABLE ${tableName} ADD CONSTRAINT ${quoteIdent(relation.constraintName)} ` +
    `FOREIGN KEY (${quoteIdent(relation.column)}) REFERENCES ${quoteIdent(relation.referencesTable)} (${quoteIdent(relation.referencesColumn)}) ` +
    `ON DELETE ${relation.onDelete.toUpperCase()} ON UPDATE ${relation.onUpdate.toUpperCase()}${deferrableSql(relation)};`
  return `DO ${dollarQuote(`BEGIN\n  IF NOT EXISTS (${exists}) THEN\n    ${alter}\n  END IF;\nEND`)}`
}

/** ` DEFERRABLE INITIALLY DEFERRED` (or `IMMEDIATE`) after a foreign key's actions, or nothing. */
export function deferrableSql(fk: BelongsToIR): string {
  return fk.deferrable === undefined ? '' : ` ${deferrabilitySql(fk.deferrable)}`
}

/** `DEFERRABLE INITIALLY DEFERRED` (or `IMMEDIATE`), or `NOT DEFERRABLE`: as `ALTER CONSTRAINT` takes it. */
export function deferrabilitySql(deferrable: Deferrable | undefined): string {
  return deferrable === undefined
    ? 'NOT DEFERRABLE'
    : `DEFERRABLE INITIALLY ${deferrable.toUpperCase()}`
}

/** The belongsTo relations of a table that have a FOREIGN KEY constraint (not `constraint: false`). */
export function constrainedForeignKeys(table: TableIR): BelongsToIR[] {
  return table.relations.filter(
    (r): r is BelongsToIR => r.kind === 'belongsTo' && r.constraint !== false,
  )
}

/**
 * ```sql
 * CREATE UNIQUE INDEX IF NOT EXISTS idx_posts_slug ON posts USING btree (slug) WHERE deleted_at IS NULL
 * ```
 */
export function createIndexSql(table: TableIR, index: IndexIR): string {
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(index.name)} ${indexTargetSql(table.name, index)}`
}

/**
 * What follows an index's name: `ON posts USING gin (keys) INCLUDE (…) WITH (…) WHERE …`.
 * An expression key is written in parentheses (PostgreSQL requires them around anything but a
 * function call, and takes them around one).
 */
export function indexTargetSql(table: string, index: IndexIR): string {
  const keys = (index.keys ?? index.columns.map((column): IndexKeyIR => ({ column }))).map((key) =>
    [
      key.column === undefined ? `(${key.expression})` : quoteIdent(key.column),
      key.opclass,
      key.order === 'desc' ? 'DESC' : undefined,
      key.nulls === undefined ? undefined : `NULLS ${key.nulls.toUpperCase()}`,
    ]
      .filter((part) => part !== undefined)
      .join(' '),
  )
  const storage = Object.entries(index.with ?? {}).map(([name, value]) => `${name} = ${value}`)
  return [
    `ON ${quoteIdent(table)}`,
    index.method === null ? null : `USING ${index.method}`,
    `(${keys.join(', ')})`,
    index.include === undefined ? null : `INCLUDE (${columnList(index.include)})`,
    storage.length === 0 ? null : `WITH (${storage.join(', ')})`,
    index.where === null ? null : `WHERE ${index.where}`,
  ]
    .filter((part) => part !== null)
    .join(' ')
}
