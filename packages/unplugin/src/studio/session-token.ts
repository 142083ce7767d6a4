import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The header every API call carries the session token in. */
export const TOKEN_HEADER = 'x-fluentorm-studio-token'

/**
 * The studio's secret for one dev-server start: in the link the terminal prints, and required
 * on every API call. A page of another origin cannot read it (it is in no response of a
 * guessable URL), and without it no call answers.
 */
export interface SessionToken {
  readonly value: string
  /** Whether the request carries this token in the header (compared in constant time). */
  matches(request: IncomingMessage): boolean
}

export function createSessionToken(): SessionToken {
  const value = randomBytes(24).toString('base64url')
  const expected = Buffer.from(value)
  return {
    value,
    matches(request) {
      const given = request.headers[TOKEN_HEADER]
      if (typeof given !== 'string') return false
      const bytes = Buffer.from(given)
      return bytes.length === expected.length && timingSafeEqual(bytes, expected)
    },
  }
}
