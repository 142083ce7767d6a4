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
  const record = checkedRecord(info, data, operation, (column) => {
    if (column.createInput !== 'excluded') return
    throw usageError(
      context,
      `column "${column.name}" of table ${info.table.name} cannot be set on insert (createInput: 'excluded')`,
      column.identity
        ? 'It is an identity column: PostgreSQL generates it.'
        : `Leave it out; the database fills it${column.defaultSql ? ` with ${column.defaultSql}` : ''}.`,
    )
  })
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
  const record = checkedRecord(info, data, operation, (column) => {
    if (column.updateInput && !column.identity) return
    throw usageError(
      { model: info.modelName, operation },
      `column "${column.name}" of table ${info.table.name} cannot be updated (updateInput: false)`,
      'Leave it out of the update data.',
    )
  })
  return info.table.columns.filter((column) => record[column.name] !== undefined)
}

/** The data as a record, once `check` has passed every column it gives a value. */
function checkedRecord(
  info: TableInfo,
  data: object,
  operation: string,
  check: (column: ColumnIR) => void,
): Readonly<Record<string, unknown>> {
  if (typeof data !== 'object' || data === null) {
    throw usageError(
      { model: info.modelName, operation },
      `expected an object of column values, got ${String(data)}`,
      '',
    )
  }
  for (const [name, value] of Object.entries(data)) {
    if (value !== undefined) check(requireColumn(info, name, operation))
  }
  return data as Record<string, unknown>
}

/** A cache key for a column set (the statement text depends only on it). */
export function columnsKey(columns: readonly ColumnIR[]): string {
  return columns.map((column) => column.name).join(',')
}
