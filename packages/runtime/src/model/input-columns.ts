import type { ColumnIR } from '@fluentorm/core/ir'
import { quotedValue } from '../errors/shown-value.ts'
import { refusedWrite } from './refused-write.ts'
import { requireColumn, type TableInfo } from './table-info.ts'
import { type UsageContext, usageError } from './usage-error.ts'
import { checkValue } from './value-checks.ts'

/** The columns a write sets, in schema order, and the value given for each. */
export interface WriteColumns {
  readonly columns: readonly ColumnIR[]
  /** The input's own value per column: a value, or an expression (a `sql` fragment). */
  readonly values: readonly unknown[]
}

/**
 * The columns an insert sends, in schema order: every column given a value (not
 * `undefined`) plus every required one. Columns left out get their SQL DEFAULT.
 * Unknown, excluded and missing required columns are errors naming the column. Only the
 * input's own properties are read: nothing inherited (a polluted prototype) is written.
 * `identity` is copyRows' option: with `'keep'` identity columns may be given (a bulk load
 * of existing ids); without it (insert) they are excluded like any other.
 */
export function createColumns(
  info: TableInfo,
  data: object,
  operation: string,
  identity?: 'generate' | 'keep',
): WriteColumns {
  // A view's model refuses insert before this; copyRows (or any other caller) reaches here.
  if (info.table.view !== undefined) throw refusedWrite(info.table, operation)
  const context = { model: info.modelName, operation }
  checkInput(info, data, operation, (column) => {
    if (column.createInput !== 'excluded' || (identity === 'keep' && column.identity)) return
    throw usageError(
      context,
      `column "${column.name}" of table ${info.table.name} cannot be set on insert (createInput: 'excluded')`,
      column.identity
        ? `It is an identity column: PostgreSQL generates it.${identity ? " To load existing ids, pass { identity: 'keep' }." : ''}`
        : `Leave it out; the database fills it${column.defaultSql ? ` with ${column.defaultSql}` : ''}.`,
    )
  })
  const columns: ColumnIR[] = []
  const values: unknown[] = []
  for (const column of info.table.columns) {
    const value = ownValue(data, column.name)
    if (value === undefined) {
      if (column.createInput !== 'required') continue
      throw usageError(
        context,
        `missing required column "${column.name}" of table ${info.table.name}`,
        `Pass a value for ${column.name}.`,
      )
    }
    checkValue(context, info.table.name, column, value)
    columns.push(column)
    values.push(value)
  }
  return { columns, values }
}

/**
 * The columns an update sets, in schema order: every own key whose value is not `undefined`
 * (`null` sets NULL). Unknown and non-updatable columns are errors naming the column.
 */
export function updateColumns(info: TableInfo, data: object, operation: string): WriteColumns {
  checkInput(info, data, operation, (column) => {
    if (column.updateInput && !column.identity) return
    throw usageError(
      { model: info.modelName, operation },
      `column "${column.name}" of table ${info.table.name} cannot be updated (updateInput: false)`,
      'Leave it out of the update data.',
    )
  })
  const columns: ColumnIR[] = []
  const values: unknown[] = []
  for (const column of info.table.columns) {
    const value = ownValue(data, column.name)
    if (value === undefined) continue
    checkValue({ model: info.modelName, operation }, info.table.name, column, value)
    columns.push(column)
    values.push(value)
  }
  return { columns, values }
}

/** The input's own property `name`, never one inherited through its prototype chain. */
export function ownValue(data: object | null | undefined, name: string): unknown {
  if (data === undefined || data === null) return undefined
  return Object.hasOwn(data, name) ? (data as Record<string, unknown>)[name] : undefined
}

/** Refuses a non-object input, and runs `check` on every column it gives a value. */
function checkInput(
  info: TableInfo,
  data: object,
  operation: string,
  check: (column: ColumnIR) => void,
): void {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw usageError(
      { model: info.modelName, operation },
      `expected an object of column values, got ${Array.isArray(data) ? 'an array' : String(data)}`,
      '',
    )
  }
  for (const name of Object.keys(data)) {
    if ((data as Record<string, unknown>)[name] !== undefined)
      check(requireColumn(info, name, operation))
  }
}

/** A cache key for a column set (the statement text depends only on it). */
export function columnsKey(columns: readonly ColumnIR[]): string {
  return columns.map((column) => column.name).join(',')
}

/** A boolean option, own property only; undefined is false, a non-boolean is refused. */
export function flag(options: object | undefined, name: string, context: UsageContext): boolean {
  const value = ownValue(options, name)
  if (value === undefined || typeof value === 'boolean') return value === true
  throw usageError(
    context,
    `the option ${name} must be true or false, got ${quotedValue(value)}`,
    `Pass { ${name}: true } (a boolean, not a string).`,
  )
}
