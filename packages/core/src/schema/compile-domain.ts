import { type DeclarationReport, OBJECT_NAME, sqlTypeText } from './compile-function.ts'
import { expressionText } from './expression-text.ts'
import type { DomainIR } from './object-ir.ts'
import type { DomainOptions } from './object-options.ts'
import type { DraftOrigin } from './table-schema.ts'

/** One `t.domain(…)` as IR: a name, the type under it, NOT NULL, a check and a default. */
export function compileDomain(
  options: DomainOptions,
  origin: DraftOrigin,
  report: DeclarationReport,
): DomainIR {
  const name = typeof options.name === 'string' ? options.name : ''
  if (!OBJECT_NAME.test(name))
    report(
      origin,
      `Domain name ${JSON.stringify(options.name ?? null)} is not a name PostgreSQL takes.`,
      "Give it a name of letters, digits and _: t.domain({ name: 'email_address', type: 'text' }).",
    )
  const label = `domain '${name}'`
  if (options.notNull !== undefined && typeof options.notNull !== 'boolean')
    report(
      origin,
      `notNull of ${label} is not true or false.`,
      'Write notNull: true or leave it out.',
    )
  return {
    kind: 'domain',
    name,
    type: sqlTypeText(options.type, `type of ${label}`, origin, report),
    notNull: options.notNull === true,
    ...expression(options.check, 'check', label, origin, report),
    ...expression(options.default, 'default', label, origin, report),
  }
}

function expression(
  value: unknown,
  option: 'check' | 'default',
  label: string,
  origin: DraftOrigin,
  report: DeclarationReport,
): { check?: string } | { default?: string } {
  if (value === undefined) return {}
  const text = expressionText(value, `${option} of ${label}`)
  if (!text.ok) {
    report(origin, text.message, text.hint)
    return {}
  }
  return { [option]: text.sql }
}
