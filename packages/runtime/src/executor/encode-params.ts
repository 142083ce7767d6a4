import { FluentOrmError } from '../errors/fluent-orm-error.ts'

/**
 * Makes parameter values mean the same on pg and PGlite, and refuses what no column can
 * hold as given. Dates: pg sends them in the machine's local time zone, which a `timestamp`
 * (no zone) column stores as a shifted wall-clock time; an ISO string in UTC round-trips on
 * both column types and both backends. A function or a symbol is no value (pg would send
 * its source text), and a string with a lone surrogate cannot be sent as UTF-8 (both drivers
 * would store U+FFFD instead): both are refused, also inside arrays. Numbers are written so that
 * they read back exactly (`numberText`: -0, integers beyond 2^53). Everything else passes
 * through: bigint, Uint8Array (bytea), arrays and plain objects (json) are encoded alike by
 * both drivers, but for an object whose toJSON returns undefined: null, as pg binds it.
 * Returns the input when nothing changes, so the common query allocates nothing.
 */
export function encodeParams(values: readonly unknown[] | undefined): unknown[] | undefined {
  if (values !== undefined) checkParameterCount(values.length)
  if (values === undefined || !values.some(needsEncoding)) return values as unknown[] | undefined
  return values.map(encodeValue)
}

/** The protocol counts a Bind's parameters in 16 bits, on pg and PGlite alike. */
const maxParameters = 65_535

/** Refuses more parameters than a statement can take, before anything is sent. */
export function checkParameterCount(count: number): void {
  if (count <= maxParameters) return
  throw new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: `a statement takes at most ${maxParameters} parameters (PostgreSQL's limit), this one has ${count}; split the work (insertMany does: it sends rows in chunks)`,
    operation: 'query',
  })
}

function needsEncoding(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return loneSurrogate.test(value)
    case 'number':
      return Object.is(value, -0) || unsafeInteger(value)
    case 'function':
    case 'symbol':
      return true
    case 'object':
      return (
        value instanceof Date ||
        (Array.isArray(value) && value.some(needsEncoding)) ||
        (value !== null && hasToJson(value))
      )
    default:
      return false
  }
}

function encodeValue(value: unknown): unknown {
  if (value instanceof Date) return encodeDate(value)
  if (Array.isArray(value)) return value.map(encodeValue)
  if (typeof value === 'number') return needsEncoding(value) ? numberText(value) : value
  if (typeof value === 'object' && value !== null && hasToJson(value) && jsonDropped(value)) {
    return null
  }
  const problem = valueProblem(value)
  if (problem) throw notAValue(`a parameter is ${problem}`)
  return value
}

/**
 * An object that pg sends as its JSON text, which JSON.stringify asks its toJSON for. A
 * Uint8Array is sent as bytea and an object with toPostgres as what that returns, so neither
 * counts.
 */
function hasToJson(value: object): boolean {
  const object = value as { toJSON?: unknown; toPostgres?: unknown }
  return (
    typeof object.toJSON === 'function' &&
    typeof object.toPostgres !== 'function' &&
    !ArrayBuffer.isView(value)
  )
}

/**
 * Whether JSON.stringify gives nothing for the object (its toJSON returns undefined, a
 * function or a symbol): pg binds that as NULL, where PGlite would bind '[object Object]' or
 * refuse it, so it is sent as null to both. A toJSON that throws is left to the driver, which
 * calls it again and fails the statement with what it throws.
 */
function jsonDropped(value: object): boolean {
  let json: unknown
  try {
    json = (value as { toJSON(key: string): unknown }).toJSON('')
  } catch {
    return false
  }
  return json === undefined || typeof json === 'function' || typeof json === 'symbol'
}

/**
 * A number as PostgreSQL reads it back exactly. Both drivers write String(), which makes -0
 * '0' (a double precision column lost its sign) and an integer beyond 2^53 its shortest
 * decimal, another integer (2 ** 60 → '1152921504606847000', where the number is
 * 1152921504606846976): a bigint or numeric column stored a value the number is not. Such an
 * integer is written with all its digits; a double column reads the same number from either.
 */
export function numberText(value: number): string {
  if (Object.is(value, -0)) return '-0'
  return unsafeInteger(value) ? BigInt(value).toString() : String(value)
}

function unsafeInteger(value: number): boolean {
  return !Number.isSafeInteger(value) && Number.isInteger(value)
}

/** With the u flag a surrogate pair is one code point: only a lone half matches. */
const loneSurrogate = /\p{Cs}/u

/**
 * Why a value cannot be bound as it is (a function, a symbol, a string with a lone
 * surrogate), or null. Shared with COPY, which encodes its values itself.
 */
export function valueProblem(value: unknown): string | null {
  if (typeof value === 'function') return 'a function, which is no value'
  if (typeof value === 'symbol') return 'a symbol, which is no value'
  if (typeof value === 'string' && loneSurrogate.test(value)) {
    return 'a string with a lone surrogate (half of a UTF-16 pair), which UTF-8 cannot carry'
  }
  if (Array.isArray(value)) {
    for (const element of value) {
      const problem = valueProblem(element)
      if (problem) return `an array holding ${problem}`
    }
  }
  return null
}

/** The INVALID_USAGE error for a value valueProblem finds. */
export function notAValue(reason: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: `${reason}; pass a string, number, bigint, boolean, Date, Uint8Array, array or JSON value`,
    operation: 'query',
  })
}

/**
 * A Date as ISO 8601 in UTC. An Invalid Date is refused, never sent as 'Invalid Date', and so
 * is one outside years 0001–9999, whose ISO form (`+010000-…`) PostgreSQL cannot read.
 */
export function encodeDate(value: Date): string {
  const time = value.getTime()
  if (Number.isNaN(time)) {
    throw new FluentOrmError({
      code: 'INVALID_DATE',
      kind: 'invalid_input',
      reason:
        'a parameter is an Invalid Date (new Date(…) could not read its input); pass a valid Date or an ISO 8601 string',
      operation: 'query',
    })
  }
  if (time < minTime || time >= maxTime) {
    throw new FluentOrmError({
      code: 'INVALID_DATE',
      kind: 'invalid_input',
      reason: `a parameter is a Date in year ${value.getUTCFullYear()}, outside 0001–9999, which PostgreSQL cannot read in the ISO form a Date is sent in; pass the timestamp as a string PostgreSQL reads ('10000-01-01 00:00:00Z', '0044-03-15 BC')`,
      operation: 'query',
    })
  }
  return isoString(time)
}

/** The Dates encodeDate sends: years 0001 to 9999. */
export const minTime = Date.parse('0001-01-01T00:00:00.000Z')
export const maxTime = Date.parse('+010000-01-01T00:00:00.000Z')

/** 1970-01-01 … 9999-12-31: the range where `isoString`'s arithmetic prints four-digit years. */
const fastRange = 253_402_300_800_000
export const msPerDay = 86_400_000

/**
 * `Date.prototype.toISOString` by integer arithmetic (days → civil date, H. Hinnant's
 * algorithm): bulk loads encode a Date per row, and this is several times cheaper than
 * V8's own formatting. Outside 1970–9999 it defers to toISOString.
 */
function isoString(time: number): string {
  if (time < 0 || time >= fastRange) return new Date(time).toISOString()
  const days = Math.floor(time / msPerDay)
  const ms = time - days * msPerDay
  const era = Math.floor((days + 719_468) / 146_097)
  const dayOfEra = days + 719_468 - era * 146_097
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  )
  const dayOfYear =
    dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const shifted = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1
  const month = shifted < 10 ? shifted + 3 : shifted - 9
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
  const seconds = Math.floor(ms / 1000)
  return `${year}-${two(month)}-${two(day)}T${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}.${three(ms % 1000)}Z`
}

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`
}

function three(n: number): string {
  return n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`
}
