import type { TableIR } from '@fluentorm/core/ir'
import { FluentOrmError } from './fluent-orm-error.ts'
import { quotedValue } from './shown-value.ts'

/**
 * How much of the server's text about a failed row an error carries. `'safe'` (the default):
 * constraint, table and column names only, never a value. `'full'`: also the values PostgreSQL
 * reports (`Key (email)=(a@b.c) already exists`, `Failing row contains (…)`), except those of
 * columns marked `redacted` in the schema.
 */
export type ErrorDetail = 'safe' | 'full'

let detail: ErrorDetail = 'safe'

/** Columns marked `redacted`, per table name, of every model `defineModels` made. */
const redactedColumns = new Map<string, Set<string>>()

/**
 * Sets, for the whole process, whether errors carry the row values PostgreSQL reports.
 * Leave it at `'safe'` in production: a unique violation's message would otherwise hold
 * another user's email, a check violation's the whole row.
 *
 * @example
 * setErrorDetail('full') // in development: `(email)=(a@b.c) already exists`
 */
export function setErrorDetail(mode: ErrorDetail): void {
  if (mode !== 'safe' && mode !== 'full') {
    throw new FluentOrmError({
      code: 'INVALID_CONFIG',
      kind: 'invalid_usage',
      operation: 'setErrorDetail',
      reason: `errorDetail must be 'safe' or 'full', got ${quotedValue(mode)}. Pass 'full' to see row values in errors (development), 'safe' (the default) to keep them out`,
    })
  }
  detail = mode
}

export function errorDetail(): ErrorDetail {
  return detail
}

/** Records a table's `redacted` columns, so that no error shows their values. */
export function registerRedacted(table: TableIR): void {
  const names = table.columns.filter((column) => column.redacted).map((column) => column.name)
  if (names.length === 0) return
  const known = redactedColumns.get(table.name) ?? new Set()
  for (const name of names) known.add(name)
  redactedColumns.set(table.name, known)
}

/** Whether the table (of any schema: errors name it without one) has redacted columns. */
export function hasRedacted(table: string | undefined): boolean {
  return table !== undefined && redactedColumns.has(table)
}

/** Whether any of `columns` is redacted in any of `tables`. */
export function anyRedacted(
  tables: readonly (string | undefined)[],
  columns: readonly string[],
): boolean {
  return tables.some((table) => {
    const redacted = table === undefined ? undefined : redactedColumns.get(table)
    return redacted !== undefined && columns.some((column) => redacted.has(column))
  })
}
