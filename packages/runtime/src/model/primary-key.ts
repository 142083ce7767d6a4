import type { ColumnIR } from '@fluentorm/core/ir'
import type { TableInfo } from './table-info.ts'
import { usageError } from './usage-error.ts'

/**
 * The bound values of an id: a scalar for a one-column key, `{ a, b }` for a composite key
 * (own properties only).
 */
export function primaryKeyValues(info: TableInfo, id: unknown, operation: string): unknown[] {
  const key = requirePrimaryKey(info, operation)
  const context = { model: info.modelName, operation }
  if (key.length === 1) {
    if (id === undefined || id === null) {
      throw usageError(context, `the id is ${id}`, `Pass the ${key[0]!.name} value of the row.`)
    }
    return [id]
  }
  const names = key.map((column) => column.name)
  if (typeof id !== 'object' || id === null) {
    throw usageError(
      context,
      `table ${info.table.name} has a composite primary key, so the id must be an object`,
      `Pass { ${names.join(', ')} }.`,
    )
  }
  return names.map((name) => {
    const value = Object.hasOwn(id, name) ? (id as Record<string, unknown>)[name] : undefined
    if (value === undefined || value === null) {
      throw usageError(context, `the id has no "${name}"`, `Pass { ${names.join(', ')} }.`)
    }
    return value
  })
}

export function requirePrimaryKey(info: TableInfo, operation: string): readonly ColumnIR[] {
  if (info.primaryKey.length > 0) return info.primaryKey
  throw usageError(
    { model: info.modelName, operation },
    `table ${info.table.name} has no primary key`,
    'Declare one (primaryKey: true on a column, or t.primaryKey([...])) or use query().',
  )
}
