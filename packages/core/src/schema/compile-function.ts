import { suggestName } from '../validate/closest-name.ts'
import { checkedText, expressionText, sourceText } from './expression-text.ts'
import type { FunctionArgumentIR, FunctionIR } from './object-ir.ts'
import type { FunctionOptions } from './object-options.ts'
import type { DraftOrigin } from './table-schema.ts'

/** Reports a problem with a declaration (no table: functions and domains belong to the schema). */
export type DeclarationReport = (origin: DraftOrigin, message: string, hint: string) => void

/** A name PostgreSQL takes unquoted or quoted, at most 63 bytes, as the DSL's other names. */
export const OBJECT_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

const LANGUAGES = ['plpgsql', 'sql'] as const
const ARGUMENT_OPTIONS = ['name', 'type', 'default']
const VOLATILITIES = ['volatile', 'stable', 'immutable'] as const
const SECURITIES = ['invoker', 'definer'] as const

/**
 * One `t.function(…)` as IR, every part checked: a name, argument names and types, the
 * return type, a language, a body. Types are SQL text written into the DDL as they are,
 * so they may not end the statement (no `;`, no comment, balanced parentheses).
 */
export function compileFunction(
  options: FunctionOptions,
  origin: DraftOrigin,
  report: DeclarationReport,
): FunctionIR {
  const name = typeof options.name === 'string' ? options.name : ''
  const label = `Function '${name}'`
  if (!OBJECT_NAME.test(name))
    report(
      origin,
      `Function name ${JSON.stringify(options.name ?? null)} is not a name PostgreSQL takes.`,
      "Give it a name of letters, digits and _: t.function({ name: 'touch_updated_at', … }).",
    )
  const returns = sqlTypeText(options.returns, `return type (returns) of ${label}`, origin, report)
  const args = compileArguments(options.args, label, origin, report)
  const body = sourceText(options.body)
  if (body === null || 'bound' in body || body.sql.trim() === '')
    report(
      origin,
      `${label} has no body${body !== null && 'bound' in body ? ' (a sql fragment with interpolated values; DDL binds none)' : ''}.`,
      "Write its body as text: body: 'BEGIN NEW.updated_at := now(); RETURN NEW; END'.",
    )
  return {
    kind: 'function',
    name,
    args,
    returns,
    language: oneOf(options.language, LANGUAGES, 'language', label, origin, report),
    body: body !== null && 'sql' in body ? body.sql : '',
    volatility: oneOf(options.volatility, VOLATILITIES, 'volatility', label, origin, report),
    security: oneOf(options.security, SECURITIES, 'security', label, origin, report),
    source: origin.source,
  }
}

function compileArguments(
  args: FunctionOptions['args'],
  label: string,
  origin: DraftOrigin,
  report: DeclarationReport,
): FunctionArgumentIR[] {
  if (args === undefined) return []
  if (!Array.isArray(args)) {
    report(
      origin,
      `${label} has args that are not a list.`,
      "Write args: [{ name: 'amount', type: 'numeric' }].",
    )
    return []
  }
  const seen = new Set<string>()
  return args.map((arg: unknown, i: number) => {
    const given = (typeof arg === 'object' && arg !== null ? arg : {}) as Record<string, unknown>
    const argName = Object.hasOwn(given, 'name') ? given.name : undefined
    const type = Object.hasOwn(given, 'type') ? given.type : undefined
    const what = `argument ${i + 1} of ${label}`
    for (const key of Object.keys(given))
      if (!ARGUMENT_OPTIONS.includes(key))
        report(
          origin,
          `Unknown option '${key}' on ${what}.`,
          suggestName(key, ARGUMENT_OPTIONS, 'options'),
        )
    if (typeof argName !== 'string' || !OBJECT_NAME.test(argName))
      report(
        origin,
        `The ${what} has no name PostgreSQL takes.`,
        "Write { name: 'amount', type: 'numeric' }.",
      )
    else if (seen.has(argName))
      report(
        origin,
        `${label} has two arguments named '${argName}'.`,
        'Give each argument its own name.',
      )
    if (typeof argName === 'string') seen.add(argName)
    const compiled: FunctionArgumentIR = {
      name: typeof argName === 'string' ? argName : '',
      type: sqlTypeText(type, `type of ${what}`, origin, report),
    }
    if (!Object.hasOwn(given, 'default') || given.default === undefined) return compiled
    const fallback = expressionText(given.default, `default of ${what}`)
    if (!fallback.ok) report(origin, fallback.message, fallback.hint)
    return { ...compiled, default: fallback.ok ? fallback.sql : '' }
  })
}

/** A type written into DDL as it is: text that stays inside its place in the statement. */
export function sqlTypeText(
  value: unknown,
  what: string,
  origin: DraftOrigin,
  report: DeclarationReport,
): string {
  const hint = "Write the type as SQL text: 'integer', 'text[]', 'numeric(10, 2)'."
  return checkedText(value, what, hint, (message, fix) => report(origin, message, fix)) ?? ''
}

/** One of the allowed words, the first being the default. */
export function oneOf<const T extends readonly string[]>(
  value: unknown,
  allowed: T,
  option: string,
  label: string,
  origin: DraftOrigin,
  report: DeclarationReport,
): T[number] {
  if (value === undefined) return allowed[0]!
  if (typeof value === 'string' && allowed.includes(value)) return value as T[number]
  report(
    origin,
    `${label} has ${option} ${JSON.stringify(value)}.`,
    `Write ${option}: ${allowed.map((word) => `'${word}'`).join(' or ')}, or leave it out for '${allowed[0]}'.`,
  )
  return allowed[0]!
}
