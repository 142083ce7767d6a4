import type { ColumnIR } from '@fluentorm/core'
import { requireColumn, type TableInfo } from './table-info.ts'
import { usageError } from './usage-error.ts'

/**
 * The columns an insert sends, in schema order: every column given a value (not
 * `undefined`) plus every required one. Columns left out get their SQL DEFAULT.
 * Unknown, excluded and missing required columns are errors naming the column.
 */
export function createColumns(
  info: TableInfo,
  data: object,
  operation: string,
): readonly ColumnIR[] {
  const context = { model: info.modelName, operation }
  if (typeof data !== 'object' || data === null) {
    throw usageError(context, `expected an object of column values, got ${String(data)}`, '')
  }
  const record = data as Record<string, unknown>
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue
    const column = requireColumn(info, name, operation)
    if (column.createInput === 'excluded') {
      throw usageError(
        context,
        `column "${name}" of table ${info.table.name} cannot be set on insert (createInput: 'excluded')`,
        column.identity
          ? 'It is an identity column: PostgreSQL generates it.'
          : `Leave it out; the database fills it${column.defaultSql ? ` with ${column.defaultSql}` : ''}.`,
      )
    }
  }
  return info.table.columns.filter((column) => {
    if (record[column.name] !== undefined) return true
    if (column.createInput !== 'required') return false
    throw usageError(
      context,
      `missing required column "${column.name}" of table ${info.table.name}`,
      `Pass a value for ${column.name}.`,
    )
  })
}

/**
 * The columns an update sets, in schema order: every key whose value is not `undefined`
 * (`null` sets NULL). Unknown and non-updatable columns are errors naming the column.
 */
export function updateColumns(
  info: TableInfo,
  data: object,
  operation: string,
): readonly ColumnIR[] {
  const context = { model: info.modelName, operation }
  if (typeof data !== 'object' || data === null) {
    throw usageError(context, `expected an object of column values, got ${String(data)}`, '')
  }
  const record = data as Record<string, unknown>
  for (const [name, value] of Object.entries(record)) {
    if (value === undefined) continue
    const column = requireColumn(info, name, operation)
    if (!column.updateInput || column.identity) {
      throw usageError(
        context,
        `column "${name}" of table ${info.table.name} cannot be updated (updateInput: false)`,
        'Leave it out of the update data.',
      )
    }
  }
  return info.table.columns.filter((column) => record[column.name] !== undefined)
}

/** A cache key for a column set (the statement text depends only on it). */
export function columnsKey(columns: readonly ColumnIR[]): string {
  return columns.map((column) => column.name).join(',')
}
