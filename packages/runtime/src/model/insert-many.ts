import type { ColumnIR } from '@fluentorm/core/ir'
import { toFluentError } from '../errors/to-fluent-error.ts'
import { arrayParam } from '../executor/array-param.ts'
import type { Executor, QueryConfig } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { unnestable } from '../sql/column-types.ts'
import { expressionOf } from '../sql/expressible.ts'
import type { Expr } from '../sql/expression.ts'
import { statementName } from '../sql/statement-name.ts'
import {
  conflictUpdates,
  insertRowsStatement,
  type OnConflict,
  unnestInsertStatement,
  unnestUpsertExistingStatement,
} from '../sql/write-statements.ts'
import { columnsKey, createColumns, ownValue } from './input-columns.ts'
import type { ModelRuntime } from './model-runtime.ts'
import { usageError } from './usage-error.ts'
import { checkValue } from './value-checks.ts'

type Row = Record<string, unknown>

/** PostgreSQL's limit on bound parameters per statement (the VALUES form binds one per value). */
const MAX_PARAMS = 65_535
/**
 * Rows per unnest statement. Big enough that the round trips vanish, small enough that the
 * next chunk is encoded while PostgreSQL inserts the one before it.
 */
const UNNEST_ROWS = 10_000

/**
 * `Model.insertMany`: the rows inserted, in input order, all or none (or, with `returning`
 * false, their count). When every row sets the same columns with plain values it sends one
 * array per column (`unnestInsertStatement`, a prepared statement); otherwise, or for array
 * and json columns (whose values an array literal cannot carry as they are), a multi-row
 * VALUES with `DEFAULT` in the slots a row leaves out.
 */
export async function insertMany(
  runtime: ModelRuntime,
  unnestStatements: Map<string, QueryConfig>,
  db: Executor,
  rows: readonly Row[],
  returning: boolean,
  skip?: OnConflict,
): Promise<Row[] | number> {
  const columns = insertedColumns(runtime, rows, 'insertMany')
  const result = await insertChunks(runtime, unnestStatements, db, rows, columns, returning, skip)
  return returning ? result.rows : result.rowCount
}

/**
 * `Model.upsertMany`: one statement (per chunk of rows, in one transaction) that inserts each
 * row or, on a conflict, updates the existing one; the rows back in input order. The columns
 * a conflict updates come from `conflictFor` given the columns every row sets (a column some
 * rows leave out would be set to its default on theirs). When a conflict changes nothing, the
 * existing rows are read instead of updated (`unnestUpsertExistingStatement`).
 */
export async function upsertMany(
  runtime: ModelRuntime,
  unnestStatements: Map<string, QueryConfig>,
  db: Executor,
  rows: readonly Row[],
  conflictFor: (everyRow: readonly ColumnIR[]) => OnConflict,
): Promise<Row[]> {
  const operation = 'upsertMany'
  const columns = insertedColumns(runtime, rows, operation)
  const everyRow = columns.filter((column) =>
    rows.every((row) => ownValue(row, column.name) !== undefined),
  )
  const conflict = conflictFor(everyRow)
  const context = { model: runtime.info.modelName, operation }
  if (conflictUpdates(runtime, columns, conflict)) {
    refuseRepeatedKeys(rows, conflict.target, context)
    return (await insertChunks(runtime, unnestStatements, db, rows, columns, true, conflict)).rows
  }
  if (!(columns.every(unnestable) && everyRowSetsValues(rows, columns))) {
    throw usageError(
      context,
      'upsertMany without an update needs every row to set the same columns with plain values (no sql fragments, json or array columns)',
      "Use insertMany(db, rows, { onConflict: 'nothing' }) and read the existing rows, or name columns to update.",
    )
  }
  refuseNullKeys(rows, conflict.target, context)
  const key = `${columnsKey(columns)} existing:${columnsKey(conflict.target)}`
  let config = unnestStatements.get(key)
  if (!config) {
    const { text } = unnestUpsertExistingStatement(runtime, columns, conflict.target)
    config = Object.freeze({ text, name: statementName(text) })
    unnestStatements.set(key, config)
  }
  return (await inChunks(runtime, db, rows, UNNEST_ROWS, unnestChunk(columns, config), operation))
    .rows
}

/**
 * A conflict key with a NULL never conflicts (NULLs are distinct in a unique index), so its row
 * is always inserted, and the statement that reads existing rows instead of updating them
 * cannot find it again by its key: it was left out of the rows returned. Refused, by row
 * number, before anything is sent.
 */
function refuseNullKeys(
  rows: readonly Row[],
  target: readonly ColumnIR[],
  context: { model: string; operation: string },
): void {
  rows.forEach((row, index) => {
    const column = target.find((c) => ownValue(row, c.name) === null)
    if (column === undefined) return
    throw usageError(
      context,
      `row ${index} has NULL in the conflict column "${column.name}": a key with a NULL never conflicts, and upsertMany without an update reads rows back by their key`,
      'Insert rows with a NULL key with insertMany, or name columns to update ({ update: [...] }).',
    )
  })
}

/**
 * Two rows with the same conflict key make PostgreSQL refuse the whole statement ("ON
 * CONFLICT DO UPDATE command cannot affect row a second time"): said before sending, by row
 * number (never by value). Keys with a NULL never conflict; keys holding objects other than
 * Dates, or fragments, are left to PostgreSQL.
 */
function refuseRepeatedKeys(
  rows: readonly Row[],
  target: readonly ColumnIR[],
  context: { model: string; operation: string },
): void {
  const seen = new Map<string, number>()
  rows.forEach((row, index) => {
    let key = ''
    for (const column of target) {
      const value = ownValue(row, column.name)
      if (value === undefined || value === null) return
      const part =
        value instanceof Date
          ? `d${value.getTime()}`
          : typeof value === 'object'
            ? null
            : `${typeof value}${String(value)}`
      if (part === null) return
      key += `${part.length}:${part}`
    }
    const earlier = seen.get(key)
    if (earlier !== undefined) {
      throw usageError(
        context,
        `rows ${earlier} and ${index} have the same value for the conflict columns (${target.map((c) => c.name).join(', ')})`,
        'Pass each key once: merge the rows first.',
      )
    }
    seen.set(key, index)
  })
}

/** The columns a row list inserts: those any row sets, in schema order. */
function insertedColumns(
  runtime: ModelRuntime,
  rows: readonly Row[],
  operation: string,
): readonly ColumnIR[] {
  const info = runtime.info
  const used = usedColumns(runtime, rows, operation)
  // A row list that sets no column still needs one slot per row to say DEFAULT in.
  return used.size
    ? info.table.columns.filter((column) => used.has(column.name))
    : info.table.columns.slice(0, 1)
}

function insertChunks(
  runtime: ModelRuntime,
  unnestStatements: Map<string, QueryConfig>,
  db: Executor,
  rows: readonly Row[],
  columns: readonly ColumnIR[],
  returning: boolean,
  conflict: OnConflict | undefined,
): Promise<{ rows: Row[]; rowCount: number }> {
  const operation = conflict?.update ? 'upsertMany' : 'insertMany'
  // (A row list that sets no column sets none of `columns` either: VALUES with DEFAULT.)
  if (columns.every(unnestable) && everyRowSetsValues(rows, columns)) {
    const onConflict = conflict
      ? ` conflict:${columnsKey(conflict.target)}:${conflict.update ? columnsKey(conflict.update) : 'nothing'}:${conflict.touch}`
      : ''
    const key = `${columnsKey(columns)}${returning ? '' : ' no returning'}${onConflict}`
    let config = unnestStatements.get(key)
    if (!config) {
      const arrays: Expr[] = columns.map((_, index) => ({
        kind: 'placeholder',
        key: index,
        column: null,
      }))
      const { text } = unnestInsertStatement(runtime, columns, arrays, returning, conflict)
      config = Object.freeze({ text, name: statementName(text) })
      unnestStatements.set(key, config)
    }
    return inChunks(runtime, db, rows, UNNEST_ROWS, unnestChunk(columns, config), operation)
  }
  const slots = (row: Row) =>
    columns.map((column): Expr | undefined => {
      const value = ownValue(row, column.name)
      if (value === undefined) return undefined
      return expressionOf(value) ?? { kind: 'value', value, column }
    })
  // Chunks by parameters: a fragment may bind several, a DEFAULT none.
  let perRow = columns.length
  const fragments = rows.some((row) =>
    columns.some((column) => expressionOf(ownValue(row, column.name)) !== null),
  )
  if (fragments) {
    perRow = 1
    for (const row of rows) perRow = Math.max(perRow, parameterCount(runtime, slots(row)))
  }
  const perChunk = Math.max(1, Math.floor(MAX_PARAMS / perRow))
  return inChunks(
    runtime,
    db,
    rows,
    perChunk,
    (chunk) => insertRowsStatement(runtime, columns, chunk.map(slots), returning, conflict),
    operation,
  )
}

/** The parameters a row's values bind: one per plain value, what a fragment binds. */
function parameterCount(runtime: ModelRuntime, values: readonly (Expr | undefined)[]): number {
  let count = 0
  for (const value of values) {
    if (value === undefined) continue
    count +=
      value.kind === 'value' ? 1 : insertRowsStatement(runtime, [], [[value]], false).values.length
  }
  return count
}

/** Runs one statement per chunk; several chunks share a transaction. */
async function inChunks(
  runtime: ModelRuntime,
  db: Executor,
  rows: readonly Row[],
  perChunk: number,
  statement: (chunk: readonly Row[]) => QueryConfig,
  operation: string,
): Promise<{ rows: Row[]; rowCount: number }> {
  const chunk = (start: number) => statement(rows.slice(start, start + perChunk))
  try {
    const driver = toDriver(db)
    if (rows.length <= perChunk) return await driver.query<Row>(chunk(0))
    return await driver.transaction(async (tx) => {
      const inserted: Row[] = []
      let rowCount = 0
      const collect = (result: { rows: Row[]; rowCount: number }) => {
        for (const row of result.rows) inserted.push(row)
        rowCount += result.rowCount
      }
      let running = tx.query<Row>(chunk(0))
      for (let start = perChunk; start < rows.length; start += perChunk) {
        // Encoded while the server still inserts the chunk before; should encoding throw,
        // the transaction rolls back and that chunk's outcome no longer matters.
        running.catch(() => undefined)
        const next = chunk(start)
        collect(await running)
        running = tx.query<Row>(next)
      }
      collect(await running)
      return { rows: inserted, rowCount }
    })
  } catch (error) {
    throw toFluentError(error, { model: runtime.info.modelName, operation })
  }
}

/**
 * The names of the columns any row sets (own properties only), json values checked. Each row
 * is checked against sets built once per call (createColumns per row cost more than the insert itself on large
 * inputs); a row that fails is handed to createColumns, whose error names the column.
 */
function usedColumns(runtime: ModelRuntime, rows: readonly Row[], operation: string): Set<string> {
  const info = runtime.info
  const settable = new Set<string>()
  const required: string[] = []
  // Their values are checked as insert checks them (depth, bigints): PGlite would write a
  // bigint inside as a JSON string.
  const json = new Map<string, ColumnIR>()
  for (const column of info.table.columns) {
    if (column.createInput !== 'excluded') settable.add(column.name)
    if (column.createInput === 'required') required.push(column.name)
    if (column.type === 'json' || column.type === 'jsonb') json.set(column.name, column)
  }
  const context = { model: info.modelName, operation }
  const used = new Set<string>()
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) createColumns(info, row, operation)
    for (const name of Object.keys(row)) {
      const value = row[name]
      if (value === undefined) continue
      if (!settable.has(name)) createColumns(info, row, operation)
      used.add(name)
      const column = json.get(name)
      if (column) checkValue(context, info.table.name, column, value)
    }
    for (const name of required) {
      if (ownValue(row, name) === undefined) createColumns(info, row, operation)
    }
  }
  return used
}

function unnestChunk(columns: readonly ColumnIR[], config: QueryConfig) {
  return (chunk: readonly Row[]): QueryConfig => ({
    ...config,
    values: columns.map((column) => arrayParam(chunk.map((row) => row[column.name]))),
  })
}

/** Every row sets every column, own and with a plain scalar value (a fragment needs VALUES). */
function everyRowSetsValues(rows: readonly Row[], columns: readonly ColumnIR[]): boolean {
  return rows.every((row) =>
    columns.every((column) => {
      const value = ownValue(row, column.name)
      // An array for a scalar column would become rows of its own in unnest: VALUES binds it
      // as insert does, and PostgreSQL refuses it.
      return value !== undefined && !Array.isArray(value) && expressionOf(value) === null
    }),
  )
}
