import type { ColumnIR } from '@fluentorm/core/ir'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { maxTime, minTime } from '../executor/encode-params.ts'
import { type UsageContext, usageError } from './usage-error.ts'

/**
 * How deep a json / jsonb value may nest. JSON.stringify recurses once per level and would
 * throw a RangeError (stack overflow) a few thousand levels down; PostgreSQL's own parser
 * stops at its max_stack_depth. Real documents are a few levels deep.
 */
export const MAX_JSON_DEPTH = 1_000

/**
 * Refuses a value its column could not be sent with, naming the column: an Invalid Date or
 * one outside years 0001–9999, and a json value nested deeper than MAX_JSON_DEPTH or
 * holding itself. Runs before any SQL is sent.
 */
export function checkValue(
  context: UsageContext,
  table: string,
  column: ColumnIR,
  value: unknown,
): void {
  if (value instanceof Date) checkDate(context, table, column, value)
  else if (
    (column.type === 'json' || column.type === 'jsonb') &&
    typeof value === 'object' &&
    value !== null
  ) {
    checkJson(context, table, column, value)
  }
}

function checkDate(context: UsageContext, table: string, column: ColumnIR, value: Date): void {
  const time = value.getTime()
  const invalid = Number.isNaN(time)
  if (!invalid && time >= minTime && time < maxTime) return
  throw new FluentOrmError({
    code: 'INVALID_DATE',
    kind: 'invalid_input',
    model: context.model,
    operation: context.operation,
    table,
    column: column.name,
    reason: invalid
      ? `column "${column.name}" of table ${table} was given an Invalid Date (new Date(…) could not read its input). Pass a valid Date or an ISO 8601 string`
      : `column "${column.name}" of table ${table} was given a Date in year ${value.getUTCFullYear()}, outside 0001–9999, which is all a Date is sent as. Pass the timestamp as a string PostgreSQL reads ('10000-01-01 00:00:00Z', '0044-03-15 BC') if you need it`,
  })
}

function checkJson(context: UsageContext, table: string, column: ColumnIR, value: object): void {
  const problem = readJson(value)
  if (!problem) return
  throw usageError(
    context,
    `the value for column "${column.name}" of table ${table} ${problem}`,
    `Pass a JSON value nested at most ${MAX_JSON_DEPTH} levels deep, without cycles (a bigint as a string or a number).`,
  )
}

/** jsonProblem, or what reading the value threw (a getter, a Proxy trap, a toJSON lookup). */
function readJson(value: object): string | null {
  try {
    return jsonProblem(value, new Set(), 1)
  } catch (error) {
    return `could not be read: ${error instanceof Error ? error.message : 'it threw'}`
  }
}

/**
 * Why the value cannot be JSON text, or null. Objects with toJSON (Dates) count as leaves.
 * A bigint inside it would make JSON.stringify throw a TypeError.
 */
function jsonProblem(value: unknown, path: Set<object>, depth: number): string | null {
  if (typeof value === 'bigint') return 'holds a bigint, which JSON cannot hold'
  if (typeof value !== 'object' || value === null) return null
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return null
  if (depth > MAX_JSON_DEPTH) return `is nested more than ${MAX_JSON_DEPTH} levels deep`
  if (path.has(value)) return 'contains itself (a cycle), which JSON cannot hold'
  path.add(value)
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue
    const problem = jsonProblem((value as Record<string, unknown>)[key], path, depth + 1)
    if (problem) return problem
  }
  path.delete(value)
  return null
}
