import {
  connectionCodes,
  connectionFault,
  connectionReason,
  whileConnecting,
} from './connection-fault.ts'
import { errorDetail, hasRedacted } from './error-detail.ts'
import { FluentOrmError, type FluentOrmErrorKind } from './fluent-orm-error.ts'
import { nullRowsReason, offendingRows } from './offending-rows.ts'
import { publicDetail, publicMessage, serverKey } from './server-detail.ts'

export interface ErrorContext {
  /** The model class name, `User`. */
  readonly model?: string
  /** The method or step that failed, `insert`. */
  readonly operation: string
  readonly sql?: string
}

/** The fields pg's DatabaseError and PGlite's error objects both carry. */
interface DatabaseErrorLike {
  readonly message: string
  readonly code?: string
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
  readonly detail?: string
  readonly hint?: string
}

const kindBySqlState: Readonly<Record<string, FluentOrmErrorKind>> = {
  '23505': 'unique_violation',
  '23503': 'foreign_key_violation',
  '23502': 'not_null_violation',
  '23514': 'check_violation',
  '23P01': 'exclusion_violation',
  '42P01': 'undefined_table',
  '42703': 'undefined_column',
  '3D000': 'undefined_database',
  '42P07': 'duplicate_table',
  '22P02': 'invalid_input',
  '22007': 'invalid_input',
  '22008': 'invalid_input',
  '22001': 'value_too_long',
  '42601': 'syntax_error',
  '40001': 'serialization_failure',
  '40P01': 'deadlock',
  '08P01': 'protocol_violation',
  '57014': 'timeout',
  '55P03': 'lock_timeout',
  '25006': 'read_only',
  '57P01': 'connection',
  '57P02': 'connection',
  '57P03': 'connection',
  '28P01': 'authentication',
  '28000': 'authentication',
}

const sqlState = /^[0-9A-Z]{5}$/

const poolTimeout = /timeout exceeded when trying to connect/i

/** The driver's JSON.stringify of a parameter ran out of stack: a value nested too deeply. */
const tooDeep = /maximum call stack size exceeded/i

/**
 * Turns whatever a driver threw into a FluentOrmError that names the model and operation.
 * Model methods call it around every statement; an error that already is a FluentOrmError
 * is re-told from the new call site.
 *
 * @example
 * try { await driver.query(config) }
 * catch (error) { throw toFluentError(error, { model: 'User', operation: 'insert', sql: config.text }) }
 * // User.insert failed: duplicate value for unique constraint users_email_key on table users: (email) already exists
 * // (with setErrorDetail('full'): … users: (email)=(a@b.c) already exists)
 */
export function toFluentError(error: unknown, context: ErrorContext): FluentOrmError {
  if (error instanceof FluentOrmError) {
    const same = error.model === context.model && error.operation === context.operation
    return same ? error : error.withContext(context)
  }
  const source = asErrorLike(error)
  const code = serverCode(source)
  const kind = classify(source, code)
  const fromServer = sqlState.test(code)
  return new FluentOrmError({
    code: fluentCode(kind, code, source),
    kind,
    reason: withRows(
      describe(kind, source, code, publicMessage(code, source.message), context.sql),
      offendingRows(kind, source, context.sql),
    ),
    model: context.model,
    operation: context.operation,
    constraint: source.constraint,
    table: source.table ?? relationIn(source.message),
    column: source.column ?? columnOf(kind, source),
    detail: fromServer ? publicDetail(source.detail, source.table) : source.detail,
    hint: source.hint ?? hintFor(kind),
    sql: context.sql,
    cause: fromServer ? serverCause(error, source, code) : error,
  })
}

/**
 * The driver's error as the cause, when every value it holds may be shown; otherwise (the
 * default, or a table with redacted columns) a summary without `detail`, `where` or the
 * quoted input, so neither `util.inspect(error)` nor a logger walking `cause` prints a row.
 */
function serverCause(error: unknown, source: DatabaseErrorLike, code: string): unknown {
  if (errorDetail() === 'full' && !hasRedacted(source.table)) return error
  const fields = source as DatabaseErrorLike & { severity?: string; schema?: string }
  return Object.freeze({
    name: 'DatabaseError',
    message: publicMessage(code, source.message),
    code,
    severity: fields.severity,
    schema: fields.schema,
    table: source.table,
    column: source.column,
    constraint: source.constraint,
  })
}

function asErrorLike(error: unknown): DatabaseErrorLike {
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return error as DatabaseErrorLike
  }
  return { message: String(error) }
}

/**
 * The error's code, or `''` for a Node system error whose code merely looks like a
 * SQLSTATE (`EPIPE`: 5 capitals): system errors carry `syscall` or `errno`, the server's never.
 */
function serverCode(source: DatabaseErrorLike): string {
  const code = source.code ?? ''
  const system = 'syscall' in source || typeof (source as { errno?: unknown }).errno === 'number'
  return system && sqlState.test(code) ? '' : code
}

function stateOf(code: string): string | undefined {
  return sqlState.test(code) ? code : undefined
}

/**
 * pg's answer to COPY … FROM STDIN sent as a query (it has no rows to send): the server
 * reports it as a cancelled statement, 57014, which is not a timeout.
 */
const copyWithoutRows = /^COPY from stdin failed: No source stream defined/

function classify(source: DatabaseErrorLike, code: string): FluentOrmErrorKind {
  if (code === '57014' && copyWithoutRows.test(source.message)) return 'invalid_usage'
  const known = kindBySqlState[code]
  if (known) return known
  if (connectionFault(source, stateOf(code))) return 'connection'
  if (poolTimeout.test(source.message)) return 'timeout'
  if (sqlState.test(code)) return 'database'
  if (tooDeep.test(source.message)) return 'invalid_usage'
  return 'unknown'
}

/** SQLSTATEs stay as they are; errors without one get a fluentorm code. */
function fluentCode(kind: FluentOrmErrorKind, code: string, source: DatabaseErrorLike): string {
  // A write on a replica, named so (DESIGN: kind READ_ONLY); the SQLSTATE stays in cause.
  if (kind === 'read_only') return 'READ_ONLY'
  // A misuse the server reported (COPY without rows): the SQLSTATE stays in cause.
  if (kind === 'invalid_usage') return 'INVALID_USAGE'
  if (sqlState.test(code)) return code
  if (kind === 'timeout') return 'POOL_TIMEOUT'
  if (kind === 'connection') return connectionCodes[connectionFault(source, undefined) ?? 'lost']
  return code || source.code || 'UNKNOWN'
}

/** The reason for the message; `message` is the server's, without quoted values by default. */
function describe(
  kind: FluentOrmErrorKind,
  source: DatabaseErrorLike,
  code: string,
  message: string,
  sql: string | undefined,
): string {
  const key = serverKey(source.detail, source.table)
  const on = source.table ? ` on table ${source.table}` : ''
  switch (kind) {
    case 'unique_violation':
      return `duplicate value for unique constraint ${source.constraint}${on}${key ? `: ${key.text}` : ''}`
    case 'foreign_key_violation':
      return `foreign key constraint ${source.constraint}${on} violated${key ? `: ${key.text}` : ''}`
    case 'not_null_violation':
      // DDL (ADD COLUMN … NOT NULL, SET NOT NULL) over rows that have no value yet.
      if (/contains null values/.test(source.message)) return nullRowsReason(source, sql)
      return `column ${source.table}.${source.column} is NOT NULL but the value was null; pass a value for ${source.column}`
    case 'check_violation': {
      // ADD CONSTRAINT … CHECK or VALIDATE CONSTRAINT over the rows already there.
      if (/is violated by some row/.test(source.message))
        return `check constraint ${source.constraint}${on} is violated by rows of the table`
      const row = publicDetail(source.detail, source.table)
      return `check constraint ${source.constraint}${on} rejected the row${row ? ` (${withoutPeriod(row)})` : ''}`
    }
    case 'exclusion_violation':
      return `exclusion constraint ${source.constraint}${on} rejected the row${key ? `: ${key.text}` : ''}`
    case 'undefined_table':
      return `${message}; create the table first (Model.createTable(db) or run the migrations)`
    case 'undefined_column':
      return `${message}; if the schema has this column, the database is behind it: run the pending migrations`
    case 'serialization_failure':
    case 'deadlock':
      return `${message}; the transaction can be retried (transaction(db, fn, { retry: { attempts: 3 } }))`
    case 'timeout':
      return poolTimeout.test(message)
        ? 'no free connection in the pool within connectionTimeoutMillis; every connection is busy. Raise pool.max or pool.connectionTimeoutMillis, or find transactions that hold connections too long'
        : `${message} (statement_timeout); make the query cheaper or raise statementTimeout`
    case 'lock_timeout':
      return `${message} (lock_timeout); another transaction holds a lock on the table`
    case 'read_only':
      return `${message} (25006): the server or the transaction takes no writes: a hot standby (a replica), transaction(db, fn, { readOnly: true }), or default_transaction_read_only. Send writes to the primary: connect({ url: primaryUrl, replicas: [replicaUrl] }) sends them there (after a failover, point url at the new primary)`
    case 'connection': {
      const fault = connectionFault(source, stateOf(code)) ?? 'lost'
      return connectionReason(fault, message, whileConnecting(source))
    }
    case 'protocol_violation':
      return `${message} (08P01 protocol_violation): what was sent does not fit the statement, such as fewer values than its $n placeholders. This is a bug in the code that built the query, not a network problem; the connection stays usable`
    case 'invalid_usage':
      if (copyWithoutRows.test(source.message)) {
        return 'COPY … FROM STDIN sent as a query has no rows to read; load rows with db.copyFrom(target, rows)'
      }
      return `a parameter is nested too deeply to be sent (${message}); pass json values nested at most 1000 levels deep`
    default:
      return message
  }
}

/** The reason, then how to find the rows it is about. */
function withRows(reason: string, rows: string | null): string {
  return rows === null ? reason : `${reason}; ${rows}`
}

function hintFor(kind: FluentOrmErrorKind): string | undefined {
  if (kind === 'serialization_failure' || kind === 'deadlock') {
    return 'Retry the whole transaction: transaction(db, fn, { retry: { attempts: 3 } })'
  }
  if (kind === 'connection') return 'Check that PostgreSQL is running and reachable.'
  return undefined
}

function withoutPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text
}

/** PostgreSQL names the relation only in the message for undefined tables and columns. */
function relationIn(message: string): string | undefined {
  return /relation "([^"]+)"/.exec(message)?.[1]
}

function columnOf(kind: FluentOrmErrorKind, source: DatabaseErrorLike): string | undefined {
  if (kind === 'undefined_column') {
    const match = /column "([^"]+)"|column (?:\S+\.)?(\S+) does not exist/.exec(source.message)
    return match?.[1] ?? match?.[2]
  }
  if (kind === 'unique_violation' || kind === 'foreign_key_violation') {
    const columns = serverKey(source.detail, source.table)?.columns
    return columns && !columns.includes(',') ? columns : undefined
  }
  return undefined
}
