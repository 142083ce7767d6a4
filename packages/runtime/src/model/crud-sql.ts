import type { ColumnIR } from '@fluentorm/core'
import { quoteIdent } from '../query/sql-ident.ts'
import { columnValue } from './column-value.ts'
import { primaryKeyCondition } from './primary-key.ts'
import type { TableInfo } from './table-info.ts'

/**
 * The SQL of the model methods, as pure functions of the table. Each text is built once per
 * model (or once per column set) and then run as a named prepared statement.
 */

const notDeleted = ' AND "deleted_at" IS NULL'

/** `SELECT … FROM "users" WHERE "id" = $1 AND "deleted_at" IS NULL LIMIT 1` */
export function findByIdSql(info: TableInfo, withDeleted: boolean): string {
  const filter = info.softDelete && !withDeleted ? notDeleted : ''
  return `SELECT ${info.returning} FROM ${info.quoted} WHERE ${primaryKeyCondition(info, 'findById')}${filter} LIMIT 1`
}

/** `SELECT … FROM "users" WHERE "deleted_at" IS NULL ORDER BY "id"` */
export function findAllSql(info: TableInfo, withDeleted: boolean): string {
  const filter = info.softDelete && !withDeleted ? ' WHERE "deleted_at" IS NULL' : ''
  const order = info.primaryKey.map((column) => quoteIdent(column.name)).join(', ')
  return `SELECT ${info.returning} FROM ${info.quoted}${filter}${order ? ` ORDER BY ${order}` : ''}`
}

/** `SELECT count(*) AS "count" FROM "users" WHERE "deleted_at" IS NULL` */
export function countSql(info: TableInfo, withDeleted: boolean): string {
  const filter = info.softDelete && !withDeleted ? ' WHERE "deleted_at" IS NULL' : ''
  return `SELECT count(*) AS "count" FROM ${info.quoted}${filter}`
}

/** `INSERT INTO "users" ("email", "name") VALUES ($1, $2) RETURNING …` */
export function insertSql(info: TableInfo, columns: readonly ColumnIR[]): string {
  if (columns.length === 0) {
    return `INSERT INTO ${info.quoted} DEFAULT VALUES RETURNING ${info.returning}`
  }
  const names = columns.map((column) => quoteIdent(column.name)).join(', ')
  const params = columns.map((_, i) => `$${i + 1}`).join(', ')
  return `INSERT INTO ${info.quoted} (${names}) VALUES (${params}) RETURNING ${info.returning}`
}

/**
 * One multi-row insert: `VALUES ($1, $2), ($3, DEFAULT)`. A row that leaves an optional
 * column out gets `DEFAULT` in that slot, so SQL defaults apply per row.
 */
export function insertManySql(
  info: TableInfo,
  columns: readonly ColumnIR[],
  rows: readonly Record<string, unknown>[],
  returning: boolean,
): { text: string; values: unknown[] } {
  const values: unknown[] = []
  const tuples = rows.map((row) => {
    const slots = columns.map((column) => {
      const value = row[column.name]
      if (value === undefined) return 'DEFAULT'
      values.push(columnValue(column, value))
      return `$${values.length}`
    })
    return `(${slots.join(', ')})`
  })
  const names = columns.map((column) => quoteIdent(column.name)).join(', ')
  const text = `INSERT INTO ${info.quoted} (${names}) VALUES ${tuples.join(', ')}${returningClause(info, returning)}`
  return { text, values }
}

/**
 * A multi-row insert with one array parameter per column, whatever the row count:
 * `INSERT INTO "tags" ("name") SELECT * FROM unnest($1::TEXT[]) RETURNING "id", "name"`.
 * The text depends only on the columns, so it is prepared once; PostgreSQL parses one
 * array instead of binding a parameter per value. Rows are inserted, and returned, in
 * array order.
 */
export function unnestInsertSql(
  info: TableInfo,
  columns: readonly ColumnIR[],
  returning: boolean,
): string {
  const names = columns.map((column) => quoteIdent(column.name)).join(', ')
  const arrays = columns.map((column, i) => `$${i + 1}::${elementType(column)}[]`).join(', ')
  return `INSERT INTO ${info.quoted} (${names}) SELECT * FROM unnest(${arrays})${returningClause(info, returning)}`
}

function returningClause(info: TableInfo, returning: boolean): string {
  return returning ? ` RETURNING ${info.returning}` : ''
}

/**
 * The array element type without its modifier: an explicit cast to `VARCHAR(12)` would
 * silently truncate a longer string, where the insert's own assignment must refuse it.
 */
function elementType(column: ColumnIR): string {
  return column.type === 'enum' ? column.sqlType : column.sqlType.replace(/\(.*\)$/, '')
}

/**
 * `INSERT … ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name", … RETURNING …`.
 * Sets every sent column that is not part of the conflict target or the primary key, and
 * restores a soft-deleted row it lands on.
 */
export function upsertSql(
  info: TableInfo,
  columns: readonly ColumnIR[],
  conflict: readonly ColumnIR[],
): string {
  const keys = new Set([...conflict, ...info.primaryKey].map((column) => column.name))
  const assignments = columns
    .filter((column) => !keys.has(column.name) && column.updateInput)
    .map((column) => `${quoteIdent(column.name)} = EXCLUDED.${quoteIdent(column.name)}`)
  if (info.table.updatedAt) assignments.push('"updated_at" = CURRENT_TIMESTAMP')
  // Upserting a row that was soft-deleted brings it back: the caller asked for it to exist
  // (unless the caller sends deleted_at itself, which the assignments above then set).
  if (info.softDelete && !columns.some((column) => column.name === 'deleted_at')) {
    assignments.push('"deleted_at" = NULL')
  }
  // DO NOTHING would return no row on conflict; a no-op assignment returns the existing row.
  if (assignments.length === 0) {
    const first = quoteIdent(conflict[0]!.name)
    assignments.push(`${first} = EXCLUDED.${first}`)
  }
  const target = conflict.map((column) => quoteIdent(column.name)).join(', ')
  const insert = insertSql(info, columns).replace(/ RETURNING .*$/s, '')
  return `${insert} ON CONFLICT (${target}) DO UPDATE SET ${assignments.join(', ')} RETURNING ${info.returning}`
}

/**
 * `UPDATE "users" SET "name" = $2, "updated_at" = CURRENT_TIMESTAMP WHERE "id" = $1 AND
 * "deleted_at" IS NULL RETURNING …`: the key takes the first placeholders, then the columns.
 */
export function updateSql(info: TableInfo, columns: readonly ColumnIR[]): string {
  const first = info.primaryKey.length + 1
  const assignments = columns.map((column, i) => `${quoteIdent(column.name)} = $${first + i}`)
  if (info.table.updatedAt) assignments.push('"updated_at" = CURRENT_TIMESTAMP')
  const filter = info.softDelete ? notDeleted : ''
  return `UPDATE ${info.quoted} SET ${assignments.join(', ')} WHERE ${primaryKeyCondition(info, 'update')}${filter} RETURNING ${info.returning}`
}

/** `UPDATE "users" SET "deleted_at" = CURRENT_TIMESTAMP WHERE "id" = $1 AND "deleted_at" IS NULL` */
export function softDeleteSql(info: TableInfo): string {
  return `UPDATE ${info.quoted} SET "deleted_at" = CURRENT_TIMESTAMP WHERE ${primaryKeyCondition(info, 'softDelete')}${notDeleted}`
}

/** `UPDATE "users" SET "deleted_at" = NULL WHERE "id" = $1 AND "deleted_at" IS NOT NULL` */
export function restoreSql(info: TableInfo): string {
  return `UPDATE ${info.quoted} SET "deleted_at" = NULL WHERE ${primaryKeyCondition(info, 'restore')} AND "deleted_at" IS NOT NULL`
}

/** `DELETE FROM "users" WHERE "id" = $1` */
export function hardDeleteSql(info: TableInfo): string {
  return `DELETE FROM ${info.quoted} WHERE ${primaryKeyCondition(info, 'hardDelete')}`
}

/** True when the table is visible on the current search_path. */
export const tableExistsSql = 'SELECT to_regclass($1) IS NOT NULL AS "exists"'

/** `TRUNCATE TABLE "users" RESTART IDENTITY CASCADE` */
export function truncateSql(info: TableInfo): string {
  return `TRUNCATE TABLE ${info.quoted} RESTART IDENTITY CASCADE`
}
