import type { ColumnIR } from '@fluentorm/core'
import type { ModelRuntime } from '../model/model-runtime.ts'
import { unnestType } from './column-types.ts'
import type { Frame } from './compiler.ts'
import type { Clause, Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import { type DeletedRows, emptyQuery, type QueryNode } from './query-node.ts'
import { columnList, QueryCompiler } from './select-compiler.ts'
import { done, type Statement } from './statement.ts'

/**
 * INSERT, UPDATE and DELETE: by primary key (the model's methods, rendered once as templates
 * with placeholders) and by condition (a query's update / delete). Column values are
 * expressions, so a bound value and a `sql` fragment are written alike.
 */

function compilerOf(runtime: ModelRuntime): QueryCompiler {
  return new QueryCompiler(runtime.tables)
}

/** The frame of a statement on the model's own table, under its own name. */
function ownFrame(runtime: ModelRuntime): Frame {
  const info = runtime.info
  return { own: { info, sql: info.quoted, named: true }, joins: new Map(), parent: null }
}

function returning(runtime: ModelRuntime, wanted = true): string {
  return wanted ? ` RETURNING ${columnList(runtime.info)}` : ''
}

function names(columns: readonly ColumnIR[]): string {
  return columns.map((column) => quoteIdent(column.name)).join(', ')
}

/** `"id" = $1 AND …`: the primary key's columns equal to `key` (one expression per column). */
export function keyQuery(
  runtime: ModelRuntime,
  key: readonly Expr[],
  deleted: DeletedRows,
): QueryNode {
  const where: Clause[] = runtime.info.primaryKey.map((column, i) => ({
    or: false,
    condition: {
      kind: 'compare',
      left: { kind: 'column', table: null, column },
      op: '=',
      right: key[i]!,
    },
  }))
  return { ...emptyQuery(runtime), where, deleted }
}

/** `INSERT INTO "users" ("email", "name") VALUES ($1, $2) RETURNING …` */
export function insertStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  values: readonly Expr[],
  skip?: SkipConflicts,
): Statement {
  const compiler = compilerOf(runtime)
  const insert = insertSql(compiler, runtime, columns, values)
  return done(compiler, insert + doNothing(skip) + returning(runtime))
}

/**
 * `ON CONFLICT [("email")] DO NOTHING`: rows that would violate a unique constraint (the
 * target's, or any when there is none) are skipped, and RETURNING gives only the rows inserted.
 */
export interface SkipConflicts {
  readonly target: readonly ColumnIR[]
}

function doNothing(skip: SkipConflicts | undefined): string {
  if (!skip) return ''
  return skip.target.length
    ? ` ON CONFLICT (${names(skip.target)}) DO NOTHING`
    : ' ON CONFLICT DO NOTHING'
}

function insertSql(
  compiler: QueryCompiler,
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  values: readonly Expr[],
): string {
  const table = runtime.info.quoted
  if (columns.length === 0) return `INSERT INTO ${table} DEFAULT VALUES`
  const frame = ownFrame(runtime)
  const list = values.map((value) => compiler.expr(value, frame)).join(', ')
  return `INSERT INTO ${table} (${names(columns)}) VALUES (${list})`
}

/**
 * One multi-row insert: `VALUES ($1, $2), ($3, DEFAULT)`. A row that leaves an optional
 * column out (`undefined`) gets `DEFAULT` in that slot, so SQL defaults apply per row.
 */
export function insertRowsStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  rows: readonly (readonly (Expr | undefined)[])[],
  wantRows: boolean,
  skip?: SkipConflicts,
): Statement {
  const compiler = compilerOf(runtime)
  const frame = ownFrame(runtime)
  const tuples = rows.map(
    (row) =>
      `(${row.map((value) => (value ? compiler.expr(value, frame) : 'DEFAULT')).join(', ')})`,
  )
  const text = `INSERT INTO ${runtime.info.quoted} (${names(columns)}) VALUES ${tuples.join(', ')}`
  return done(compiler, text + doNothing(skip) + returning(runtime, wantRows))
}

/**
 * A multi-row insert with one array parameter per column, whatever the row count:
 * `INSERT INTO "tags" ("name") SELECT * FROM unnest($1::TEXT[]) RETURNING …`. Rows are
 * inserted, and returned, in array order.
 */
export function unnestInsertStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  arrays: readonly Expr[],
  wantRows: boolean,
  skip?: SkipConflicts,
): Statement {
  const compiler = compilerOf(runtime)
  const frame = ownFrame(runtime)
  const params = columns.map(
    (column, i) => `${compiler.expr(arrays[i]!, frame)}::${unnestType(column)}[]`,
  )
  const text = `INSERT INTO ${runtime.info.quoted} (${names(columns)}) SELECT * FROM unnest(${params.join(', ')})`
  return done(compiler, text + doNothing(skip) + returning(runtime, wantRows))
}

/**
 * `INSERT … ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name", … RETURNING …`.
 * Sets every sent column that is not part of the conflict target or the primary key, and
 * restores a soft-deleted row it lands on.
 */
export function upsertStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  values: readonly Expr[],
  conflict: readonly ColumnIR[],
): Statement {
  const compiler = compilerOf(runtime)
  const info = runtime.info
  const keys = new Set([...conflict, ...info.primaryKey].map((column) => column.name))
  const assignments = columns
    .filter((column) => !keys.has(column.name) && column.updateInput)
    .map((column) => `${quoteIdent(column.name)} = EXCLUDED.${quoteIdent(column.name)}`)
  if (info.table.updatedAt) assignments.push(compiler.updatedAtAssignment())
  // Upserting a row that was soft-deleted brings it back: the caller asked for it to exist
  // (unless the caller sends deleted_at itself, which the assignments above then set).
  if (info.softDelete && !columns.some((column) => column.name === 'deleted_at')) {
    assignments.push(compiler.deletedAssignment(true))
  }
  // DO NOTHING would return no row on conflict; a no-op assignment returns the existing row.
  if (assignments.length === 0) {
    const first = quoteIdent(conflict[0]!.name)
    assignments.push(`${first} = EXCLUDED.${first}`)
  }
  const insert = insertSql(compiler, runtime, columns, values)
  const text = `${insert} ON CONFLICT (${names(conflict)}) DO UPDATE SET ${assignments.join(', ')}`
  return done(compiler, text + returning(runtime))
}

/**
 * `UPDATE "posts" SET "title" = $1, "updated_at" = CURRENT_TIMESTAMP WHERE …`: the rows of
 * `query` (its soft-delete filter and conditions), RETURNING them when `wantRows`.
 */
export function updateStatement(
  query: QueryNode,
  columns: readonly ColumnIR[],
  values: readonly Expr[],
  wantRows: boolean,
): Statement {
  const compiler = compilerOf(query.runtime)
  const frame = ownFrame(query.runtime)
  const assignments = columns.map(
    (column, i) => `${quoteIdent(column.name)} = ${compiler.expr(values[i]!, frame)}`,
  )
  if (query.runtime.info.table.updatedAt) assignments.push(compiler.updatedAtAssignment())
  const head = `UPDATE ${query.runtime.info.quoted} SET ${assignments.join(', ')}`
  return done(
    compiler,
    withWhere(compiler, query, frame, head) + returning(query.runtime, wantRows),
  )
}

/** `UPDATE … SET "deleted_at" = CURRENT_TIMESTAMP` (or `= NULL`, `restore`) `WHERE …` */
export function softDeleteStatement(query: QueryNode, restore: boolean): Statement {
  const compiler = compilerOf(query.runtime)
  const frame = ownFrame(query.runtime)
  const head = `UPDATE ${query.runtime.info.quoted} SET ${compiler.deletedAssignment(restore)}`
  const rows: QueryNode = { ...query, deleted: restore ? 'only' : 'exclude' }
  return done(compiler, withWhere(compiler, rows, frame, head))
}

/** `DELETE FROM "posts" WHERE …` */
export function deleteStatement(query: QueryNode): Statement {
  const compiler = compilerOf(query.runtime)
  const frame = ownFrame(query.runtime)
  return done(
    compiler,
    withWhere(compiler, query, frame, `DELETE FROM ${query.runtime.info.quoted}`),
  )
}

function withWhere(compiler: QueryCompiler, query: QueryNode, frame: Frame, head: string): string {
  const where = compiler.where(query, frame)
  return where ? `${head} WHERE ${where}` : head
}

/** `SELECT to_regclass($1) IS NOT NULL AS "exists"`: the table is on the search_path. */
export function tableExistsStatement(): Statement {
  const compiler = new QueryCompiler(new Set())
  const name = compiler.expr({ kind: 'placeholder', key: 0, column: null }, null)
  return done(compiler, `SELECT to_regclass(${name}) IS NOT NULL AS "exists"`)
}

/** `TRUNCATE TABLE "users" RESTART IDENTITY CASCADE` */
export function truncateStatement(runtime: ModelRuntime): string {
  return `TRUNCATE TABLE ${runtime.info.quoted} RESTART IDENTITY CASCADE`
}
