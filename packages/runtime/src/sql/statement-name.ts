import { createHash } from 'node:crypto'

/**
 * Names already computed, by statement text. A query builder renders the same text for
 * every call of the same query shape, and a Map lookup costs a fraction of a SHA-1. Bounded,
 * so an application that builds texts without end (it should not) cannot grow it forever.
 */
const names = new Map<string, string>()
const maxNames = 2_000

/**
 * A stable prepared-statement name for a statement text: `fo_` and 20 hex digits of its
 * SHA-1. pg then parses the statement once per connection and afterwards only binds values.
 * The name is derived from the text so two different texts can never share a name.
 */
export function statementName(text: string): string {
  let name = names.get(text)
  if (name === undefined) {
    name = `fo_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    if (names.size >= maxNames) names.clear()
    names.set(text, name)
  }
  return name
}
