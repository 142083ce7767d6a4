/**
 * Quotes an identifier for SQL, always: `users` → `"users"`, `a"b` → `"a""b"`.
 *
 * The runtime only ever quotes names that come from the schema IR, but it quotes them all
 * so a column named like a keyword (`order`, `user`) or with capitals needs no special case.
 * It is kept here rather than imported from @fluentorm/core so an app bundle never loads
 * the compiler.
 */
export function quoteIdent(name: string): string {
  let quoted = quotedNames.get(name)
  if (quoted === undefined) {
    quoted = `"${name.replaceAll('"', '""')}"`
    if (quotedNames.size >= maxQuotedNames) quotedNames.clear()
    quotedNames.set(name, quoted)
  }
  return quoted
}

/**
 * Names quoted before: every statement quotes its table's and columns' names again, and a
 * Map lookup of a schema name costs less than building the quoted string. Bounded, as the
 * keys of select lists are the application's.
 */
const quotedNames = new Map<string, string>()
const maxQuotedNames = 10_000
