import { at, DATA } from './data.ts'
import type { ColSpec, ColType, TableName } from './schema.ts'
import { canon, type Value } from './value.ts'

/** Values worth comparing a column with: its own values, and some near or beyond them. */
const EXTRA_VALUES: Readonly<Record<ColType, readonly Value[]>> = {
  int: [0, -1, 26, 1000],
  bigint: [9_007_199_254_740_992n, 9_007_199_254_740_994n, 0n, -1n, 4_611_686_018_427_387_905n],
  numeric: ['9.5', '10', '9.500', '-1.25', '0', '10.001', '100.25'],
  text: ['ann', 'ANN', '', 'zz', "O'Neil", 'É', 'Plan'],
  bool: [true, false],
  ts: [at('2024-01-01T00:00:00.001Z'), at('2023-12-31T23:59:59.999Z'), at('2025-01-01T00:00:00Z')],
}

/** Patterns for like / ilike: wildcards, escapes, quotes, accents. */
// biome-ignore format: one list of patterns
export const LIKE_PATTERNS = ['a%', 'A%', '%a%', '%n', '_o%', '%\\_%', '%\\%%', "O'%", '%', '', 'Ann', '%é%', 'É%', 'b_b', 'plan%', '%e_']

const pools = new Map<string, Value[]>()
/** The column's own (non-null) values, or, `extra`, values near or beyond them. */
export function valuesOf(table: TableName, column: ColSpec, extra: boolean): Value[] {
  const key = `${table}.${column.name}.${extra}`
  let pool = pools.get(key)
  if (!pool) {
    const seen = new Map<string, Value>()
    if (extra) {
      const values = column.domain ? [0, 6, 9, 11, 99] : EXTRA_VALUES[column.type]
      for (const value of values) seen.set(canon(value), value)
    } else {
      for (const row of DATA[table]) {
        const value = row[column.name] as Value | undefined
        if (value !== null && value !== undefined) seen.set(canon(value), value)
      }
      if (column.domain && column.name === 'id') {
        DATA[table].forEach((_, i) => {
          seen.set(String(i + 1), i + 1)
        })
      }
    }
    pool = [...seen.values()]
    pools.set(key, pool)
  }
  return pool
}
