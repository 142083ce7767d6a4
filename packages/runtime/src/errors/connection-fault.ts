import { FluentOrmError } from './fluent-orm-error.ts'

/**
 * How a connection failed, which decides what the user is told:
 * `'failed'`: no connection could be opened, so the statement was not sent (`CONNECTION_FAILED`);
 * `'timeout'`: the server did not answer in time (`CONNECTION_TIMEOUT`);
 * `'lost'`: an open connection broke under the statement (`CONNECTION_LOST`).
 */
export type ConnectionFault = 'failed' | 'timeout' | 'lost'

/** Node's codes for a connection that could not be made: nothing was sent. */
const unreachableCodes = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
])

/** Node's codes for an open connection that broke. */
const brokenCodes = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED'])

/** pg's own connect timeouts: the client's (`timeout expired`) and pg-pool's. */
const connectTimeout = /^timeout expired$|connection terminated due to connection timeout/i

/** Messages pg and PGlite throw without a code when a connection dies under a statement. */
const lostConnection = /connection terminated|connection error|not queryable|pglite is closed/i

/**
 * The fault behind a driver error that is about the connection, not the statement;
 * undefined for any other error. `sqlState` is the error's SQLSTATE, when the server sent one.
 */
export function connectionFault(
  error: { readonly message: string; readonly code?: string },
  sqlState: string | undefined,
): ConnectionFault | undefined {
  if (sqlState !== undefined) {
    // 57P03: the server is starting up or shutting down and refused the new connection.
    if (sqlState === '57P03') return 'failed'
    if (sqlState.startsWith('08') || sqlState === '57P01' || sqlState === '57P02') return 'lost'
    return undefined
  }
  const code = error.code ?? ''
  if (unreachableCodes.has(code)) return 'failed'
  if (code === 'ETIMEDOUT' || connectTimeout.test(error.message)) return 'timeout'
  if (brokenCodes.has(code) || lostConnection.test(error.message)) return 'lost'
  return undefined
}

export const connectionCodes: Readonly<Record<ConnectionFault, string>> = {
  failed: 'CONNECTION_FAILED',
  timeout: 'CONNECTION_TIMEOUT',
  lost: 'CONNECTION_LOST',
}

/**
 * What happened, whether the statement ran, and what to do. `message` is the driver's;
 * `connecting`: the error came while opening the connection, so nothing was sent.
 */
export function connectionReason(
  fault: ConnectionFault,
  message: string,
  connecting: boolean,
): string {
  switch (fault) {
    case 'failed':
      return `could not open a connection to PostgreSQL (${message}); the statement was not sent. PostgreSQL is not accepting connections there: if it is restarting, retry shortly; if this lasts, check that the server is up and reachable`
    case 'timeout':
      return `PostgreSQL did not answer in time (${message}): the network or the server went silent. ${connecting ? 'The statement was not sent' : 'The statement may or may not have run'}. The next statement opens a new connection: retry if the operation is idempotent`
    case 'lost':
      return `the database connection was lost (${message}); the statement may or may not have run. The broken connection is discarded: retry if the operation is idempotent`
  }
}

/** Whether a driver error came while the connection was being opened. */
export function whileConnecting(error: {
  readonly message: string
  readonly syscall?: string
}): boolean {
  return error.syscall === 'connect' || connectTimeout.test(error.message)
}

/**
 * The error of a statement that got no answer within `connect({ queryTimeout })`: the peer
 * went silent (no FIN, no RST), which neither TCP nor `statement_timeout` would report for
 * many minutes. `sent`: whether the statement reached the socket before the deadline.
 *
 * @example
 * queryTimeoutError(5_000, true, 'query', 'SELECT 1')
 * // query failed: no answer from PostgreSQL within queryTimeout (5000 ms): …
 */
export function queryTimeoutError(
  ms: number,
  sent: boolean,
  operation: string,
  sql?: string,
): FluentOrmError {
  const ran = sent
    ? 'The statement may or may not have run'
    : 'The statement was not sent (no connection answered in time)'
  return new FluentOrmError({
    code: 'CONNECTION_TIMEOUT',
    kind: 'connection',
    reason: `no answer from PostgreSQL within queryTimeout (${ms} ms): the network or the server went silent. ${ran}. The connection was closed and the next statement opens a new one: retry if the operation is idempotent. If statements legitimately take longer, raise statementTimeout (queryTimeout follows it) or queryTimeout`,
    operation,
    sql,
    hint: 'Check that PostgreSQL is running and reachable.',
  })
}
