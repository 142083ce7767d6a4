import type { BelongsToIR } from './schema-ir.ts'
import type { BelongsToOptions } from './table-schema.ts'

/** `constraint: false` and `deferrable`, set only when given (a schema without them hashes the same). */
export function foreignKeyOptions(
  options: BelongsToOptions,
  report: (message: string, hint: string) => void,
): Pick<BelongsToIR, 'constraint' | 'deferrable'> {
  if (options.constraint !== undefined && typeof options.constraint !== 'boolean')
    report(
      'constraint is not true or false.',
      'Write constraint: false to leave out the FOREIGN KEY.',
    )
  const { deferrable } = options
  if (deferrable !== undefined && deferrable !== 'immediate' && deferrable !== 'deferred')
    report(
      `deferrable '${String(deferrable)}' is not 'immediate' or 'deferred'.`,
      "Write deferrable: 'deferred' to check the key at commit, or 'immediate'.",
    )
  else if (deferrable !== undefined && options.constraint === false)
    report(
      'deferrable is set on a belongsTo with constraint: false, which has no constraint to defer.',
      'Remove one of them.',
    )
  return {
    ...(options.constraint === false ? { constraint: false as const } : {}),
    ...(deferrable === 'immediate' || deferrable === 'deferred' ? { deferrable } : {}),
  }
}
