import type { ColumnIR } from '@fluentorm/core/ir'
import { quotedValue } from '../errors/shown-value.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import { createColumns, ownValue } from '../model/input-columns.ts'
import type { Model, ModelTypes } from '../model/model-types.ts'
import { type TableInfo, tableInfo } from '../model/table-info.ts'
import { onlyOptions, type UsageContext, usageError } from '../model/usage-error.ts'
import { checkValue } from '../model/value-checks.ts'
import { bindValue } from '../sql/column-types.ts'
import { quoteIdent } from '../sql/identifier.ts'
import type { Driver, Executor } from './driver.ts'
import { valueProblem } from './encode-params.ts'
import { toDriver } from './to-driver.ts'

export interface CopyRowsOptions {
  /**
   * Identity columns (`increments`, `bigIncrements`). `'generate'`: PostgreSQL numbers the
   * rows and a value for one is refused, as `insert` refuses it. `'keep'`: the ids given are
   * written (COPY writes identity columns as `OVERRIDING SYSTEM VALUE` does) and, in the same
   * transaction, each loaded identity column's sequence is moved past the table's largest id,
   * so later inserts do not collide with the loaded rows.
   * @default 'generate'
   */
  readonly identity?: 'generate' | 'keep'
}

/**
 * Bulk-loads rows into a model's table with `COPY … FROM STDIN`: for large batches several
 * times faster than `insertMany` (measured in test/bench/RESULTS.md), at the price of
 * returning only the count, not the rows. Rows follow `insert`'s input rules (input-columns.ts:
 * unknown, excluded and missing required columns are refused; columns left out get their
 * DEFAULT), and every row must set the same columns, the first row's: COPY has no per-row
 * DEFAULT, so a column left out of one row would silently become NULL. A value whose shape
 * does not fit its column (an array for a scalar column, a scalar for an array column, an
 * object for a non-JSON column) is refused. Inside `transaction(db, …)` the load commits or
 * rolls back with the rest.
 *
 * @example
 * await copyRows(db, Event, events)   // [{ name: 'signup', value: 1 }, …]
 * // COPY "events" ("name", "value") FROM STDIN   (PGlite: FROM '/dev/blob')
 * await copyRows(db, Event, exported, { identity: 'keep' })   // [{ id: 41, name: … }, …]
 * // COPY "events" ("id", "name") FROM STDIN; SELECT setval(…) (past the largest id)
 */
export function copyRows<T extends ModelTypes>(
  db: Executor,
  model: Model<T>,
  rows: readonly T['create'][],
  options?: CopyRowsOptions & { identity?: 'generate' },
): Promise<number>
/** With `identity: 'keep'` a row may also give the identity columns. */
export function copyRows<T extends ModelTypes>(
  db: Executor,
  model: Model<T>,
  rows: readonly (T['create'] & Partial<T['row']>)[],
  options: CopyRowsOptions & { identity: 'keep' },
): Promise<number>
export async function copyRows<T extends ModelTypes>(
  db: Executor,
  model: Model<T>,
  rows: readonly T['create'][],
  options?: CopyRowsOptions,
): Promise<number> {
  const info = tableInfo(model.meta.table)
  const context = { model: info.modelName, operation: 'copyRows' }
  onlyOptions(options, ['identity'], context)
  const identity = identityOption(options, context)
  if (!Array.isArray(rows)) {
    throw usageError(
      context,
      `expected an array of rows, got ${rows === null ? 'null' : typeof rows}`,
      'Pass an array of row objects: copyRows(db, Model, [{ … }, { … }]).',
    )
  }
  const first = rows[0] as object | undefined
  if (first === undefined) return 0
  const targets = createColumns(info, first, 'copyRows', identity).columns
  const columns = targets.map((column) => column.name)
  // One pass, no allocation but the value array: this runs once per row of a bulk load.
  const values = encodeRows(
    rows,
    (input, index) => {
      const row = input as Record<string, unknown>
      if (!setsExactly(row, columns)) {
        // Unknown, excluded or missing required columns: insert's own error names the column.
        createColumns(info, row, 'copyRows', identity)
        throw usageError(
          context,
          `row ${index} sets ${givenKeys(row).join(', ')} but the first row sets ${columns.join(', ')}; every row of a COPY must set the same columns`,
          'Use insertMany to let some rows take defaults.',
        )
      }
      const value = new Array<unknown>(targets.length)
      for (let c = 0; c < targets.length; c++) {
        const column = targets[c]!
        const given = row[column.name]
        if (!fitsColumn(column, given)) throw shapeError(info, column, given, index)
        // Inside a json value JSON's own rules apply (a function in an array is null), as in insert.
        const problem = valueProblem(isJson(column) && Array.isArray(given) ? null : given)
        if (problem) {
          throw usageError(
            context,
            `row ${index} gives column "${column.name}" of table ${info.table.name} ${problem}`,
            `Pass one ${column.sqlType} value (or null) for ${column.name}.`,
          )
        }
        checkValue(context, info.table.name, column, given)
        value[c] = bindValue(column, given)
      }
      return value
    },
    context,
  )
  const driver = toDriver(db)
  if (!driver.copyFrom) {
    throw usageError(
      context,
      'this executor has no copyFrom',
      'Pass a pg Pool or Client, PGlite, or connect().',
    )
  }
  const target = { table: info.table.name, columns, types: targets }
  const identities = targets.filter((column) => column.identity)
  if (identities.length === 0) return driver.copyFrom(target, values)
  return driver.transaction(async (tx) => {
    const loaded = await tx.copyFrom!(target, values)
    for (const column of identities) await moveSequence(tx, info, column)
    return loaded
  })
}

/**
 * Maps every row; binding a value runs the user's code (a toJSON, a getter), and what it
 * throws is told as a FluentOrmError of this call.
 */
function encodeRows<T>(
  rows: readonly T[],
  encode: (row: T, index: number) => unknown[],
  context: UsageContext,
): unknown[][] {
  try {
    return rows.map(encode)
  } catch (error) {
    throw toFluentError(error, context)
  }
}

function identityOption(options: object | undefined, context: UsageContext): 'generate' | 'keep' {
  const value = ownValue(options, 'identity') ?? 'generate'
  if (value === 'generate' || value === 'keep') return value
  throw usageError(
    context,
    `the option identity must be 'generate' or 'keep', got ${quotedValue(value)}`,
    "Pass { identity: 'keep' } to load the ids given, or leave it out to let PostgreSQL number the rows.",
  )
}

/**
 * Moves the column's identity sequence to the table's largest value when that is past the
 * sequence's last value (or the sequence is unused), so the next insert gets a fresh id.
 */
async function moveSequence(tx: Driver, info: TableInfo, column: ColumnIR): Promise<void> {
  const text = `SELECT setval(s.seq, t.top) FROM (SELECT pg_get_serial_sequence($1, $2)::regclass AS seq) s, (SELECT max(${quoteIdent(column.name)}) AS top FROM ${info.quoted}) t WHERE t.top > COALESCE(pg_sequence_last_value(s.seq), 0)`
  try {
    await tx.query({ text, values: [info.quoted, column.name] })
  } catch (error) {
    throw toFluentError(error, { model: info.modelName, operation: 'copyRows', sql: text })
  }
}

/** Whether the row's own keys with a value (not `undefined`) are exactly `columns`. */
function setsExactly(row: Record<string, unknown>, columns: readonly string[]): boolean {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) return false
  let count = 0
  for (const key in row) if (Object.hasOwn(row, key) && row[key] !== undefined) count++
  return count === columns.length && columns.every((column) => ownValue(row, column) !== undefined)
}

function givenKeys(row: Record<string, unknown>): string[] {
  return Object.keys(row).filter((key) => row[key] !== undefined)
}

/**
 * Whether a value has its column's shape: an array for an array column, any JSON value for
 * json / jsonb, else a scalar (a Date and a Uint8Array count as scalars). COPY would write an
 * array or object for a scalar column as its text.
 */
function fitsColumn(column: ColumnIR, value: unknown): boolean {
  if (value === null) return true
  if (column.array) return Array.isArray(value)
  if (isJson(column)) return true
  return typeof value !== 'object' || value instanceof Date || value instanceof Uint8Array
}

function isJson(column: ColumnIR): boolean {
  return column.type === 'json' || column.type === 'jsonb'
}

function shapeError(info: TableInfo, column: ColumnIR, value: unknown, index: number) {
  const got = Array.isArray(value)
    ? 'an array'
    : typeof value === 'object'
      ? 'an object'
      : `a ${typeof value}`
  return usageError(
    { model: info.modelName, operation: 'copyRows' },
    `row ${index} gives column "${column.name}" of table ${info.table.name} (${column.sqlType}) ${got}`,
    column.array
      ? `Pass an array (or null) for ${column.name}.`
      : `Pass one ${column.sqlType} value (or null) for ${column.name}.`,
  )
}
