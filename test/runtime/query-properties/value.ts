/** A row as the driver or fluentorm gives it. */
export type Row = Record<string, unknown>
/** A value the test stores, compares with or passes to a query. */
export type Value = null | number | bigint | string | boolean | Date

/** A key equal for equal values: bigints and ISO timestamps kept apart from other strings. */
export function canon(value: unknown): string {
  return JSON.stringify(value, (_key, x) => {
    if (typeof x === 'bigint') return `${x}n`
    if (typeof x === 'string' && /^\d{4}-\d\d-\d\dT/.test(x)) return `date:${x}`
    return x
  })
}

/** The order of two values of one column (numeric strings by number); 0 when either is null. */
export function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) return 0
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime()
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0
  if (typeof a === 'number' && typeof b === 'number') return a - b
  if (typeof a === 'string' && typeof b === 'string') return Number(a) - Number(b)
  return 0
}

/** A value as JSON for a failure message, bigints included. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_key, x) => (typeof x === 'bigint' ? `${x}n` : x), 1)
}
