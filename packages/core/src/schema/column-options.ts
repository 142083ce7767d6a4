import { expressionText } from './expression-text.ts'
import type { ColumnDraft } from './table-schema.ts'
import { checkTsType, checkTypeName } from './type-name.ts'

/** The options of generated, custom and typed (`tsType`) columns, checked for compileColumn. */

type Report = (message: string, hint: string) => void

/**
 * A generated column's expression, or null; the options it cannot have with it (the database
 * computes every value) are reported.
 */
export function generatedExpression(draft: ColumnDraft, report: Report): string | null {
  const { options } = draft
  if (options.generatedAs === undefined) return null
  const result = expressionText(options.generatedAs, 'generatedAs expression')
  if (!result.ok) {
    report(result.message, result.hint)
    return null
  }
  const conflicting = [
    options.defaultValue !== undefined ? 'defaultValue' : null,
    draft.identity ? 'an identity builder' : null,
    options.primaryKey === true ? 'primaryKey' : null,
    options.createInput !== undefined && options.createInput !== 'excluded' ? 'createInput' : null,
    options.updateInput === true ? 'updateInput' : null,
    options.onUpdate !== undefined ? 'onUpdate' : null,
  ].filter((name) => name !== null)
  if (conflicting.length > 0)
    report(
      `A generated column (generatedAs) cannot have ${conflicting.join(', ')}: the database computes every value.`,
      `Remove ${conflicting.join(', ')}, or remove generatedAs.`,
    )
  return result.sql
}

/** A custom column's type, checked by the grammar of type names; `inet[]` is an array. */
export function customType(
  options: ColumnDraft['options'],
  report: Report,
): { base: string; array: boolean } {
  const checked = checkTypeName(options.type)
  if (!checked.ok) {
    report(checked.message, checked.hint)
    return { base: 'TEXT', array: false }
  }
  if (checked.array && options.array === true)
    report(
      `type '${options.type}' is an array type and the column has array: true.`,
      'Keep one of them.',
    )
  return { base: checked.base, array: checked.array }
}

export function compileTsType(option: unknown, report: Report): string | null {
  const checked = checkTsType(option)
  if (checked.ok) return checked.type
  report(checked.message, checked.hint)
  return null
}
