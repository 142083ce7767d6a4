import { FluentOrmError } from '../errors/fluent-orm-error.ts'

export interface UsageContext {
  readonly model: string
  readonly operation: string
}

/**
 * An error in how a model or query was called (unknown column, missing id, …), raised
 * before any SQL runs: `User.insert failed: unknown column "emial" on table users. Use one
 * of: id, email, name.`
 */
/**
 * Refuses options that are not an object of the `names` given: a misspelt option would be
 * read as no option (an upsert's `updaet: []` updated every column, `{ afer: cursor }` gave
 * the first page again). Absent options are fine.
 */
export function onlyOptions(
  options: unknown,
  names: readonly string[],
  context: UsageContext,
): void {
  if (options === undefined) return
  const hint = `Its options are ${names.join(', ')}.`
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    const got = Array.isArray(options) ? 'an array' : options === null ? 'null' : typeof options
    throw usageError(
      context,
      `the options of ${context.operation} must be an object, got ${got}`,
      hint,
    )
  }
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) {
      throw usageError(context, `${context.operation} has no option ${JSON.stringify(key)}`, hint)
    }
  }
}

export function usageError(context: UsageContext, problem: string, hint: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: hint ? `${problem}. ${hint}` : problem,
    model: context.model,
    operation: context.operation,
    hint: hint || undefined,
  })
}
