import type { ColumnIR } from '@fluentorm/core/ir'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Executor } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { type Expressible, expressionOf, toExpression } from './expressible.ts'
import type { Expr, RawExpr, RefExpr } from './expression.ts'
import { withPlaceholders } from './placeholder.ts'
import { QueryCompiler } from './select-compiler.ts'
import { done, type Statement } from './statement.ts'
import { statementName } from './statement-name.ts'

/** Type-only key of a fragment's value type (no runtime value). */
export declare const sqlType: unique symbol

/**
 * A piece of SQL written by hand: text, bound values, column references and nested
 * fragments. Made by the `sql` tagged template; accepted wherever a column is, and run as a
 * whole statement with `fetch` / `first`. `T` is the type of its value (a statement: a row).
 */
export class Sql<T = unknown> implements Expressible {
  declare readonly [sqlType]: T
  readonly #node: RawExpr

  /** @internal Use the `sql` tagged template. */
  constructor(node: RawExpr) {
    this.#node = node
  }

  [toExpression](): Expr {
    return this.#node
  }

  /** The statement `fetch` runs: `{ text, values }`. */
  toSQL(): Statement {
    // The tables of the queries it holds: no alias the compiler gives them may take one.
    const compiler = new QueryCompiler(tablesIn(this.#node, new Set()))
    return done(compiler, compiler.expr(this.#node, null))
  }

  /**
   * Runs the fragment as a statement; its rows, decoded as model rows are. `params`: the
   * values of the `placeholder()`s it holds.
   */
  async fetch(db: Executor, params?: Readonly<Record<string, unknown>>): Promise<T[]> {
    const statement = this.toSQL()
    const text = statement.text
    try {
      const values =
        statement.placeholders || params !== undefined
          ? withPlaceholders(statement.values, params, 'fetch')
          : statement.values
      // A replica refuses a write (READ_ONLY) before doing anything; it then runs on the primary.
      const config = { text, values, name: statementName(text), readOnly: true }
      const result = await toDriver(db).query<T>(config)
      return result.rows
    } catch (error) {
      throw toFluentError(error, { operation: 'sql.fetch', sql: text })
    }
  }

  /** The first row, or null. */
  async first(db: Executor, params?: Readonly<Record<string, unknown>>): Promise<T | null> {
    return (await this.fetch(db, params))[0] ?? null
  }
}

/** Every schema table of the queries a fragment holds, at any depth. */
function tablesIn(node: Expr, tables: Set<string>): Set<string> {
  if (node.kind === 'subquery' || node.kind === 'exists') {
    for (const table of node.query.runtime.tables) tables.add(table)
  } else if (node.kind === 'raw') {
    for (const value of node.values) tablesIn(value, tables)
  }
  return tables
}

/**
 * `Model.column('x')`: a quoted, qualified identifier. Inside another model's query it names
 * the nearest query around it on that model's table (a correlated subquery); in a statement
 * that names no such query, the table by its own name.
 */
export class ColumnRef implements Expressible {
  readonly #node: RefExpr

  /** @internal Use `Model.column(name)`. */
  constructor(table: string, column: ColumnIR) {
    this.#node = Object.freeze({ kind: 'ref', table, column })
  }

  [toExpression](): Expr {
    return this.#node
  }

  /**
   * A value inside a json / jsonb column, as JSON: `Post.column('meta').path('a', 0)` →
   * `"posts"."meta" -> $1::text -> $2::int`. Keys are bound (strings as object keys, integers
   * as array indexes), never written into the SQL.
   */
  path(...keys: (string | number)[]): Sql<unknown> {
    return this.#path(keys, 'path')
  }

  /** Like `path`, the last step as text (`->>`): a string, or null where there is no value. */
  pathText(...keys: (string | number)[]): Sql<string | null> {
    return this.#path(keys, 'pathText')
  }

  #path(keys: readonly unknown[], method: 'path' | 'pathText'): Sql<any> {
    const { column } = this.#node
    const where = `${this.#node.table}.${column.name}`
    if (column.array || (column.type !== 'json' && column.type !== 'jsonb')) {
      throw invalid(
        `${method}() needs a json or jsonb column, and ${where} is ${column.array ? 'an array' : column.type}`,
        'Use it on a json / jsonb column.',
      )
    }
    if (keys.length === 0) {
      throw invalid(`${method}() needs at least one key`, `Write e.g. ${method}('key').`)
    }
    const strings = ['']
    const values: Expr[] = [this.#node]
    let after = '' // the cast that follows the value before
    keys.forEach((key, i) => {
      const cast = typeof key === 'string' ? 'text' : Number.isSafeInteger(key) ? 'int' : null
      if (cast === null) {
        throw invalid(
          `the key at position ${i + 1} of ${method}() on ${where} is ${describe(key)}`,
          'Pass object keys as strings and array indexes as integers.',
        )
      }
      const arrow = method === 'pathText' && i === keys.length - 1 ? '->>' : '->'
      strings.push(`${after} ${arrow} `)
      values.push(Object.freeze({ kind: 'value', value: key, column: null }))
      after = `::${cast}`
    })
    strings.push(after)
    return new Sql(Object.freeze({ kind: 'raw', strings, values }))
  }
}

/**
 * SQL written by hand, safely: interpolated values are bound parameters, `Model.column('x')`
 * is an identifier, a nested fragment is spliced in with its parameters renumbered, and a
 * query builder is a parenthesised subquery.
 *
 * ```ts
 * await Payment.query()
 *   .select({ month: sql<Date>`date_trunc('month', ${Payment.column('paid_at')})` })
 *   .groupBy(sql`date_trunc('month', ${Payment.column('paid_at')})`)
 *   .fetch(db)
 * await sql<{ n: number }>`SELECT ${1}::int AS n`.fetch(db)   // SELECT $1::int AS n
 * ```
 */
export function sql<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): Sql<T> {
  if (!Array.isArray(strings) || !Array.isArray((strings as { raw?: unknown }).raw)) {
    throw invalid('sql must be used as a tagged template: sql`…`', 'Write sql`SELECT …`.')
  }
  const nodes = values.map((value, i) => interpolated(value, i + 1))
  return new Sql<T>(
    Object.freeze({ kind: 'raw', strings: Object.freeze([...strings]), values: nodes }),
  )
}

/**
 * Trusted SQL text, inserted as it is: the one unsafe door. Never pass it anything a user
 * typed; values belong in `sql` interpolations, which are bound.
 */
sql.raw = function raw<T = unknown>(text: string): Sql<T> {
  if (typeof text !== 'string') {
    throw invalid(
      `sql.raw takes a string, got ${describe(text)}`,
      'Pass SQL text you wrote yourself.',
    )
  }
  return new Sql<T>(Object.freeze({ kind: 'raw', strings: [text], values: [] }))
}

/**
 * Fragments (or values, bound) joined by `separator` (a fragment; default `, `):
 * `sql.join([sql`a`, sql`b`], sql` AND `)`.
 */
sql.join = function join<T = unknown>(items: readonly unknown[], separator: Sql = sql`, `): Sql<T> {
  if (!Array.isArray(items)) {
    throw invalid(`sql.join takes an array, got ${describe(items)}`, 'Pass an array of fragments.')
  }
  const glue = expressionOf(separator)
  if (!(separator instanceof Sql) || glue?.kind !== 'raw') {
    throw invalid('sql.join: the separator must be a sql fragment', 'Write e.g. sql` AND `.')
  }
  const strings: string[] = ['']
  const values: Expr[] = []
  items.forEach((item, i) => {
    if (i > 0) {
      values.push(glue)
      strings.push('')
    }
    values.push(interpolated(item, i + 1))
    strings.push('')
  })
  return new Sql<T>(Object.freeze({ kind: 'raw', strings, values }))
}

/** An interpolated item as an expression: an expression object, else a checked value. */
function interpolated(value: unknown, position: number): Expr {
  const expression = expressionOf(value)
  if (expression) return expression
  const problem = refusedValue(value)
  if (problem) {
    throw invalid(
      `the value at position ${position} of a sql template is ${problem}`,
      'Interpolate values (string, number, bigint, boolean, Date, Uint8Array, null, arrays and plain objects for json), Model.column(…), sql fragments or queries.',
    )
  }
  return Object.freeze({ kind: 'value', value, column: null })
}

/** Why a value cannot be bound, or null when it can. */
function refusedValue(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'bigint':
    case 'boolean':
      return null
    case 'undefined':
      return 'undefined (pass null for NULL)'
    case 'function':
    case 'symbol':
      return `a ${typeof value}`
  }
  if (value === null || value instanceof Date || value instanceof Uint8Array) return null
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = refusedValue(item)
      if (problem && item !== undefined) return `an array holding ${problem}`
    }
    return null
  }
  const proto = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) return null
  return `an instance of ${(value as object).constructor?.name ?? 'a class'}, which is not a value`
}

function describe(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value
}

function invalid(reason: string, hint: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: `${reason}. ${hint}`,
    operation: 'sql',
    hint,
  })
}
