import type { ColumnType, TimeMode } from './schema-ir.ts'

const TIME_MODES: readonly string[] = ['date', 'string']
/** What a JavaScript Date holds: milliseconds. */
const DATE_PRECISION = 3
/** PostgreSQL's most, and its default: microseconds. */
const MAX_PRECISION = 6

/**
 * The fractional-second digits and time mode of a timestamp or timestamptz column. The default
 * precision is what the mode's row value holds (a Date: milliseconds, text: microseconds), so
 * a value read back is the stored value and finds its row again.
 *
 * ```ts
 * timestampPrecision('timestamptz', {}, report)                  // { precision: 3, timeMode: 'date' }
 * timestampPrecision('timestamptz', { mode: 'string' }, report)  // { precision: 6, timeMode: 'string' }
 * timestampPrecision('timestamptz', { precision: 6 }, report)    // reported: a Date loses the microseconds
 * ```
 */
export function timestampPrecision(
  type: ColumnType,
  options: { readonly precision?: number; readonly mode?: TimeMode },
  report: (message: string, hint: string) => void,
): { readonly precision: number; readonly timeMode: TimeMode } {
  let timeMode = options.mode ?? 'date'
  if (!TIME_MODES.includes(timeMode)) {
    report(
      `mode '${timeMode}' is not one of ${TIME_MODES.join(', ')}.`,
      "Use mode: 'date' (rows carry a Date) or mode: 'string' (rows carry PostgreSQL's text).",
    )
    timeMode = 'date'
  }
  const fallback = timeMode === 'string' ? MAX_PRECISION : DATE_PRECISION
  const precision = options.precision ?? fallback
  if (!Number.isInteger(precision) || precision < 0 || precision > MAX_PRECISION) {
    report(
      `${type} precision ${precision} is out of range.`,
      `Use a whole number from 0 to ${MAX_PRECISION}.`,
    )
    return { precision: fallback, timeMode }
  }
  if (timeMode === 'date' && precision > DATE_PRECISION) {
    report(
      `The ${type} column keeps ${precision} digits of fractional seconds, but its rows carry a Date.`,
      `A JavaScript Date holds milliseconds: values read back would not find their row; use precision ≤ ${DATE_PRECISION} or mode: 'string'.`,
    )
  }
  return { precision, timeMode }
}
