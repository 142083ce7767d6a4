import type { TableIR } from '@fluentorm/core/ir'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'

/** SQLSTATE undefined_function: `function touch_updated_at() does not exist`. */
const UNDEFINED_FUNCTION = '42883'

/**
 * createTable's error when a function the table uses is missing: a trigger's function (or
 * one in a default or check) is declared by the schema's functions, which the migrations or
 * `_functions.sql` create, not the model. Any other error is returned as it is.
 */
export function missingFunctionError(table: TableIR, error: unknown): unknown {
  if (!(error instanceof FluentOrmError) || error.code !== UNDEFINED_FUNCTION) return error
  const triggers = (table.triggers ?? []).map((trigger) => trigger.name)
  const made =
    triggers.length === 0 ? 'the table' : `the table and its triggers (${triggers.join(', ')})`
  const hint =
    'Create the function first: the migrations do (fluentorm migrate), or apply the generated _functions.sql before the table.'
  return new FluentOrmError({
    code: error.code,
    kind: error.kind,
    reason: `${error.reason}; createTable makes ${made} of ${table.name}, not the functions they use. ${hint}`,
    model: error.model,
    operation: error.operation,
    table: table.name,
    hint,
    ...(error.sql === undefined ? {} : { sql: error.sql }),
    cause: error,
  })
}
