import type { ColumnIR } from '@fluentorm/core/ir'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { quotedValue } from '../errors/shown-value.ts'
import { type UsageContext, usageError } from '../model/usage-error.ts'
import { bindList } from '../sql/column-types.ts'
import { expressionOf } from '../sql/expressible.ts'
import { COMPARISON_OPERATORS, CONTAINMENT_OPERATORS, type Expr } from '../sql/expression.ts'
import type { QueryNode } from '../sql/query-node.ts'
import { selectedItems } from '../sql/select-parts.ts'
import { selectedValue } from './relation-query.ts'
import { resolveColumn } from './resolve-column.ts'

/**
 * Turns the arguments of `where(column, value)` / `where(column, op, value)` /
 * `where(fragment)` into a condition, checking the operator and the value's shape for it.
 * The left side is a column name or an expression (a `sql` fragment, `Model.column()`); a
 * value is bound, with its column's binding rules when the left side is a column, unless it
 * is itself an expression.
 *
 * `subquery` extracts the node of a QueryBuilder value or returns null.
 */
export function parseCondition(
  query: QueryNode,
  args: readonly unknown[],
  operation: string,
  subquery: (value: unknown) => QueryNode | null,
): Expr {
  const context = { model: query.runtime.info.modelName, operation }
  const [first, opOrValue, maybeValue] = args
  const left =
    expressionOf(first) ??
    keyedValue(query, first) ??
    resolveColumn(query, first as string, operation)
  const name = left.kind === 'column' ? left.column.name : 'the expression'
  if (args.length === 1) {
    if (left.kind === 'column') {
      throw usageError(
        context,
        `where('${name}') has no value`,
        `Pass a value: where('${name}', value), or use whereNull / whereNotNull.`,
      )
    }
    if (left.kind === 'raw' && left.values.length === 0 && left.strings.join('').trim() === '') {
      throw usageError(
        context,
        'the condition is an empty sql fragment',
        'Pass a condition, or leave the where out.',
      )
    }
    return left
  }
  const column = left.kind === 'column' || left.kind === 'ref' ? left.column : null
  const operand = (value: unknown): Expr => {
    const expr = expressionOf(value)
    if (!expr) return { kind: 'value', value, column }
    // A placeholder compared with a column takes the column's binding rules.
    return expr.kind === 'placeholder' ? { ...expr, column } : expr
  }
  if (args.length === 2) {
    if (opOrValue === undefined) throw missingValue(context, name, '=')
    return { kind: 'compare', left, op: '=', right: operand(opOrValue) }
  }
  const op = typeof opOrValue === 'string' ? opOrValue.toLowerCase() : ''
  if (op === 'in' || op === 'not in') {
    const negated = op === 'not in'
    const nested = subquery(maybeValue)
    if (nested && (selectedItems(nested).length !== 1 || nested.includes.length > 0)) {
      throw usageError(
        context,
        `"${op}" with a subquery needs the subquery to select exactly one value`,
        "Select the one column it compares with, e.g. Post.query().select('user_id').",
      )
    }
    if (nested)
      return { kind: 'in', operand: left, negated, list: { kind: 'subquery', query: nested } }
    if (!Array.isArray(maybeValue)) {
      throw usageError(
        context,
        `"${op}" on ${quoted(name)} needs an array or a subquery`,
        `Pass e.g. where('${name}', '${op}', [a, b]).`,
      )
    }
    return {
      kind: 'in',
      operand: left,
      negated,
      list: {
        kind: 'value',
        value: column ? listOf(context, column, maybeValue) : maybeValue,
        column: null,
      },
    }
  }
  if (op === 'between' || op === 'not between') {
    if (!Array.isArray(maybeValue) || maybeValue.length !== 2) {
      throw usageError(
        context,
        `"${op}" on ${quoted(name)} needs a [low, high] pair`,
        `Pass e.g. where('${name}', '${op}', [1, 10]).`,
      )
    }
    const [low, high] = maybeValue
    return {
      kind: 'between',
      operand: left,
      negated: op === 'not between',
      low: operand(low),
      high: operand(high),
    }
  }
  const search = SEARCH_OPERATORS[op]
  if (search) {
    if (typeof maybeValue !== 'string') {
      throw usageError(
        context,
        `${quotedValue(opOrValue)} on ${quoted(name)} needs a string, got ${maybeValue === null ? 'null' : typeof maybeValue}`,
        'Pass the text to look for; it is matched literally (% and _ included).',
      )
    }
    const pattern = `${search.before}${escapeLike(maybeValue)}${search.after}`
    return {
      kind: 'compare',
      left,
      op: search.op,
      right: { kind: 'value', value: pattern, column: null },
    }
  }
  if (op === 'any' || CONTAINMENT_OPERATORS.has(op)) {
    if (maybeValue === undefined) throw missingValue(context, name, op)
    return containmentCondition(context, left, column, name, op, maybeValue)
  }
  if (!COMPARISON_OPERATORS.has(op)) {
    throw usageError(
      context,
      `unknown operator ${quotedValue(opOrValue)} on ${quoted(name)}`,
      `Use one of: ${[...COMPARISON_OPERATORS, 'in', 'not in', 'between', 'not between', ...CONTAINMENT_OPERATORS, 'any', ...SEARCH_NAMES].join(', ')}.`,
    )
  }
  if (maybeValue === undefined) throw missingValue(context, name, op)
  return { kind: 'compare', left, op, right: operand(maybeValue) }
}

/** An `in` list bound for its column; a json value JSON cannot write is refused, by position. */
function listOf(context: UsageContext, column: ColumnIR, values: readonly unknown[]): unknown {
  try {
    return bindList(column, values)
  } catch (error) {
    const why =
      error instanceof RangeError
        ? 'nested too deeply'
        : 'not JSON (a bigint, a cycle, or a toJSON that throws)'
    throw usageError(
      context,
      `a value of the in-list for column "${column.name}" is ${why}`,
      'Pass JSON values: objects, arrays, strings, finite numbers, booleans and null.',
    )
  }
}

/**
 * `contains` / `startsWith` / `endsWith` (and `i…` for ILIKE): LIKE with the text escaped, so
 * `%`, `_` and `\` in it match themselves. Keys are lowercased, as operators are read.
 */
const SEARCH_OPERATORS: Readonly<Record<string, { op: string; before: string; after: string }>> =
  Object.freeze(
    Object.assign(Object.create(null), {
      contains: { op: 'like', before: '%', after: '%' },
      startswith: { op: 'like', before: '', after: '%' },
      endswith: { op: 'like', before: '%', after: '' },
      icontains: { op: 'ilike', before: '%', after: '%' },
      istartswith: { op: 'ilike', before: '', after: '%' },
      iendswith: { op: 'ilike', before: '%', after: '' },
    }),
  )
const SEARCH_NAMES = ['contains', 'startsWith', 'endsWith', 'icontains', 'istartsWith', 'iendsWith']

/**
 * Text made literal inside a LIKE / ILIKE pattern: `\`, `%` and `_` escaped with `\`
 * (PostgreSQL's default LIKE escape). `where('title', 'like', `%${escapeLike(input)}%`)`.
 */
export function escapeLike(text: string): string {
  if (typeof text !== 'string') {
    throw new FluentOrmError({
      code: 'INVALID_USAGE',
      kind: 'invalid_usage',
      reason: `escapeLike takes a string, got ${text === null ? 'null' : typeof text}`,
      operation: 'escapeLike',
    })
  }
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/**
 * An array or jsonb condition: `tags @> $1`, `meta ? $1`, `meta ?| $1::text[]`,
 * `$1 = ANY(tags)`. On a column, the operator must suit its type (arrays: @> <@ && any;
 * jsonb: @> <@ ? ?| ?&), said before PostgreSQL would.
 */
function containmentCondition(
  context: UsageContext,
  left: Expr,
  column: ColumnIR | null,
  name: string,
  op: string,
  value: unknown,
): Expr {
  if (column) {
    const fits = column.array
      ? op === '@>' || op === '<@' || op === '&&' || op === 'any'
      : column.type === 'jsonb' && op !== '&&' && op !== 'any'
    if (!fits) {
      const kind = column.array ? 'an array' : column.type
      throw usageError(
        context,
        `"${op}" does not apply to column "${name}" (${kind})`,
        column.array
          ? "Arrays take '@>', '<@', '&&' and 'any'."
          : column.type === 'jsonb'
            ? "jsonb takes '@>', '<@', '?', '?|' and '?&'."
            : 'Use it on an array or jsonb column.',
      )
    }
  }
  const bound = (v: unknown, col: ColumnIR | null): Expr =>
    expressionOf(v) ?? { kind: 'value', value: v, column: col }
  if (op === 'any') {
    return {
      kind: 'compare',
      left: bound(value, null),
      op: '=',
      right: { kind: 'call', fn: 'ANY', args: [left] },
    }
  }
  if (op === '?') {
    if (typeof value !== 'string' && !expressionOf(value)) {
      throw usageError(
        context,
        `"?" on ${quoted(name)} needs a key (a string)`,
        `Pass e.g. where('${name}', '?', 'key').`,
      )
    }
    return { kind: 'compare', left, op, right: bound(value, null) }
  }
  if (op === '?|' || op === '?&') {
    if (!Array.isArray(value) || !value.every((key) => typeof key === 'string')) {
      throw usageError(
        context,
        `"${op}" on ${quoted(name)} needs an array of keys (strings)`,
        `Pass e.g. where('${name}', '${op}', ['a', 'b']).`,
      )
    }
    const keys: Expr = { kind: 'raw', strings: ['', '::text[]'], values: [bound(value, null)] }
    return { kind: 'compare', left, op, right: keys }
  }
  return { kind: 'compare', left, op, right: bound(value, column) }
}

/**
 * A value the select list computes (withCount's key, a fragment's key) named where a column
 * would be: its expression, as WHERE cannot name a select-list alias. A column name wins.
 */
export function keyedValue(query: QueryNode, name: unknown): Expr | undefined {
  if (typeof name !== 'string' || name.includes('.') || query.runtime.info.columns.has(name)) {
    return undefined
  }
  const item = selectedValue(query, name)
  return item && item.expr.kind !== 'column' ? item.expr : undefined
}

function quoted(name: string): string {
  return name === 'the expression' ? name : `column "${name}"`
}

function missingValue(context: UsageContext, column: string, op: string) {
  return usageError(
    context,
    `where('${column}', '${op}', …) got undefined as its value`,
    'Pass a value, null, or use whereNull / whereNotNull.',
  )
}
