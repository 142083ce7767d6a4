import type { ColumnIR } from '@fluentorm/core/ir'
import type { ModelRuntime } from '../model/model-runtime.ts'
import { usageError } from '../model/usage-error.ts'
import { unnestType } from './column-types.ts'
import type { Frame } from './compiler.ts'
import type { Clause, Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import { type DeletedRows, emptyQuery, nodeWith, type QueryNode } from './query-node.ts'
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
  return nodeWith(emptyQuery(runtime), { where, deleted })
}

/** `INSERT INTO "users" ("email", "name") VALUES ($1, $2) RETURNING …` */
export function insertStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  values: readonly Expr[],
  conflict?: OnConflict,
): Statement {
  const compiler = compilerOf(runtime)
  const insert = insertSql(compiler, runtime, columns, values)
  return done(
    compiler,
    insert + conflictSql(compiler, runtime, columns, conflict) + returning(runtime),
  )
}

/**
 * What a conflict on a unique constraint does. `update: null` is `ON CONFLICT [(target)] DO
 * NOTHING`: the row is skipped and RETURNING gives only the rows inserted. Otherwise
 * `DO UPDATE SET` each `update` column from `EXCLUDED`, and with `touch` also `updated_at` and
 * (unless the row sets `deleted_at` itself) `deleted_at = NULL`: an upserted row exists.
 */
export interface OnConflict {
  readonly target: readonly ColumnIR[]
  readonly update: readonly ColumnIR[] | null
  readonly touch: boolean
}

function conflictSql(
  compiler: QueryCompiler,
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  conflict: OnConflict | undefined,
): string {
  if (!conflict) return ''
  return onConflictClause(
    conflict.target,
    conflictAssignments(compiler, runtime, columns, conflict),
  )
}

/** ` ON CONFLICT ("email") DO UPDATE SET …`, or `DO NOTHING` without assignments. */
function onConflictClause(target: readonly ColumnIR[], assignments: readonly string[]): string {
  const on = target.length ? ` ON CONFLICT (${names(target)})` : ' ON CONFLICT'
  return assignments.length ? `${on} DO UPDATE SET ${assignments.join(', ')}` : `${on} DO NOTHING`
}

function conflictAssignments(
  compiler: QueryCompiler,
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  conflict: OnConflict,
): string[] {
  if (conflict.update === null) return []
  const info = runtime.info
  const assignments = conflict.update.map(
    (column) => `${quoteIdent(column.name)} = EXCLUDED.${quoteIdent(column.name)}`,
  )
  if (!conflict.touch) return assignments
  assignments.push(...compiler.updatedAtAssignments(info, conflict.update))
  // Upserting a row that was soft-deleted brings it back: the caller asked for it to exist
  // (unless the caller sends deleted_at itself, which the assignments above then set).
  if (info.softDelete && !columns.some((column) => column.name === 'deleted_at')) {
    assignments.push(compiler.deletedAssignment(true))
  }
  return assignments
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
  conflict?: OnConflict,
): Statement {
  const compiler = compilerOf(runtime)
  const frame = ownFrame(runtime)
  const tuples = rows.map(
    (row) =>
      `(${row.map((value) => (value ? compiler.expr(value, frame) : 'DEFAULT')).join(', ')})`,
  )
  const text = `INSERT INTO ${runtime.info.quoted} (${names(columns)}) VALUES ${tuples.join(', ')}`
  return done(
    compiler,
    text + conflictSql(compiler, runtime, columns, conflict) + returning(runtime, wantRows),
  )
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
  conflict?: OnConflict,
): Statement {
  const compiler = compilerOf(runtime)
  const frame = ownFrame(runtime)
  const params = columns.map(
    (column, i) => `${compiler.expr(arrays[i]!, frame)}::${unnestType(column)}[]`,
  )
  const text = `INSERT INTO ${runtime.info.quoted} (${names(columns)}) SELECT * FROM unnest(${params.join(', ')})`
  return done(
    compiler,
    text + conflictSql(compiler, runtime, columns, conflict) + returning(runtime, wantRows),
  )
}

/**
 * `INSERT … ON CONFLICT ("email") DO UPDATE SET "name" = EXCLUDED."name", … RETURNING …`: the
 * row inserted or updated. When a conflict should change nothing, no update is written (it
 * would still lock the row, fire its triggers and write a new row version): the insert skips
 * the conflict and the existing row is read in the same statement,
 * `WITH "inserted" AS (INSERT … DO NOTHING RETURNING …) SELECT * FROM "inserted" UNION ALL
 * SELECT … WHERE "email" = $1 AND NOT EXISTS (SELECT 1 FROM "inserted")`.
 */
export function upsertStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  values: readonly Expr[],
  conflict: OnConflict,
): Statement {
  const compiler = compilerOf(runtime)
  const insert = insertSql(compiler, runtime, columns, values)
  const assignments = conflictAssignments(compiler, runtime, columns, conflict)
  if (assignments.length > 0) {
    const text = insert + onConflictClause(conflict.target, assignments) + returning(runtime)
    return done(compiler, text)
  }
  const inserted = insert + onConflictClause(conflict.target, []) + returning(runtime)
  const frame = ownFrame(runtime)
  // The conflict columns equal to the values the insert sent: the same parameters.
  const key = conflict.target
    .map((column) => {
      const value = values[columns.indexOf(column)]
      if (value === undefined) {
        throw usageError(
          { model: runtime.info.modelName, operation: 'upsert' },
          `the conflict column "${column.name}" has no value in the row, so the existing row cannot be found`,
          `Pass ${column.name} in the data, or name other conflict columns.`,
        )
      }
      return `${frame.own.sql}.${quoteIdent(column.name)} = ${compiler.expr(value, frame)}`
    })
    .join(' AND ')
  const existing = `SELECT ${columnList(runtime.info)} FROM ${runtime.info.quoted} WHERE ${key}`
  const cte = compiler.alias('inserted')
  const text = `WITH ${cte} AS (${inserted}) SELECT * FROM ${cte} UNION ALL ${existing} AND NOT EXISTS (SELECT 1 FROM ${cte})`
  return done(compiler, text)
}

/** Whether a conflict updates the row (else it is skipped, and the existing row read). */
export function conflictUpdates(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  conflict: OnConflict,
): boolean {
  return conflictAssignments(compilerOf(runtime), runtime, columns, conflict).length > 0
}

/**
 * upsertMany when a conflict changes nothing: each row inserted, or the existing row it
 * conflicts with read (not updated), in input order, in one statement:
 *
 * ```sql
 * WITH "input_1" AS (SELECT * FROM unnest($1::TEXT[]) WITH ORDINALITY AS "input_1" ("name", "__ord")),
 * "inserted_1" AS (INSERT INTO "tags" ("name") SELECT "name" FROM "input_1" ORDER BY "__ord"
 *   ON CONFLICT ("name") DO NOTHING RETURNING …)
 * SELECT "rows_1".* FROM "input_1" CROSS JOIN LATERAL (SELECT … FROM "inserted_1" WHERE … UNION ALL
 *   SELECT … FROM "tags" WHERE …) AS "rows_1" ORDER BY "input_1"."__ord"
 * ```
 *
 * The statement's snapshot does not see the rows its insert adds, so for each input row
 * exactly one side of the UNION ALL has a row (both only for a key repeated in the input).
 */
export function unnestUpsertExistingStatement(
  runtime: ModelRuntime,
  columns: readonly ColumnIR[],
  target: readonly ColumnIR[],
): Statement {
  const compiler = compilerOf(runtime)
  const info = runtime.info
  const input = compiler.alias('input')
  const inserted = compiler.alias('inserted')
  const rows = compiler.alias('rows')
  const arrays = columns.map(
    (column, i) =>
      `${compiler.expr({ kind: 'placeholder', key: i, column: null }, null)}::${unnestType(column)}[]`,
  )
  const all = info.table.columns
  const order = quoteIdent(unusedName(all, '__ord'))
  const keys = target.map((_, i) => quoteIdent(unusedName(all, `__key${i + 1}`)))
  const withInput = `${input} AS (SELECT * FROM unnest(${arrays.join(', ')}) WITH ORDINALITY AS ${input} (${names(columns)}, ${order}))`
  const returned = `${columnList(info)}, ${target.map((column, i) => `${info.quoted}.${quoteIdent(column.name)} AS ${keys[i]}`).join(', ')}`
  const insert = `INSERT INTO ${info.quoted} (${names(columns)}) SELECT ${names(columns)} FROM ${input} ORDER BY ${order} ON CONFLICT (${names(target)}) DO NOTHING RETURNING ${returned}`
  const fresh = `SELECT ${info.visible.map((column) => `${inserted}.${quoteIdent(column.name)}`).join(', ')} FROM ${inserted} WHERE ${target.map((column, i) => `${inserted}.${keys[i]} = ${input}.${quoteIdent(column.name)}`).join(' AND ')}`
  const existing = `SELECT ${columnList(info)} FROM ${info.quoted} WHERE ${target.map((column) => `${info.quoted}.${quoteIdent(column.name)} = ${input}.${quoteIdent(column.name)}`).join(' AND ')}`
  const text = `WITH ${withInput}, ${inserted} AS (${insert}) SELECT ${rows}.* FROM ${input} CROSS JOIN LATERAL (${fresh} UNION ALL ${existing}) AS ${rows} ORDER BY ${input}.${order}`
  return done(compiler, text)
}

/** `base`, or `_base`, …: a name none of the columns has. */
function unusedName(columns: readonly ColumnIR[], base: string): string {
  let name = base
  while (columns.some((column) => column.name === name)) name = `_${name}`
  return name
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
  assignments.push(...compiler.updatedAtAssignments(query.runtime.info, columns))
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
  const rows = nodeWith(query, { deleted: restore ? 'only' : 'exclude' })
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
