import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { usageError } from '../model/usage-error.ts'
import { aggregateCast, aggregateType, selectCast } from './column-types.ts'
import { Slot, typeOf } from './compiler.ts'
import type { AggregateExpr, Expr } from './expression.ts'
import { quoteIdent } from './identifier.ts'
import { nodeWith, type QueryNode } from './query-node.ts'
import { QueryCompiler } from './select-compiler.ts'
import { orderedItems, shaped, unusedKey } from './select-parts.ts'
import { statementName } from './statement-name.ts'

/** A rendered statement: the text with `$n` placeholders and the values to bind. */
export interface Statement {
  readonly text: string
  readonly values: readonly unknown[]
  /** Some values are `placeholder()`s, given when the statement runs (placeholder.ts). */
  readonly placeholders?: boolean
}

/**
 * A statement rendered once and run many times (model CRUD): its name for the prepared
 * statement, and which argument each `$n` takes.
 */
export interface Template {
  readonly text: string
  readonly name: string
  /** `$n` takes `args[order[n - 1]]`; null when `$n` takes `args[n - 1]`. */
  readonly order: readonly number[] | null
}

/** Freezes what a compiler rendered into a Template (every value must be a placeholder). */
export function template(text: string, values: readonly unknown[]): Template {
  const order = values.map((value) => {
    if (!(value instanceof Slot) || typeof value.key !== 'number') {
      throw new Error('a template binds only numbered placeholders')
    }
    return value.key
  })
  const direct = order.every((index, i) => index === i)
  return Object.freeze({ text, name: statementName(text), order: direct ? null : order })
}

/** The values a template binds for `args`. */
export function templateValues(t: Template, args: readonly unknown[]): readonly unknown[] {
  return t.order === null ? args : t.order.map((index) => args[index])
}

/**
 * `SELECT "posts"."id", … FROM "posts" WHERE "posts"."deleted_at" IS NULL AND … ORDER BY …
 * LIMIT $n`, with each include as a correlated JSON subquery in the select list.
 */
export function selectStatement(query: QueryNode): Statement {
  const compiler = new QueryCompiler(query.runtime.tables)
  return done(compiler, compiler.select(query, null))
}

/** `SELECT count(*) AS "count" FROM …`; wraps the query when DISTINCT, GROUP BY or LIMIT shape it. */
export function countStatement(query: QueryNode): Statement {
  const compiler = new QueryCompiler(query.runtime.tables)
  if (shaped(query)) {
    // Its order changes no count: a limit or an offset takes as many rows in any order.
    const inner = compiler.select(nodeWith(query, { includes: [], extras: [], orderBy: [] }), null)
    return done(compiler, `SELECT count(*) AS "count" FROM (${inner}) AS ${compiler.alias('q')}`)
  }
  const frame = compiler.frame(query, null)
  return done(compiler, `SELECT count(*) AS "count" ${compiler.fromWhere(query, frame)}`)
}

/** `SELECT EXISTS (SELECT 1 FROM … WHERE …) AS "exists"` */
export function existsStatement(query: QueryNode): Statement {
  const compiler = new QueryCompiler(query.runtime.tables)
  const inner = compiler.subquery(nodeWith(query, { includes: [], extras: [] }), null, '1')
  return done(compiler, `SELECT EXISTS (${inner}) AS "exists"`)
}

/**
 * `SELECT sum("posts"."view_count")::float8 AS "value" FROM … WHERE …`: an aggregate over the
 * rows the query gives. A limited query is aggregated over its rows as a derived table; a
 * DISTINCT or grouped one is refused (which rows, or which groups, would be ambiguous).
 */
export function aggregateStatement(query: QueryNode, aggregate: AggregateExpr): Statement {
  const compiler = new QueryCompiler(query.runtime.tables)
  if (query.distinct || query.groupBy.length || query.having.length) {
    throw usageError(
      { model: query.runtime.info.modelName, operation: aggregate.fn },
      `${aggregate.fn}() of a distinct or grouped query is ambiguous`,
      `Select it per group with selectAggregate('${aggregate.fn}', …), or drop distinct / groupBy.`,
    )
  }
  if (query.limit === null && query.offset === null) {
    const frame = compiler.frame(query, null)
    const sql = compiler.value(aggregate, frame, false)
    return done(compiler, `SELECT ${sql} AS "value" ${compiler.fromWhere(query, frame)}`)
  }
  const arg = aggregate.arg ?? one
  // The values an orderBy names by key stay selected, so its aliases still mean them.
  const kept = orderedItems(query)
  const key = unusedKey(kept, '__value')
  const select = [...kept, { key, expr: arg }]
  const inner = compiler.select(nodeWith(query, { select, extras: [], includes: [] }), null)
  const rows = compiler.alias('rows')
  const input = aggregate.arg ? `${rows}.${quoteIdent(key)}` : '*'
  const type = aggregate.arg ? typeOf(aggregate.arg) : null
  const value = `${aggregate.fn}(${input})${aggregateCast(aggregate.fn, type)}`
  const result = aggregateType(aggregate.fn, type)
  const text = `SELECT ${result ? selectCast(value, result) : value} AS "value" FROM (${inner}) AS ${rows}`
  return done(compiler, text)
}

const one: Expr = { kind: 'raw', strings: ['1'], values: [] }

/** PostgreSQL's limit on the parameters of one statement. */
export const maxParameters = 65_535

export function done(compiler: QueryCompiler, text: string): Statement {
  const values = Object.freeze(compiler.values)
  if (values.length > maxParameters) {
    // Sent, the server would drop the connection; said here, the caller learns what to do.
    throw new FluentOrmError({
      code: 'INVALID_USAGE',
      kind: 'invalid_usage',
      reason: `the statement has ${values.length} parameters; PostgreSQL takes at most ${maxParameters}. Pass a long list as one array (where(column, 'in', list) binds one parameter), or split the work`,
      operation: 'query',
    })
  }
  return Object.freeze(
    compiler.placeholders ? { text, values, placeholders: true } : { text, values },
  )
}
