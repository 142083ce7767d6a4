import type { ColumnIR } from '@fluentorm/core'
import { arrayParam } from '../executor/array-param.ts'

/**
 * A value as it is bound for its column, where the drivers would disagree on a JS array:
 * - json/jsonb: pg sends an array as a PostgreSQL array literal (`{1,2}`), which the column
 *   refuses, where PGlite sends JSON; it is bound as its JSON text on both.
 * - an array of an enum: its type is the database's own, so PGlite does not know it as an
 *   array and sends `a,b`; it is bound as an array literal on both.
 * Everything else is bound as it is.
 *
 * @example
 * columnValue(jsonbColumn, [1, 'a'])    // '[1,"a"]'
 * columnValue(enumArrayColumn, ['a'])   // '{"a"}'
 */
export function columnValue(column: ColumnIR, value: unknown): unknown {
  if (!Array.isArray(value)) return value
  if (column.array) return column.type === 'enum' ? arrayParam(value) : value
  return column.type === 'json' || column.type === 'jsonb' ? JSON.stringify(value) : value
}
