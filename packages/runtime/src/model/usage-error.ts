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
