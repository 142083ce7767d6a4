import type { SqlStatement } from './split-statements.ts'

// An identifier as PostgreSQL reads it, quoted or not, optionally schema-qualified.
const NAME = String.raw`(?:"(?:[^"]|"")+"|[\w$]+)`
const ADD_VALUE = new RegExp(
  String.raw`^ALTER\s+TYPE\s+${NAME}(?:\s*\.\s*${NAME})?\s+ADD\s+VALUE\b`,
  'i',
)

/**
 * How many statements at the start of a script are `ALTER TYPE … ADD VALUE`. PostgreSQL
 * refuses to use a new enum value ("unsafe use of new value") until the transaction that
 * added it has committed, so the runner commits these before the rest of the file, which
 * may use them (a default, a check, an index's WHERE). Only a leading run: a later one may
 * depend on the statements before it (a type created in the same file).
 *
 * ```ts
 * leadingEnumValueAdditions(splitStatements(
 *   "ALTER TYPE users_status ADD VALUE IF NOT EXISTS 'pending';\nALTER TABLE users ALTER COLUMN status SET DEFAULT 'pending';",
 * )) // 1
 * ```
 */
export function leadingEnumValueAdditions(statements: readonly SqlStatement[]): number {
  const count = statements.findIndex((s) => !ADD_VALUE.test(withoutLeadingComments(s.text)))
  return count === -1 ? statements.length : count
}

// A statement's text starts with the comments before it (the file's header, for the first).
function withoutLeadingComments(text: string): string {
  return text.replace(/^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/, '')
}
