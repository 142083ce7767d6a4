import { RESERVED_KEYWORDS } from './reserved-keywords.ts'

const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_]*$/

/**
 * Quotes an identifier for PostgreSQL, only where needed: names that are not lower-case
 * `[a-z_][a-z0-9_]*` (mixed case, spaces, quotes, unicode) or that are key words.
 *
 * ```ts
 * quoteIdent('posts')     // posts
 * quoteIdent('user')      // "user"
 * quoteIdent('createdAt') // "createdAt"
 * quoteIdent('a"b')       // "a""b"
 * ```
 */
export function quoteIdent(name: string): string {
  rejectNul(name, 'identifier')
  if (PLAIN_IDENTIFIER.test(name) && !RESERVED_KEYWORDS.has(name)) return name
  return `"${name.replaceAll('"', '""')}"`
}

/**
 * Quotes a string as a standard SQL literal (standard_conforming_strings, on by default
 * since PostgreSQL 9.1): single quotes are doubled, backslashes are plain characters.
 *
 * ```ts
 * quoteLiteral("it's") // 'it''s'
 * quoteLiteral('C:\\') // 'C:\'
 * ```
 */
export function quoteLiteral(value: string): string {
  rejectNul(value, 'string literal')
  return `'${value.replaceAll("'", "''")}'`
}

function rejectNul(value: string, what: string): void {
  if (value.includes('\0')) {
    throw new Error(
      `A ${what} contains a NUL character (\\0), which PostgreSQL cannot store: ${JSON.stringify(value)}. Remove it.`,
    )
  }
}
