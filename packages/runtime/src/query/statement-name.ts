import { createHash } from 'node:crypto'

/**
 * A stable prepared-statement name for a statement text: `fo_` and 20 hex digits of its
 * SHA-1. pg then parses the statement once per connection and afterwards only binds values.
 * The name is derived from the text so two different texts can never share a name.
 */
export function statementName(text: string): string {
  return `fo_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
}
