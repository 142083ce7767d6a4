import { FluentOrmError } from '../errors/fluent-orm-error.ts'

/**
 * Makes parameter values mean the same on pg and PGlite. Only Dates need it: pg sends them
 * in the machine's local time zone, which a `timestamp` (no zone) column stores as a shifted
 * wall-clock time; an ISO string in UTC round-trips on both column types and both backends.
 * Everything else passes through: bigint, Uint8Array (bytea), arrays and plain objects
 * (json) are encoded alike by both drivers. Returns the input when nothing changes, so the
 * common query allocates nothing.
 */
export function encodeParams(values: readonly unknown[] | undefined): unknown[] | undefined {
  if (values === undefined || !values.some(needsEncoding)) return values as unknown[] | undefined
  return values.map(encodeValue)
}

function needsEncoding(value: unknown): boolean {
  return value instanceof Date || (Array.isArray(value) && value.some(needsEncoding))
}

function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return encodeDate(value)
  if (Array.isArray(value)) return value.map(encodeValue)
  return value
}

/** A Date as ISO 8601 in UTC; an Invalid Date is refused, never sent as 'Invalid Date'. */
export function encodeDate(value: Date): string {
  if (Number.isNaN(value.getTime())) {
    throw new FluentOrmError({
      code: 'INVALID_DATE',
      kind: 'invalid_input',
      reason:
        'a parameter is an Invalid Date (new Date(…) could not read its input); pass a valid Date or an ISO 8601 string',
      operation: 'query',
    })
  }
  return value.toISOString()
}
