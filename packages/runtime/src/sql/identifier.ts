/**
 * Quotes an identifier for SQL, always: `users` → `"users"`, `a"b` → `"a""b"`.
 *
 * The runtime only ever quotes names that come from the schema IR, but it quotes them all
 * so a column named like a keyword (`order`, `user`) or with capitals needs no special case.
 * It is kept here rather than imported from @fluentorm/core so an app bundle never loads
 * the compiler.
 */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}
