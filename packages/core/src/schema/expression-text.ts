/**
 * The SQL text of an expression a schema file gives (a generated column's, an index's): a
 * string, core's `sql('…')` / sql`…`, or a `sql` fragment of @fluentorm/runtime without bound
 * values, recognised by its `toSQL()` (core never imports the runtime). DDL binds no
 * parameters, so a fragment with `${value}`s is refused, as is text that could end the clause
 * it is written into: a `;` or an unbalanced parenthesis outside quotes.
 */
export type ExpressionResult =
  | { readonly ok: true; readonly sql: string }
  | { readonly ok: false; readonly message: string; readonly hint: string }

const HINT = "Write the expression as SQL text: 'lower(email)' or sql`lower(email)`."

export function expressionText(value: unknown, what: string): ExpressionResult {
  const text = sourceText(value)
  if (text === null) return refused(`The ${what} is not SQL text.`, HINT)
  if ('bound' in text)
    return refused(
      `The ${what} is a sql fragment with interpolated values; DDL cannot bind parameters.`,
      HINT,
    )
  const sql = text.sql.trim()
  if (sql === '') return refused(`The ${what} is empty.`, HINT)
  const broken = unbalanced(sql)
  if (broken !== null) return refused(`The ${what} ${broken}.`, HINT)
  return { ok: true, sql }
}

/**
 * The checked SQL text of `value`, or null after telling `fail` why not, with `hint` saying
 * what to write in that place (a type, a check, a condition).
 */
export function checkedText(
  value: unknown,
  what: string,
  hint: string,
  fail: (message: string, hint: string) => void,
): string | null {
  const text = expressionText(value, what)
  if (text.ok) return text.sql
  fail(text.message, hint)
  return null
}

/** The text of a string, `sql` value or fragment, unchecked; `bound` for a fragment with values. */
export function sourceText(value: unknown): { sql: string } | { bound: true } | null {
  if (typeof value === 'string') return { sql: value }
  if (typeof value !== 'object' || value === null) return null
  if (Object.hasOwn(value, 'sql')) {
    const sql = (value as { sql: unknown }).sql
    return typeof sql === 'string' ? { sql } : null
  }
  const toSQL = (value as { toSQL?: unknown }).toSQL
  if (typeof toSQL !== 'function') return null
  const statement: unknown = toSQL.call(value)
  if (typeof statement !== 'object' || statement === null) return null
  const { text, values } = statement as { text?: unknown; values?: unknown }
  if (typeof text !== 'string' || !Array.isArray(values)) return null
  return values.length > 0 ? { bound: true } : { sql: text }
}

/** Why the text would not stay inside its parentheses, or null. */
function unbalanced(sql: string): string | null {
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i]
    if (quote !== null) {
      if (char === quote) quote = null
      continue
    }
    if (char === "'" || char === '"') quote = char
    else if (char === '(') depth++
    else if (char === ')' && --depth < 0) return 'closes a parenthesis it did not open'
    else if (char === ';') return 'contains a ; outside quotes'
    else if (char === '-' && sql[i + 1] === '-') return 'contains a -- comment'
    else if (char === '/' && sql[i + 1] === '*') return 'contains a /* comment'
  }
  if (quote !== null) return 'has an unclosed quote'
  return depth === 0 ? null : 'leaves a parenthesis open'
}

function refused(message: string, hint: string): ExpressionResult {
  return { ok: false, message, hint }
}
