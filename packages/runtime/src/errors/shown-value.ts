/**
 * A value a caller passed, quoted for an error message: `"false"`, `"[object Object]"`.
 * Never throws, whatever the value (`String` throws on `Object.create(null)`, on a Proxy
 * whose traps throw and on a toString that throws), so a wrong argument is still told as
 * a FluentOrmError.
 *
 * @example
 * quotedValue('yes')                // '"yes"'
 * quotedValue(Object.create(null))  // 'an object without a text form'
 */
export function quotedValue(value: unknown): string {
  try {
    return JSON.stringify(String(value))
  } catch {
    return 'an object without a text form'
  }
}
