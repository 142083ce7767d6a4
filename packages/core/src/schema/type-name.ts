/**
 * The checks on what `t.custom()` and `tsType` write verbatim into DDL and into the .d.ts:
 * a PostgreSQL type name by a strict grammar (nothing else can reach the SQL), and a
 * TypeScript type expression that stays one expression.
 */

const IDENT = '[A-Za-z_][A-Za-z0-9_$]*'
const MODIFIER = `(?:\\d+|${IDENT})`
/** `citext`, `public.citext`, `character varying(12)`, `timestamp(3) with time zone`, `vector(3)`, `geometry(Point, 4326)`, `inet[]`. */
const TYPE_NAME = new RegExp(
  `^(?:${IDENT}\\.)?${IDENT}(?: ${IDENT})*(?:\\(${MODIFIER}(?:, ?${MODIFIER})*\\))?(?: ${IDENT})*((?:\\[\\d*\\])*)$`,
)

/** Types the runtime decodes to something other than text: their builders type them. */
const BUILDER_OF: Readonly<Record<string, string>> = {
  bool: 'boolean',
  boolean: 'boolean',
  int2: 'smallInt',
  smallint: 'smallInt',
  int: 'integer',
  int4: 'integer',
  integer: 'integer',
  int8: 'bigInt',
  bigint: 'bigInt',
  float4: 'float',
  real: 'float',
  float8: 'double',
  'double precision': 'double',
  json: 'json',
  jsonb: 'jsonb',
  bytea: 'binary',
  timestamp: 'dateTime',
  'timestamp without time zone': 'dateTime',
  timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz',
  oid: 'integer',
  // numeric is text at the top level, but inside JSON (an include) a custom one would be a
  // JSON number, its digits past a double's lost; the serials are integers, int8 a bigint.
  numeric: 'numeric',
  decimal: 'numeric',
  float: 'double',
  serial: 'increments',
  serial4: 'increments',
  bigserial: 'bigIncrements',
  serial8: 'bigIncrements',
  smallserial: 'smallInt',
  serial2: 'smallInt',
}

export type TypeNameResult =
  | { readonly ok: true; readonly base: string; readonly array: boolean }
  | { readonly ok: false; readonly message: string; readonly hint: string }

/** Checks a custom column's type: `'inet[]'` → `{ base: 'inet', array: true }`. */
export function checkTypeName(type: unknown): TypeNameResult {
  const text = typeof type === 'string' ? type.trim() : ''
  const match = TYPE_NAME.exec(text)
  if (match === null)
    return {
      ok: false,
      message: `type ${JSON.stringify(type ?? null)} is not a PostgreSQL type name.`,
      hint: "Write a type name, optionally schema-qualified, with modifiers and [] as PostgreSQL spells them: 'citext', 'inet[]', 'vector(3)', 'character(2)'.",
    }
  const brackets = match[1] ?? ''
  const base = text.slice(0, text.length - brackets.length)
  const name = base
    .replace(/\(.*\)/, '')
    .toLowerCase()
    .replace(/^pg_catalog\./, '')
  const builder = BUILDER_OF[name.trim()]
  if (builder !== undefined)
    return {
      ok: false,
      message: `type '${text}' has a builder, whose values the runtime decodes (a custom column's are text).`,
      hint: `Use t.${builder}() instead.`,
    }
  return { ok: true, base, array: brackets !== '' }
}

/** The TypeScript a `tsType` option gives: an expression, or a named export of a module. */
export type TsTypeOption = string | { readonly import: string; readonly name: string }

export type TsTypeResult =
  | { readonly ok: true; readonly type: string }
  | { readonly ok: false; readonly message: string; readonly hint: string }

const TS_HINT =
  "Write one type expression on one line ('string', \"'a' | 'b'\", '{ theme: string }'), or { import: './types', name: 'Prefs' }."
const PAIRS: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}', '<': '>' }

/**
 * `'{ theme: string }'` as it is; `{ import: './types', name: 'Prefs' }` → `import("./types").Prefs`
 * (the path resolves from the generated .d.ts, as any import in it). Refused: text that could
 * end the declaration it is written into (unbalanced brackets or quotes, a newline, a comment).
 */
export function checkTsType(option: unknown): TsTypeResult {
  if (typeof option === 'object' && option !== null) {
    const from = Object.hasOwn(option, 'import') ? (option as { import: unknown }).import : null
    const name = Object.hasOwn(option, 'name') ? (option as { name: unknown }).name : null
    if (
      typeof from === 'string' &&
      /^[\w@$./-]+$/.test(from) &&
      typeof name === 'string' &&
      new RegExp(`^${IDENT}(?:\\.${IDENT})*$`).test(name)
    )
      return { ok: true, type: `import(${JSON.stringify(from)}).${name}` }
    return refused('The tsType import needs a module path and an exported type name.')
  }
  if (typeof option !== 'string' || option.trim() === '')
    return refused('The tsType is not a TypeScript type.')
  const type = option.trim()
  if (/[\n\r`\\]|\/\/|\/\*/.test(type))
    return refused('The tsType has a newline, a backtick, a backslash or a comment.')
  const open: string[] = []
  let quote: string | null = null
  let previous = ''
  for (const char of type) {
    const arrow = char === '>' && previous === '='
    previous = char
    if (quote !== null) {
      if (char === quote) quote = null
    } else if (char === "'" || char === '"') quote = char
    else if (char in PAIRS) open.push(PAIRS[char] as string)
    else if (char === ')' || char === ']' || char === '}' || (char === '>' && !arrow)) {
      if (open.pop() !== char) return refused('The tsType has unbalanced brackets.')
    }
  }
  if (quote !== null || open.length > 0)
    return refused('The tsType has unbalanced brackets or quotes.')
  return { ok: true, type }
}

function refused(message: string): TsTypeResult {
  return { ok: false, message, hint: TS_HINT }
}
