import type { RelationIR } from '@fluentorm/core/ir'
import { quotedValue } from '../errors/shown-value.ts'
import { flag, ownValue } from '../model/input-columns.ts'
import { type ModelRuntime, modelRuntime, runtimeOf } from '../model/model-runtime.ts'
import type { Model } from '../model/model-types.ts'
import { refusedWrite } from '../model/refused-write.ts'
import { requireColumn } from '../model/table-info.ts'
import { onlyOptions, usageError } from '../model/usage-error.ts'
import { expressionOf } from '../sql/expressible.ts'
import type { AggregateExpr, AggregateFunction, ColumnExpr, Expr } from '../sql/expression.ts'
import {
  type Include,
  type Join,
  type Lock,
  nodeWith,
  type QueryNode,
  type SelectItem,
} from '../sql/query-node.ts'
import { selectedItems } from '../sql/select-parts.ts'
import type { AllRowsOption, LockOptions } from './query-types.ts'
import { relationOf } from './relation-query.ts'
import { requireSourceColumn, resolveColumn } from './resolve-column.ts'

/**
 * The checks and lookups behind the query builder's clause methods, as functions of the
 * state, so the builder class stays a thin typed surface.
 */

function fail(state: QueryNode, operation: string, problem: string, hint: string): never {
  throw usageError({ model: state.runtime.info.modelName, operation }, problem, hint)
}

const AGGREGATES: ReadonlySet<string> = new Set(['count', 'sum', 'avg', 'min', 'max'])

/** `count(*)`, `sum(column)`, … checked. */
export function aggregateOf(
  state: QueryNode,
  fn: AggregateFunction,
  column: unknown,
  operation: string,
): AggregateExpr {
  if (!AGGREGATES.has(fn)) {
    fail(
      state,
      operation,
      `unknown aggregate ${quotedValue(fn)}`,
      'Use count, sum, avg, min or max.',
    )
  }
  if (column === '*' && fn !== 'count') {
    fail(state, operation, `${fn}(*) is not an aggregate`, 'Name a column.')
  }
  const arg =
    column === '*'
      ? null
      : (expressionOf(column) ?? resolveColumn(state, column as string, operation))
  return { kind: 'aggregate', fn, arg }
}

/** A column position's argument: a sql fragment or column reference as it is, else a column name. */
export function columnOrExpression(state: QueryNode, value: unknown, operation: string): Expr {
  return expressionOf(value) ?? resolveColumn(state, value as string, operation)
}

/** A join of another model, its ON columns resolved: `column` on the joined table. */
export function joinOf(
  state: QueryNode,
  type: Join['type'],
  model: Model<any>,
  column: string,
  other: string,
): Join {
  const info = runtimeOf(model).info
  const taken = [state.runtime.info, ...state.joins.map((join) => join.info)]
  if (taken.some((candidate) => candidate.table.name === info.table.name)) {
    fail(state, 'join', `table ${info.table.name} is already in the query`, 'Join each table once.')
  }
  const [table, name] = column.split('.')
  if (table !== info.table.name || name === undefined) {
    fail(
      state,
      'join',
      `"${column}" is not a column of the joined table ${info.table.name}`,
      `Write it as ${info.table.name}.<column>.`,
    )
  }
  const left: ColumnExpr = {
    kind: 'column',
    table: info.table.name,
    column: requireColumn(info, name, 'join'),
  }
  const right = resolveColumn(state, other, 'join')
  return { type, info, on: { kind: 'compare', left, op: '=', right } }
}

/**
 * An include: the relation by name, and the nested query `build` makes on the target model.
 */
export function includeOf(
  state: QueryNode,
  name: string,
  nestedState: (target: ModelRuntime) => QueryNode,
): Include {
  const { relation, target } = relationOf(state, name, 'include')
  // The outer row's column the included rows are found by.
  requireSourceColumn(
    state,
    relation.kind === 'belongsTo' ? relation.column : relation.localColumn,
    'include',
  )
  if (state.includes.some((include) => include.relation.name === name)) {
    fail(
      state,
      'include',
      `relation "${name}" is included twice`,
      'Include each relation once, with one nested query: include(name, (q) => q.select(…).where(…)).',
    )
  }
  const taken = [...(state.select ?? []), ...state.extras].some((item) => item.key === name)
  if (taken) {
    fail(
      state,
      'include',
      `two selected values would both be the row's "${name}": a selected value and the include`,
      'Give the selected value another name with the object form of select.',
    )
  }
  const query = nestedState(target)
  if (query.source) {
    fail(
      state,
      'include',
      `the included query of "${name}" cannot read from a union or a CTE`,
      'Filter the included rows with where / whereIn (a subquery may use union).',
    )
  }
  if (query.lock) {
    fail(
      state,
      'include',
      `the included rows of "${name}" cannot be locked (they are aggregated into JSON)`,
      'Lock the related rows with a query of their own inside the transaction.',
    )
  }
  if (requiredRelation(state, relation, target) && filtersAway(query)) {
    fail(
      state,
      'include',
      `relation "${name}" always has its row (a NOT NULL foreign key), so its include cannot filter it away`,
      `Filter the ${state.runtime.info.table.name} by it instead: whereHas('${name}', (q) => q.where(…)).`,
    )
  }
  if (query.runtime !== target) {
    fail(
      state,
      'include',
      `the query built for relation "${name}" is on table ${query.runtime.info.table.name}, not ${target.info.table.name}`,
      'Build on the query the callback receives: include(name, (q) => q.where(…)).',
    )
  }
  return { relation, query }
}

/**
 * A belongsTo whose row always exists (typed non-null in includes, as the .d.ts says:
 * `required: true`): a NOT NULL foreign key to a table without soft delete.
 */
function requiredRelation(state: QueryNode, relation: RelationIR, target: ModelRuntime): boolean {
  if (relation.kind !== 'belongsTo') return false
  const column = state.runtime.info.columns.get(relation.column)
  return column !== undefined && !column.nullable && !target.info.softDelete
}

/**
 * Whether a nested query filters the related row away. (A join is left to the caller: the
 * one there is reason for, to the same row's neighbours, finds it.)
 */
function filtersAway(query: QueryNode): boolean {
  return (
    query.where.length > 0 ||
    query.having.length > 0 ||
    query.offset !== null ||
    query.limit === 0 ||
    query.deleted === 'only'
  )
}

/** The state an update / delete by condition runs on, refused when it would be unsafe. */
export function mutableState(
  state: QueryNode,
  operation: string,
  options: AllRowsOption,
): QueryNode {
  if (state.runtime.info.table.view !== undefined)
    throw refusedWrite(state.runtime.info.table, `query.${operation}`)
  // Named as the query used them: a key of a relation value in where is no select().
  const used = [
    state.select && 'select',
    state.extras.length && 'relation values (withCount, withExists, …)',
    state.distinct && 'distinct',
    state.joins.length && 'joins',
    state.includes.length && 'includes',
    state.groupBy.length && 'groupBy',
    state.having.length && 'having',
    state.limit !== null && 'limit',
    state.offset !== null && 'offset',
    state.source && (state.source.kind === 'set' ? 'union' : 'with'),
  ].filter((part): part is string => typeof part === 'string')
  if (used.length > 0) {
    fail(
      state,
      `query.${operation}`,
      `${operation}() by condition cannot use ${used.join(', ')}: it changes the rows of the table itself`,
      'Express the rows with where conditions (whereIn / whereExists / whereHas with a subquery).',
    )
  }
  onlyOptions(options, ['all'], {
    model: state.runtime.info.modelName,
    operation: `query.${operation}`,
  })
  if (
    state.where.length === 0 &&
    !flag(options, 'all', { model: state.runtime.info.modelName, operation: `query.${operation}` })
  ) {
    fail(
      state,
      `query.${operation}`,
      `${operation}() without a where condition would affect every row`,
      `Add a where, or pass { all: true } to ${operation} them all.`,
    )
  }
  if (operation === 'softDelete' && !state.runtime.info.softDelete) {
    fail(
      state,
      'query.softDelete',
      `table ${state.runtime.info.table.name} has no soft delete (no deleted_at column)`,
      'Add t.softDelete() to its schema, or use delete().',
    )
  }
  return state
}

/** The lock of forUpdate / forShare / …, its options read by own key and checked. */
export function lockOf(
  state: QueryNode,
  strength: Lock['strength'],
  options: LockOptions | undefined,
  operation: string,
): Lock {
  const context = { model: state.runtime.info.modelName, operation }
  onlyOptions(options, ['skipLocked', 'noWait', 'of'], context)
  const skipLocked = flag(options, 'skipLocked', context)
  const noWait = flag(options, 'noWait', context)
  if (skipLocked && noWait) {
    fail(state, operation, 'skipLocked and noWait exclude each other', 'Pass one of them.')
  }
  const of = ownValue(options, 'of')
  if (of !== undefined && !Array.isArray(of)) {
    fail(state, operation, 'the option of must be an array of models', `Pass { of: [Model] }.`)
  }
  const tables = ((of ?? []) as unknown[]).map((model) => {
    const runtime = typeof model === 'object' && model !== null ? modelRuntime(model) : undefined
    if (!runtime) fail(state, operation, 'the option of must list models', `Pass { of: [Model] }.`)
    return runtime.info
  })
  return { strength, of: tables, wait: skipLocked ? 'SKIP LOCKED' : noWait ? 'NOWAIT' : null }
}

/** A LIMIT / OFFSET / page number: a non-negative integer. */
export function countArgument(state: QueryNode, value: number, operation: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    fail(state, operation, `expected a non-negative integer, got ${quotedValue(value)}`, '')
  }
  return value
}

/** paginate's OFFSET, (page - 1) × perPage: refused, not sent, when past a safe integer. */
export function pageOffset(state: QueryNode, page: number, perPage: number): number {
  const offset = (page - 1) * perPage
  if (Number.isSafeInteger(offset)) return offset
  fail(
    state,
    'paginate',
    `page ${page} of ${perPage} rows would start after row ${offset}, past the largest offset a number holds exactly (${Number.MAX_SAFE_INTEGER})`,
    'Pass a smaller page or perPage; to walk a large table, use cursorPaginate.',
  )
}

/** Checks a direction / nulls argument of orderBy (JS callers can pass anything). */
export function checkOrder(state: QueryNode, direction: string, nulls: string | undefined): void {
  if (direction !== 'asc' && direction !== 'desc') {
    fail(state, 'orderBy', `unknown direction ${quotedValue(direction)}`, "Use 'asc' or 'desc'.")
  }
  if (nulls !== undefined && nulls !== 'first' && nulls !== 'last') {
    fail(state, 'orderBy', `unknown nulls ${quotedValue(nulls)}`, "Use 'first' or 'last'.")
  }
}

/** Checks a comparison operator (whereColumn, having). */
export function checkOperator(
  state: QueryNode,
  operators: ReadonlySet<string>,
  op: string,
  operation: string,
): void {
  if (!operators.has(op)) {
    fail(state, operation, `unknown operator ${quotedValue(op)}`, 'Use =, <>, <, <=, > or >=.')
  }
}

/** A subquery argument's state, or a clear error for anything that is not a query. */
export function subqueryState(
  state: QueryNode,
  stateOf: (value: unknown) => QueryNode | null,
  value: unknown,
  operation: string,
): QueryNode {
  const sub = stateOf(value)
  if (sub) return sub
  return fail(
    state,
    operation,
    'expected a subquery',
    'Pass a query, e.g. Comment.query().whereColumn(…).',
  )
}

/**
 * The select list with `added` appended, refusing two items that would be the same property
 * of a row (`select('name', 'users.name')`: both `name`), which would lose one of the values.
 */
export function selectWith(
  state: QueryNode,
  added: readonly SelectItem[],
  operation: string,
): SelectItem[] {
  const select = [...(state.select ?? []), ...added]
  checkKeys(state, [...select, ...state.extras], operation)
  return select
}

/** The extras (relation aggregates) with `added` appended, checked like selectWith. */
export function extrasWith(state: QueryNode, added: SelectItem, operation: string): SelectItem[] {
  const extras = [...state.extras, added]
  checkKeys(state, selectedItems(nodeWith(state, { extras })), operation)
  return extras
}

/** Refuses a key that SQL would mangle, and two values (or an include) under one key. */
function checkKeys(state: QueryNode, items: readonly SelectItem[], operation: string): void {
  const seen = new Set<string>(state.includes.map((include) => include.relation.name))
  for (const item of items) {
    const key = item.key
    checkKey(state, key, operation)
    if (seen.has(key)) {
      const hint =
        item.expr.kind === 'column'
          ? `Give one a name of its own with the object form, e.g. select({ ${renamed(item.expr)}: '${qualified(item.expr)}' }).`
          : item.expr.kind === 'aggregate'
            ? 'Give the aggregate another alias.'
            : 'Give it another name (withCount and the like take { as }).'
      fail(state, operation, `two selected values would both be the row's "${key}"`, hint)
    }
    seen.add(key)
  }
}

/** PostgreSQL's longest identifier, in bytes: a longer alias is silently cut to this. */
const maxKeyBytes = 63

/**
 * A row key is an SQL alias: empty, holding NUL, or longer than PostgreSQL keeps (two long
 * keys would be cut into one), it is refused here instead of failing or merging there.
 */
function checkKey(state: QueryNode, key: string, operation: string): void {
  const problem =
    typeof key !== 'string' || key === ''
      ? 'a row key must be a non-empty string'
      : key.includes('\0')
        ? 'a row key cannot hold a NUL character'
        : key === '__proto__'
          ? 'a row key cannot be __proto__ (an object would take it for its prototype)'
          : Buffer.byteLength(key) > maxKeyBytes
            ? `the row key ${JSON.stringify(key.slice(0, 20))}… is longer than PostgreSQL's ${maxKeyBytes} bytes`
            : null
  if (problem) fail(state, operation, problem, 'Name the value with a shorter plain name.')
}

/** `users.name` for a joined column, `name` for the query's own. */
function qualified(target: ColumnExpr): string {
  return target.table === null ? target.column.name : `${target.table}.${target.column.name}`
}

/** A row key for a renamed column: `users_name`, or `name_2` for the query's own. */
function renamed(target: ColumnExpr): string {
  return target.table === null ? `${target.column.name}_2` : `${target.table}_${target.column.name}`
}
