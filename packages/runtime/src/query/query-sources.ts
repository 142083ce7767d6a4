import { quotedValue } from '../errors/shown-value.ts'
import { usageError } from '../model/usage-error.ts'
import { typeOf } from '../sql/compiler.ts'
import type { Expr } from '../sql/expression.ts'
import {
  emptyQuery,
  type QueryNode,
  type SelectItem,
  type SetOperator,
  type SetSource,
} from '../sql/query-node.ts'
import { selectedItems } from '../sql/select-parts.ts'

/**
 * The states of queries that read from a source instead of their table: set operations
 * (`union`, `unionAll`, `intersect`, `except`) and CTEs (`with`, `withRecursive`). Each
 * source is read under the model's table name, so everything the builder does afterwards —
 * where, orderBy, limit, includes, terminals — works on its rows.
 */

function fail(state: QueryNode, operation: string, problem: string, hint: string): never {
  throw usageError({ model: state.runtime.info.modelName, operation }, problem, hint)
}

/** Set results no builder call has changed since: a chain of one operator flattens. */
const bareSets = new WeakSet<QueryNode>()

/**
 * `left <op> right` as a new query over their rows. Both must be queries of the same model
 * selecting the same keys, without includes or locks (add includes after the union).
 */
export function setOperation(
  left: QueryNode,
  right: QueryNode,
  op: SetOperator,
  operation: string,
): QueryNode {
  checkPart(left, left, operation)
  checkPart(left, right, operation)
  const leftKeys = selectedItems(left).map((item) => item.key)
  const rightKeys = selectedItems(right).map((item) => item.key)
  if (leftKeys.join('\0') !== rightKeys.join('\0')) {
    fail(
      left,
      operation,
      `the queries select different values (${leftKeys.join(', ')} / ${rightKeys.join(', ')})`,
      'Select the same keys, in the same order, on both sides.',
    )
  }
  const chained =
    bareSets.has(left) &&
    left.source?.kind === 'set' &&
    left.source.rest.every((part) => part.op === op)
  const source: SetSource = chained
    ? {
        ...(left.source as SetSource),
        rest: [...(left.source as SetSource).rest, { op, query: right }],
      }
    : { kind: 'set', first: left, rest: [{ op, query: right }] }
  const first = source.first
  const state: QueryNode = {
    ...emptyQuery(left.runtime),
    // Each part filtered its own soft-deleted rows (or asked for them).
    deleted: 'include',
    source,
    select: first.select === null ? null : first.select.map(output),
    extras: first.extras.map(output),
  }
  bareSets.add(state)
  return state
}

/** A part's value as the rows of the source carry it: a column under its name, else by key. */
function output(item: SelectItem): SelectItem {
  const expr = item.expr
  if (expr.kind === 'column' && expr.table === null && expr.column.name === item.key) return item
  const out: Expr = { kind: 'output', key: item.key, type: typeOf(expr) }
  return { key: item.key, expr: out }
}

function checkPart(state: QueryNode, part: QueryNode, operation: string): void {
  if (part.runtime !== state.runtime) {
    fail(
      state,
      operation,
      `both queries must be on ${state.runtime.info.table.name}, not ${part.runtime.info.table.name}`,
      'Combine queries of the same model.',
    )
  }
  if (part.includes.length) {
    fail(
      state,
      operation,
      'a query combined with another cannot have includes',
      `Add the include after ${operation}: a.${operation}(b).include(…).`,
    )
  }
  if (part.lock) {
    fail(
      state,
      operation,
      'a combined query cannot lock its rows',
      'Lock the rows in a query of their own.',
    )
  }
}

/** PostgreSQL's identifiers: plain names keep the SQL readable and cannot collide with quoting. */
const plainName = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/

/**
 * The CTE's name: a plain identifier that is no schema table (which it would hide) and cannot
 * be an alias the compiler allocates (`posts_1`, `rows_1`, …).
 */
function checkName(state: QueryNode, name: unknown, operation: string): string {
  if (typeof name !== 'string' || !plainName.test(name) || /_\d+$/.test(name)) {
    fail(
      state,
      operation,
      `the name ${quotedValue(name)} is not a plain SQL name (letters, digits and _, not ending in _<number>)`,
      `Name it e.g. ${operation}('tree', …).`,
    )
  }
  if (state.runtime.tables.has(name)) {
    fail(
      state,
      operation,
      `the name "${name}" is a table of the schema`,
      'Give the CTE a name of its own.',
    )
  }
  return name
}

/** A CTE's query must give the model's whole rows, which the query around it then reads. */
function checkCteQuery(state: QueryNode, query: QueryNode, operation: string): void {
  checkPart(state, query, operation)
  if (query.select !== null || query.extras.length) {
    fail(
      state,
      operation,
      "a CTE's query must select the model's whole rows",
      'Select, count and include in the query that reads the CTE.',
    )
  }
  if (query.source) {
    fail(
      state,
      operation,
      "a CTE's query cannot have a source of its own",
      'Use one with() per query.',
    )
  }
}

/** The query reading from `WITH "name" AS (query)` instead of its table. */
export function withSource(
  state: QueryNode,
  name: string,
  query: QueryNode,
  operation: string,
): QueryNode {
  if (state.source)
    fail(state, operation, 'the query already reads from a source', 'Use one source per query.')
  checkCteQuery(state, query, operation)
  const cte = checkName(state, name, operation)
  return {
    ...state,
    deleted: 'include',
    source: { kind: 'cte', name: cte, query, recursive: null },
  }
}

/**
 * The query reading from `WITH RECURSIVE "name" AS (base UNION step)`: `step` is a query of
 * the model whose conditions join its rows to the CTE's (`Model.column()`-like references the
 * builder hands it); UNION (which also ends a walk that meets a cycle) unless `all`.
 */
export function withRecursiveSource(
  state: QueryNode,
  name: string,
  base: QueryNode,
  step: QueryNode,
  all: boolean,
  operation: string,
): QueryNode {
  if (state.source)
    fail(state, operation, 'the query already reads from a source', 'Use one source per query.')
  const cte = checkName(state, name, operation)
  checkCteQuery(state, base, operation)
  checkCteQuery(state, step, operation)
  if (
    step.orderBy.length ||
    step.limit !== null ||
    step.offset !== null ||
    step.distinct ||
    step.groupBy.length ||
    step.having.length
  ) {
    fail(
      state,
      operation,
      'the recursive step cannot order, limit, group or be distinct (PostgreSQL refuses it)',
      'Order and limit the query that reads the CTE.',
    )
  }
  if (step.where.length === 0) {
    fail(
      state,
      operation,
      "the recursive step has no condition joining it to the CTE's rows: it would repeat every row",
      "Write e.g. (q, tree) => q.whereColumn('parent_id', '=', tree.column('id')).",
    )
  }
  if (!all && state.runtime.info.table.columns.some((column) => column.type === 'json')) {
    fail(
      state,
      operation,
      'UNION compares whole rows, and a json column has no equality',
      'Pass { all: true } (UNION ALL: make sure the data has no cycles), or use jsonb.',
    )
  }
  const recursive = { step, all }
  return {
    ...state,
    deleted: 'include',
    source: { kind: 'cte', name: cte, query: base, recursive },
  }
}
