/** One statement of a migration file, with where it starts (for error messages). */
export interface SqlStatement {
  readonly text: string
  /**
   * 1-based line in the file of the statement's code (after the comments leading it: a
   * failure in a file's first statement points at it, not at the file's header).
   */
  readonly line: number
}

/**
 * Splits a SQL script at top-level semicolons. Quotes (`'…'`, `E'…'`, `"…"`), dollar quotes
 * (`$$…$$`, `$tag$…$tag$`, so DO blocks and function bodies stay whole) and comments are
 * skipped over. Statements that are only comments are dropped.
 *
 * ```ts
 * splitStatements("CREATE TABLE a (x TEXT DEFAULT ';');\nDROP TABLE b;")
 * // [{ text: "CREATE TABLE a (x TEXT DEFAULT ';');", line: 1 }, { text: 'DROP TABLE b;', line: 2 }]
 * ```
 */
export function splitStatements(sql: string): SqlStatement[] {
  const statements: SqlStatement[] = []
  let start = 0
  let i = 0
  const push = (end: number) => {
    const raw = sql.slice(start, end)
    const offset = /^(?:\s|--[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(raw)?.[0].length ?? 0
    const text = raw.trim()
    if (withoutComments(text) !== '') {
      statements.push({ text, line: lineAt(sql, start + offset) })
    }
    start = end
  }
  while (i < sql.length) {
    const ch = sql[i]!
    const next = sql[i + 1]
    if (ch === '-' && next === '-') {
      const end = sql.indexOf('\n', i)
      i = end === -1 ? sql.length : end + 1
    } else if (ch === '/' && next === '*') {
      i = skipBlockComment(sql, i)
    } else if (ch === "'") {
      const escapes = i > 0 && /[eE]/.test(sql[i - 1]!) && !/[\w$]/.test(sql[i - 2] ?? ' ')
      i = skipQuoted(sql, i, "'", escapes)
    } else if (ch === '"') {
      i = skipQuoted(sql, i, '"', false)
    } else if (ch === '$') {
      const tag = /^\$(?:[A-Za-z_][\w]*)?\$/.exec(sql.slice(i))?.[0]
      if (tag && !/[\w$]/.test(sql[i - 1] ?? ' ')) {
        const end = sql.indexOf(tag, i + tag.length)
        i = end === -1 ? sql.length : end + tag.length
      } else {
        i++
      }
    } else if (ch === ';') {
      i++
      push(i)
    } else {
      i++
    }
  }
  push(sql.length)
  return statements
}

function skipQuoted(sql: string, from: number, quote: string, backslashEscapes: boolean): number {
  let i = from + 1
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2
    } else if (sql[i] === quote) {
      if (sql[i + 1] === quote) i += 2
      else return i + 1
    } else {
      i++
    }
  }
  return i
}

// PostgreSQL block comments nest.
function skipBlockComment(sql: string, from: number): number {
  let depth = 0
  let i = from
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++
      i += 2
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--
      i += 2
      if (depth === 0) return i
    } else {
      i++
    }
  }
  return i
}

function withoutComments(text: string): string {
  return text
    .replace(/--[^\n]*/g, '')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/;/g, '')
    .trim()
}

function lineAt(sql: string, index: number): number {
  let line = 1
  for (let i = 0; i < index; i++) if (sql[i] === '\n') line++
  return line
}
