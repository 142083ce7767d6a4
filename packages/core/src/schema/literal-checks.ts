/**
 * Which literal defaults PostgreSQL will read, for the types whose input the compiler can
 * check without a server: timestamps, dates and times in ISO 8601 form (plus the special
 * values), intervals in PostgreSQL's and ISO 8601's forms, and bytea in hex or escape form.
 * Anything else is reported when the schema compiles instead of when the DDL is applied;
 * `sql('…')` takes any expression as it is.
 */

const DATE = /^(\d{4,})-(\d{2})-(\d{2})/
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?/
/** `Z`, `+02`, `-05:30`, `+0530`, or a zone name (`UTC`, `Europe/Paris`). */
const ZONE = /^\s*(?:Z|[+-]\d{2}(?::?\d{2})?|[A-Za-z][\w+-]*(?:\/[\w+-]+)*)$/
const BC = /\s+BC$/i

/** `YYYY-MM-DD` (year 1 or later, a real day), optionally ` BC`; or epoch / ±infinity. */
export function isDateLiteral(text: string): boolean {
  if (/^(epoch|infinity|-infinity)$/i.test(text)) return true
  const body = text.replace(BC, '')
  const match = DATE.exec(body)
  return match !== null && match[0] === body && realDay(match)
}

/** A date, then optionally `T` or a space and a time, then optionally a zone (and ` BC`). */
export function isTimestampLiteral(text: string): boolean {
  if (/^(epoch|infinity|-infinity|now|today|tomorrow|yesterday)$/i.test(text)) return true
  const body = text.replace(BC, '')
  const date = DATE.exec(body)
  if (date === null || !realDay(date)) return false
  const rest = body.slice(date[0].length)
  if (rest === '') return true
  const separated = /^[T ]/.exec(rest)
  if (separated === null) return false
  return timeWithZone(rest.slice(1))
}

/** `HH:MM`, `HH:MM:SS`, `HH:MM:SS.ffffff`, optionally with a zone; or `allballs`. */
export function isTimeLiteral(text: string): boolean {
  return /^allballs$/i.test(text) || timeWithZone(text)
}

function timeWithZone(text: string): boolean {
  const time = TIME.exec(text)
  if (time === null) return false
  const [hours, minutes, seconds] = [Number(time[1]), Number(time[2]), Number(time[3] ?? 0)]
  const inRange =
    (hours < 24 && minutes < 60 && seconds <= 60) ||
    (hours === 24 && minutes === 0 && seconds === 0 && (time[4] ?? '').replace(/[.0]/g, '') === '')
  if (!inRange) return false
  const zone = text.slice(time[0].length)
  return zone === '' || ZONE.test(zone)
}

function realDay(match: RegExpExecArray): boolean {
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (year < 1 || month < 1 || month > 12 || day < 1) return false
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  return date.getUTCDate() === day
}

const UNIT =
  '(?:microseconds?|milliseconds?|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|mons?|years?|yrs?|decades?|decs?|centuries|century|cent|millennia|millenniums?|mils?|usecs?|us|msecs?|ms|s|m|h|d|w|y|c)'
const NUMBER = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)'
const CLOCK = '[+-]?\\d+:\\d{1,2}(?::\\d{1,2}(?:\\.\\d+)?)?'
/** PostgreSQL's interval input: `1 day`, `2 hours 30 mins`, `01:02:03`, `@ 1 year ago`, `1-2`. */
const POSTGRES_INTERVAL = new RegExp(
  `^@?\\s*(?:(?:${NUMBER}\\s*${UNIT}|${CLOCK}|[+-]?\\d+-\\d+|${NUMBER})(?:\\s+|,\\s*|$))+(?:ago)?$`,
  'i',
)
/** ISO 8601 durations: `P1Y2M3DT4H5M6S`, `PT30M`, `P2W`. */
const ISO_INTERVAL =
  /^P(?!$)(?:\d+(?:\.\d+)?Y)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?W)?(?:\d+(?:\.\d+)?D)?(?:T(?!$)(?:\d+(?:\.\d+)?H)?(?:\d+(?:\.\d+)?M)?(?:\d+(?:\.\d+)?S)?)?$/i

export function isIntervalLiteral(text: string): boolean {
  const trimmed = text.trim()
  return trimmed !== '' && (POSTGRES_INTERVAL.test(trimmed) || ISO_INTERVAL.test(trimmed))
}

/**
 * bytea input: hex (`\x` then pairs of hex digits, whitespace between pairs), or the escape
 * form (text in which every backslash starts `\\` or three octal digits).
 */
export function isByteaLiteral(text: string): boolean {
  if (text.startsWith('\\x')) return /^(?:\s*[0-9a-fA-F]{2})*\s*$/.test(text.slice(2))
  return /^(?:[^\\]|\\\\|\\[0-3][0-7]{2})*$/s.test(text)
}
