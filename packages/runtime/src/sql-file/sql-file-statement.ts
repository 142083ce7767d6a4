import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import { parseArrayLiteral } from '../executor/array-literal.ts'
import { arrayParam } from '../executor/array-param.ts'
import type { Executor } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { statementName } from '../sql/statement-name.ts'

/**
 * A statement of a `.sql` file, as `import { topFilms } from './films.sql'` gives it: called
 * with the executor and its named parameters, it resolves to the typed rows (a statement
 * without result columns: the number of rows it affected).
 */
export interface SqlFileStatement<P extends object, R> {
  (
    db: Executor,
    ...params: Record<string, never> extends P ? [params?: P] : [params: P]
  ): Promise<R>
  /** The statement as sent, its `:params` written `$1`, `$2`, … */
  readonly sql: string
}

/** What the plugin's generated module says of each statement. */
export interface SqlFileStatementSpec {
  /** The `-- name:` of the statement. */
  readonly name: string
  readonly text: string
  /** Parameter names in `$n` order. */
  readonly params: readonly string[]
  /** Whether it returns rows (else it resolves to the affected row count). */
  readonly rows: boolean
  /** The file, for messages: `queries/films.sql`. */
  readonly file: string
  /**
   * Result columns that are arrays of a type the decoders do not know (an enum's, a
   * domain's): they arrive as PostgreSQL's array text and are parsed into arrays of strings.
   */
  readonly textArrays?: readonly string[]
  /**
   * Parameters sent as JSON text (json, jsonb) or as an array literal (arrays: PGlite has no
   * serializer for an enum's or a domain's arrays), by name. null stays NULL.
   */
  readonly encode?: Readonly<Record<string, 'json' | 'array'>>
}

/**
 * @internal The function the plugin's module exports for one statement: one named prepared
 * statement per text, values decoded as model rows are, every failure a FluentOrmError.
 */
export function sqlFileStatement(
  spec: SqlFileStatementSpec,
): SqlFileStatement<Record<string, unknown>, unknown> {
  const name = statementName(spec.text)
  const operation = `${spec.name} (${spec.file})`
  // A replica refuses a write (READ_ONLY) before doing anything; it then runs on the primary.
  const readOnly = /^\s*(?:select|with|values|table)\b/i.test(spec.text)
  const run = async (db: Executor, params: Readonly<Record<string, unknown>> = {}) => {
    const values = valuesOf(spec, params, operation)
    try {
      const result = await toDriver(db).query<Record<string, unknown>>({
        name,
        text: spec.text,
        values,
        readOnly,
      })
      if (!spec.rows) return result.rowCount
      if (spec.textArrays) for (const row of result.rows) parseTextArrays(row, spec.textArrays)
      return result.rows
    } catch (error) {
      throw toFluentError(error, { operation, sql: spec.text })
    }
  }
  return Object.assign(run, { sql: spec.text })
}

const keepText = (text: string) => text

function parseTextArrays(row: Record<string, unknown>, columns: readonly string[]): void {
  for (const column of columns) {
    const value = row[column]
    if (typeof value === 'string') row[column] = parseArrayLiteral(value, keepText)
  }
}

function valuesOf(
  spec: SqlFileStatementSpec,
  params: Readonly<Record<string, unknown>>,
  operation: string,
): unknown[] {
  if (typeof params !== 'object' || params === null) {
    throw usage(
      operation,
      `the parameters are ${params === null ? 'null' : typeof params}, not an object`,
    )
  }
  const unknown = Object.keys(params).filter((key) => !spec.params.includes(key))
  if (unknown.length > 0) {
    throw usage(
      operation,
      `unknown parameter ${unknown.join(', ')}; it takes ${listed(spec.params)}`,
    )
  }
  return spec.params.map((key) => {
    if (!Object.hasOwn(params, key) || params[key] === undefined) {
      throw usage(operation, `missing parameter ${key}; it takes ${listed(spec.params)}`)
    }
    const value = params[key]
    const encode = spec.encode && Object.hasOwn(spec.encode, key) ? spec.encode[key] : undefined
    if (value === null || encode === undefined) return value
    if (encode === 'array') return Array.isArray(value) ? arrayParam(value) : value
    return jsonText(value, key, operation)
  })
}

/** A json parameter's text: what JSON.stringify makes of it, or a usage error. */
function jsonText(value: unknown, key: string, operation: string): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw usage(
      operation,
      `parameter ${key} cannot be written as JSON: ${(error as Error).message}`,
    )
  }
  if (text === undefined) {
    throw usage(operation, `parameter ${key} is ${typeof value}, which JSON cannot hold`)
  }
  return text
}

function listed(params: readonly string[]): string {
  return params.length === 0 ? 'none' : params.join(', ')
}

function usage(operation: string, reason: string): FluentOrmError {
  return new FluentOrmError({ code: 'INVALID_USAGE', kind: 'invalid_usage', reason, operation })
}
