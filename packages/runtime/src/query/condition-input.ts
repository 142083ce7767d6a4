import { type UsageContext, usageError } from '../model/usage-error.ts'
import { COMPARISON_OPERATORS } from './condition-sql.ts'
import type { Condition, QueryState } from './query-state.ts'
import { resolveColumn } from './resolve-column.ts'

/**
 * Turns the arguments of `where(column, value)` / `where(column, op, value)` into a
 * condition, checking the operator and the value's shape for it.
 *
 * `subqueryState` extracts the state of a QueryBuilder value (a subquery) or returns null.
 */
export function parseCondition(
  state: QueryState,
  args: readonly unknown[],
  operation: string,
  subqueryState: (value: unknown) => QueryState | null,
): Condition {
  const context = { model: state.runtime.info.modelName, operation }
  const [column, opOrValue, maybeValue] = args
  const target = resolveColumn(state, column as string, operation)
  if (args.length === 2) {
    if (opOrValue === undefined) throw missingValue(context, target.column.name, '=')
    return { kind: 'compare', left: target, op: '=', value: opOrValue }
  }
  const op = typeof opOrValue === 'string' ? opOrValue.toLowerCase() : ''
  if (op === 'in' || op === 'not in') {
    const negated = op === 'not in'
    const subquery = subqueryState(maybeValue)
    if (subquery) return { kind: 'in', target, negated, values: subquery }
    if (!Array.isArray(maybeValue)) {
      throw usageError(
        context,
        `"${op}" on column "${target.column.name}" needs an array or a subquery`,
        `Pass e.g. where('${target.column.name}', '${op}', [a, b]).`,
      )
    }
    return { kind: 'in', target, negated, values: maybeValue }
  }
  if (op === 'between' || op === 'not between') {
    if (!Array.isArray(maybeValue) || maybeValue.length !== 2) {
      throw usageError(
        context,
        `"${op}" on column "${target.column.name}" needs a [low, high] pair`,
        `Pass e.g. where('${target.column.name}', '${op}', [1, 10]).`,
      )
    }
    const [low, high] = maybeValue
    return { kind: 'between', target, negated: op === 'not between', low, high }
  }
  if (!COMPARISON_OPERATORS.has(op)) {
    throw usageError(
      context,
      `unknown operator ${JSON.stringify(opOrValue)} on column "${target.column.name}"`,
      `Use one of: ${[...COMPARISON_OPERATORS, 'in', 'not in', 'between', 'not between'].join(', ')}.`,
    )
  }
  if (maybeValue === undefined) throw missingValue(context, target.column.name, op)
  return { kind: 'compare', left: target, op, value: maybeValue }
}

function missingValue(context: UsageContext, column: string, op: string) {
  return usageError(
    context,
    `where('${column}', '${op}', …) got undefined as its value`,
    'Pass a value, null, or use whereNull / whereNotNull.',
  )
}
