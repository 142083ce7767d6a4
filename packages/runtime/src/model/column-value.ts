import type { ColumnIR } from '@fluentorm/core'

/**
 * A value as it is bound for its column. pg sends a JS array as a PostgreSQL array literal
 * (`{1,2}`), which a json column refuses, where PGlite sends it as JSON: a json or jsonb
 * column's array is bound as its JSON text, so both backends store `[1, 2]`. Everything else
 * is bound as it is (objects are JSON on both, strings are JSON text on both).
 *
 * @example
 * columnValue(jsonbColumn, [1, 'a']) // '[1,"a"]'
 */
export function columnValue(column: ColumnIR, value: unknown): unknown {
  return Array.isArray(value) &&
    !column.array &&
    (column.type === 'json' || column.type === 'jsonb')
    ? JSON.stringify(value)
    : value
}
