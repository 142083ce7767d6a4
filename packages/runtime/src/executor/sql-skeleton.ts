/** Whether `text` holds more than one statement (a `;` with code after it, on the skeleton). */
export function severalStatements(text: string): boolean {
  return /;\s*[^\s;]/.test(sqlSkeleton(text))
}

/**
 * What statement-level checks match against: `text` with each comment (`-- …` to the end of
 * the line, `/* … *\/` nested) replaced by a space and each string (`'…'`, `E'…'`) and
 * dollar-quoted body (`$tag$…$tag$`) emptied to `''`, as PostgreSQL's lexer reads them
 * (quoted identifiers stay). A comment in front of `SET` hides nothing, and a `; BEGIN`
 * inside a PL/pgSQL body or a string is not taken for a statement. A text with no comment,
 * quote or dollar quote is returned as it is, without a scan (a model's statement, with
 * `$1` placeholders only).
 *
 * Read with standard_conforming_strings on (PostgreSQL's default since 9.1): with it off, a
 * backslash in a plain string escapes its quote, which this does not follow.
 *
 * @example
 * sqlSkeleton("/* tag *\/ SET x = 'a; BEGIN' -- why\r") // "  SET x = ''  "
 */
export function sqlSkeleton(text: string): string {
  if (!mayHideCode.test(text)) return text
  let out = ''
  let from = 0
  let i = 0
  while (i < text.length) {
    const char = text[i]!
    let end = i + 1
    if (char === "'") {
      // E'…' takes backslash escapes (E'it\'s'), other strings do not.
      const escapes = /[eE]/.test(text[i - 1] ?? '') && !/[\w$]/.test(text[i - 2] ?? '')
      end = closingQuote(text, i, char, escapes)
    } else if (char === '"') {
      i = closingQuote(text, i, char, false)
      continue
    } else if (char === '$') {
      end = afterDollarQuote(text, i)
      if (end === i + 1) {
        i = end
        continue
      }
    } else if (char === '-' && text[i + 1] === '-') {
      while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++
    } else if (char === '/' && text[i + 1] === '*') {
      let depth = 0
      end = i
      while (end < text.length) {
        if (text.startsWith('/*', end)) {
          depth++
          end += 2
        } else if (text.startsWith('*/', end)) {
          end += 2
          if (--depth === 0) break
        } else end++
      }
    } else {
      i++
      continue
    }
    out += text.slice(from, i) + (char === "'" || char === '$' ? "''" : ' ')
    from = i = end
  }
  return out + text.slice(from)
}

/** A comment, a string or a dollar quote (a `$` not followed by a digit) may be in `text`. */
const mayHideCode = /--|\/\*|'|\$(?!\d)/

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
