/** One `-- name:` block of a `.sql` file, its `:params` numbered. */
export interface ParsedStatement {
  readonly name: string
  /** The statement as sent: `:slug` written `$1`, the same name the same number. */
  readonly text: string
  /** Parameter names in `$n` order. */
  readonly params: readonly string[]
  /** Result columns declared non-null by `-- @notnull col …`. */
  readonly notNull: ReadonlySet<string>
  /** Parameters that take null, by `-- @nullable param …`. */
  readonly nullable: ReadonlySet<string>
  /** Offset in the file of each character of `text`, for error positions. */
  readonly sourceOffsets: readonly number[]
  /**
   * `text` with its comments, string literals and dollar-quoted bodies blanked (quoted names
   * kept): what is SQL syntax, for the checks that read the statement's joins.
   */
  readonly code: string
}

export interface SqlFileProblem {
  readonly message: string
  /** Offset in the file. */
  readonly offset: number
}

export type ParsedSqlFile =
  | { readonly ok: true; readonly statements: readonly ParsedStatement[] }
  | { readonly ok: false; readonly problem: SqlFileProblem }

const HEADER = /^[ \t]*--[ \t]*name:(.*)$/gm
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/

/**
 * Names an ES module cannot export as a `const` (reserved words, and `arguments`/`eval` in
 * strict code), and `then`, which makes the module a thenable: `await import()` would call it.
 */
const UNEXPORTABLE = new Set(
  `await break case catch class const continue debugger default delete do else enum export
  extends false finally for function if import in instanceof let new null return static super
  switch this throw true try typeof var void while with yield implements interface package
  private protected public arguments eval then`.split(/\s+/),
)

/**
 * Splits a `.sql` file on its `-- name: topFilms` headers and numbers each block's named
 * parameters: `:slug` becomes `$1` (every `:slug` the same number), outside string literals,
 * quoted identifiers, comments and dollar-quoted bodies; `::int` casts stay as they are.
 *
 * @example
 * parseSqlFile('-- name: bySlug\nSELECT * FROM films WHERE slug = :slug')
 * // { ok: true, statements: [{ name: 'bySlug', text: 'SELECT * FROM films WHERE slug = $1', params: ['slug'], … }] }
 */
export function parseSqlFile(source: string): ParsedSqlFile {
  const headers = [...source.matchAll(HEADER)]
  const first = headers[0]
  // A file with no statement yet (new, or only comments) is a module without exports, as
  // `fluentorm generate` takes it.
  if (first === undefined && stripComments(source).trim() === '')
    return { ok: true, statements: [] }
  const before = source.slice(0, first?.index ?? source.length)
  if (first === undefined || stripComments(before).trim() !== '') {
    const offset = first === undefined ? 0 : firstCode(before)
    return problem('a statement needs a `-- name: yourName` line above it', offset)
  }
  const statements: ParsedStatement[] = []
  for (const [i, header] of headers.entries()) {
    const name = (header[1] ?? '').trim()
    const offset = header.index
    if (!IDENTIFIER.test(name)) {
      return problem(
        `\`${name}\` is not a name a module can export: use letters, digits, _ and $`,
        offset,
      )
    }
    if (UNEXPORTABLE.has(name) || name.startsWith('__fluentorm')) {
      return problem(
        `\`${name}\` is not a name a module can export (a reserved word, or one the module needs): choose another`,
        offset,
      )
    }
    if (statements.some((s) => s.name === name)) {
      return problem(`two statements are named ${name}: each needs its own name`, offset)
    }
    const typeName = (n: string) => n.charAt(0).toUpperCase() + n.slice(1)
    const twin = statements.find((s) => typeName(s.name) === typeName(name))
    if (twin !== undefined) {
      return problem(
        `${twin.name} and ${name} would both name the types ${typeName(name)}Row and ${typeName(name)}Params: rename one`,
        offset,
      )
    }
    const start = offset + header[0].length
    const end = headers[i + 1]?.index ?? source.length
    const parsed = numberParams(source, start, end)
    if (typeof parsed === 'string') return problem(parsed, offset)
    if (parsed.text.trim() === '') return problem(`${name} has no statement under it`, offset)
    const block = source.slice(start, end)
    const nullable = annotated(block, 'nullable')
    const unknown = [...nullable].find((param) => !parsed.params.includes(param))
    if (unknown !== undefined) {
      // At the annotation that names it.
      const written = unknown.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      const line = new RegExp(`^[ \\t]*--[ \\t]*@nullable\\b.*:?\\b${written}\\b`, 'm').exec(block)
      const at = line === null ? offset : start + line.index
      return problem(`${name} has no parameter :${unknown} for its @nullable`, at)
    }
    statements.push({ name, ...parsed, notNull: annotated(block, 'notnull'), nullable })
  }
  return { ok: true, statements }
}

function problem(message: string, offset: number): ParsedSqlFile {
  return { ok: false, problem: { message, offset } }
}

/** The names of a block's `-- @notnull a b` (or `a, b`; `:a` for parameters) lines. */
function annotated(block: string, annotation: 'notnull' | 'nullable'): Set<string> {
  const names = new Set<string>()
  const lines = new RegExp(`^[ \\t]*--[ \\t]*@${annotation}[ \\t]+(.+)$`, 'gm')
  for (const match of block.matchAll(lines)) {
    for (const name of (match[1] ?? '').split(/[\s,]+/)) if (name) names.add(name.replace(/^:/, ''))
  }
  return names
}

interface Numbered {
  text: string
  params: string[]
  sourceOffsets: number[]
  code: string
}

/** Where a character needs a look: a comment, literal, quoted name or `:name` may start there. */
const NOTABLE = /[-/'"$:]/g
const PARAM_NAME = /[A-Za-z_]\w*/y
const DOLLAR_TAG = /\$(?:[A-Za-z_]\w*)?\$/y

/**
 * Copies `source[start, end)` with its `:name`s numbered, leading blanks and what follows the
 * last code (blanks, comments, `;`) dropped; an unterminated literal or comment is a message.
 * What is code is known from the scan, so a `--` inside a literal is never taken for a comment.
 */
function numberParams(source: string, start: number, end: number): Numbered | string {
  const params: string[] = []
  const pieces: string[] = []
  const codePieces: string[] = []
  const offsets: number[] = []
  let length = 0
  /** The length of the text up to the end of its last code. */
  let codeEnd = 0
  const copy = (from: number, to: number, code: boolean, blanked?: string) => {
    const piece = source.slice(from, to)
    pieces.push(piece)
    codePieces.push(blanked ?? piece)
    for (let k = from; k < to; k++) offsets.push(k)
    length += to - from
    if (code) codeEnd = length
  }
  let i = start
  while (i < end) {
    NOTABLE.lastIndex = i
    const notable = NOTABLE.exec(source)?.index ?? end
    if (notable > i) {
      // Plain SQL up to the next notable character: code up to its last non-blank, non-`;`.
      const next = Math.min(notable, end)
      let last = next
      while (last > i && /[\s;]/.test(source[last - 1] as string)) last--
      if (last > i) copy(i, last, true)
      if (next > last) copy(last, next, false)
      i = next
      continue
    }
    const skip = skipQuoted(source, i, end)
    if (skip === -1)
      return 'a string, quoted name or comment is not closed before the next statement'
    if (skip > i) {
      const comment = source.startsWith('--', i) || source.startsWith('/*', i)
      const name = source[i] === '"'
      copy(i, skip, !comment, comment ? ' ' : name ? undefined : "''")
      i = skip
      continue
    }
    if (source[i] === ':' && source[i + 1] === ':') {
      copy(i, i + 2, true)
      i += 2
      continue
    }
    PARAM_NAME.lastIndex = i + 1
    const name = source[i] === ':' && !inSlice(source, i) ? PARAM_NAME.exec(source)?.[0] : undefined
    if (name !== undefined && i + 1 + name.length <= end) {
      let n = params.indexOf(name) + 1
      if (n === 0) n = params.push(name)
      const placeholder = `$${n}`
      pieces.push(placeholder)
      codePieces.push(placeholder)
      for (let k = 0; k < placeholder.length; k++) offsets.push(i)
      length += placeholder.length
      codeEnd = length
      i += 1 + name.length
      continue
    }
    copy(i, i + 1, true)
    i++
  }
  const text = pieces.join('')
  const lead = text.length - text.trimStart().length
  return {
    text: text.slice(lead, Math.max(lead, codeEnd)),
    params,
    sourceOffsets: offsets.slice(lead, Math.max(lead, codeEnd)),
    code: codePieces.join(''),
  }
}

/**
 * Whether the `:` at `i` separates an array slice's bounds (`xs[lo:hi]`, `xs[:hi]`, `xs[1:n]`)
 * rather than starting a parameter: it follows a bound (a name, a number, `]` or `)`) or a
 * subscript's `[`, not an `ARRAY[` constructor's.
 */
function inSlice(source: string, i: number): boolean {
  const before = source[i - 1] ?? ''
  if (/[\w\])]/.test(before)) return true
  return before === '[' && !/\barray\s*$/i.test(source.slice(Math.max(0, i - 12), i - 1))
}

/** Where a literal, quoted identifier or comment starting at `i` ends; `i` when none starts; -1 unclosed. */
function skipQuoted(source: string, i: number, end: number): number {
  const char = source[i]
  const next = source[i + 1]
  if (char === '-' && next === '-') {
    const newline = source.indexOf('\n', i)
    return newline === -1 || newline > end ? end : newline
  }
  if (char === '/' && next === '*') {
    let depth = 1
    let k = i + 2
    while (k < end && depth > 0) {
      const step = source.startsWith('/*', k) ? 1 : source.startsWith('*/', k) ? -1 : 0
      depth += step
      k += step === 0 ? 1 : 2
    }
    return depth === 0 ? k : -1
  }
  if (char === "'" || char === '"') {
    const escapes =
      char === "'" && /[eE]/.test(source[i - 1] ?? '') && !/\w/.test(source[i - 2] ?? '')
    let k = i + 1
    while (k < end) {
      if (escapes && source[k] === '\\') k += 2
      else if (source[k] === char && source[k + 1] === char) k += 2
      else if (source[k] === char) return k + 1
      else k++
    }
    return -1
  }
  if (char === '$' && !/\w/.test(source[i - 1] ?? '')) {
    DOLLAR_TAG.lastIndex = i
    const tag = DOLLAR_TAG.exec(source)?.[0]
    if (tag === undefined || i + tag.length > end) return i
    const close = source.indexOf(tag, i + tag.length)
    return close === -1 || close + tag.length > end ? -1 : close + tag.length
  }
  return i
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '')
}

function firstCode(text: string): number {
  const match = /^(?:\s|--[^\n]*)*/.exec(text)
  return match === null ? 0 : match[0].length
}

/** 1-based line and column of an offset. */
export function lineColumn(source: string, offset: number): { line: number; column: number } {
  const before = source.slice(0, offset)
  const line = before.split('\n').length
  return { line, column: offset - before.lastIndexOf('\n') }
}
