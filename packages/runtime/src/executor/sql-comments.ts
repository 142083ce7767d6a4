/**
 * `text` with its comments (`-- …` to the end of the line, `/* … *\/` nested) replaced by a
 * space each, quoted strings, quoted identifiers and dollar-quoted bodies left as they are,
 * as PostgreSQL's lexer reads them: what statement-level checks match against, so a comment
 * in front of `SET` or `BEGIN` hides nothing. A text without `--` or `/*` is returned as it is,
 * without a scan (the common case, on every pipelined query).
 *
 * @example
 * withoutComments("/* tag *\/ SET search_path TO x -- why\r") // "  SET search_path TO x  "
 */
export function withoutComments(text: string): string {
  if (!text.includes('--') && !text.includes('/*')) return text
  let out = ''
  let from = 0
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    if (char === "'" || char === '"') {
      // E'…' takes backslash escapes (E'it\'s'), other strings do not.
      const escapes =
        char === "'" && /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '')
      i = closingQuote(text, i, char, escapes)
    } else if (char === '$') {
      i = afterDollarQuote(text, i)
    } else if (char === '-' && text[i + 1] === '-') {
      let end = i + 2
      while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++
      out += `${text.slice(from, i)} `
      from = i = end
    } else if (char === '/' && text[i + 1] === '*') {
      let depth = 0
      let end = i
      while (end < text.length) {
        if (text.startsWith('/*', end)) {
          depth++
          end += 2
        } else if (text.startsWith('*/', end)) {
          end += 2
          if (--depth === 0) break
        } else end++
      }
      out += `${text.slice(from, i)} `
      from = i = end
    } else i++
  }
  return out + text.slice(from)
}

/** The index after the quote that closes the one at `start` (a doubled quote, or with `escapes` a backslashed one, is part of it). */
function closingQuote(text: string, start: number, quote: string, escapes: boolean): number {
  let i = start + 1
  while (i < text.length) {
    if (escapes && text[i] === '\\') i += 2
    else if (text[i] === quote) {
      if (text[i + 1] !== quote) return i + 1
      i += 2
    } else i++
  }
  return i
}

const dollarTag = /\$(?:[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*)?\$/y

/** After a dollar-quoted body (`$tag$ … $tag$`) starting at `start`; a `$1` placeholder is passed over. */
function afterDollarQuote(text: string, start: number): number {
  // A $ inside an identifier (a$b) or a placeholder ($1) opens nothing.
  if (start > 0 && /[\w\u0080-\uffff]/.test(text[start - 1]!)) return start + 1
  dollarTag.lastIndex = start
  const tag = dollarTag.exec(text)?.[0]
  if (tag === undefined) return start + 1
  const end = text.indexOf(tag, start + tag.length)
  return end < 0 ? text.length : end + tag.length
}
