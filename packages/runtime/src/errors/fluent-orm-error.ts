/**
 * What went wrong, readable without a SQLSTATE table. Database errors map from their
 * SQLSTATE; the rest are fluentorm's own situations.
 */
export type FluentOrmErrorKind =
  | 'unique_violation'
  | 'foreign_key_violation'
  | 'not_null_violation'
  | 'check_violation'
  | 'exclusion_violation'
  | 'undefined_table'
  | 'undefined_column'
  | 'undefined_database'
  | 'duplicate_table'
  | 'invalid_input'
  | 'value_too_long'
  | 'syntax_error'
  | 'serialization_failure'
  | 'deadlock'
  | 'timeout'
  | 'lock_timeout'
  | 'read_only'
  | 'connection'
  | 'protocol_violation'
  | 'authentication'
  | 'transaction_finished'
  | 'invalid_executor'
  | 'invalid_usage'
  | 'database'
  | 'unknown'

export interface FluentOrmErrorFields {
  /** SQLSTATE (`'23505'`) or a fluentorm code (`'CONNECTION_FAILED'`). */
  readonly code: string
  readonly kind: FluentOrmErrorKind
  /** The message without the `Model.operation failed:` prefix. */
  readonly reason: string
  readonly model?: string
  readonly operation: string
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
  /**
   * PostgreSQL's detail without row values (`Key (email) already exists.`); with
   * `setErrorDetail('full')` as the server wrote it, but for redacted columns' values.
   */
  readonly detail?: string
  readonly hint?: string
  /** The statement that failed, when there was one. */
  readonly sql?: string
  readonly cause?: unknown
}

/**
 * The one error class fluentorm throws. The message names the model and the operation:
 *
 * @example
 * try {
 *   await User.insert(db, { email: 'a@b.c', name: 'A' })
 * } catch (error) {
 *   if (error instanceof FluentOrmError && error.kind === 'unique_violation') {
 *     // error.message: 'User.insert failed: duplicate value for unique constraint
 *     //   users_email_key on table users: (email) already exists'
 *     // (row values only with setErrorDetail('full'), never those of redacted columns)
 *     // error.constraint: 'users_email_key', error.table: 'users', error.column: 'email'
 *   }
 * }
 */
export class FluentOrmError extends Error implements FluentOrmErrorFields {
  override readonly name = 'FluentOrmError'
  readonly code: string
  readonly kind: FluentOrmErrorKind
  readonly reason: string
  readonly model?: string
  readonly operation: string
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
  readonly detail?: string
  readonly hint?: string
  readonly sql?: string

  constructor(fields: FluentOrmErrorFields) {
    const subject = fields.model ? `${fields.model}.${fields.operation}` : fields.operation
    super(`${subject} failed: ${fields.reason}`, { cause: fields.cause })
    this.code = fields.code
    this.kind = fields.kind
    this.reason = fields.reason
    this.model = fields.model
    this.operation = fields.operation
    this.constraint = fields.constraint
    this.table = fields.table
    this.column = fields.column
    this.detail = fields.detail
    this.hint = fields.hint
    this.sql = fields.sql
  }

  /** The same failure, told from another call site (the model method that ran the query). */
  withContext(context: { model?: string; operation: string; sql?: string }): FluentOrmError {
    return new FluentOrmError({
      code: this.code,
      kind: this.kind,
      reason: this.reason,
      model: context.model ?? this.model,
      operation: context.operation,
      constraint: this.constraint,
      table: this.table,
      column: this.column,
      detail: this.detail,
      hint: this.hint,
      sql: context.sql ?? this.sql,
      cause: this.cause,
    })
  }
}
