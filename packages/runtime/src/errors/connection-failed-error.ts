import { FluentOrmError } from './fluent-orm-error.ts'

/**
 * The error `connect()` throws when the first connection fails: which server (never the
 * password), what failed, and what to do.
 *
 * @example
 * connectionFailedError('postgresql://app:secret@db:5433/shop', err)
 * // connect failed: could not connect to PostgreSQL at db:5433/shop as app (connect
 * // ECONNREFUSED 10.0.0.3:5433). Is PostgreSQL running and reachable there? Check the host …
 */
export function connectionFailedError(url: string, cause: unknown): FluentOrmError {
  const code = (cause as { code?: unknown } | null)?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  return new FluentOrmError({
    code: 'CONNECTION_FAILED',
    kind: code === '28P01' || code === '28000' ? 'authentication' : 'connection',
    reason: `could not connect to PostgreSQL at ${describeServer(url)} (${message}). ${adviceFor(code)}`,
    operation: 'connect',
    cause,
  })
}

function adviceFor(code: unknown): string {
  if (code === '28P01' || code === '28000') {
    return 'Check the user and password in DATABASE_URL (or the url passed to connect()).'
  }
  if (code === '3D000') {
    return 'Create the database (createdb <name>) or fix its name in DATABASE_URL.'
  }
  if (code === '57P03') {
    return 'PostgreSQL is starting up or shutting down: retry shortly.'
  }
  return 'Is PostgreSQL running and reachable there? Check the host and port of the database URL.'
}

/** `host:port/database as user`, from a URL that may carry a password. */
export function describeServer(url: string): string {
  try {
    const parsed = new URL(url)
    const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost'
    const port = parsed.port || '5432'
    const database = decodeURIComponent(parsed.pathname.slice(1)) || '(default database)'
    const user = parsed.username ? ` as ${decodeURIComponent(parsed.username)}` : ''
    return `${host}:${port}/${database}${user}`
  } catch {
    return 'an unparseable DATABASE_URL (expected postgresql://user:password@host:5432/database)'
  }
}
