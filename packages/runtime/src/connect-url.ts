import { FluentOrmError } from './errors/fluent-orm-error.ts'

/** The `?options=` of the URL, kept: pg would let ours replace it. */
export function parseUrlOptions(url: string): string | undefined {
  try {
    return new URL(url).searchParams.get('options') ?? undefined
  } catch {
    return undefined
  }
}

const postgresProtocols = new Set(['postgresql:', 'postgres:', 'socket:'])

/**
 * Refuses, before pg sees it, a URL pg would fail on with a bare TypeError or would take
 * for PostgreSQL though it names another database. The URL is echoed without its password.
 */
export function checkUrl(url: string, source: string): void {
  if (url.startsWith('/')) return // pg's `/socket/dir database` form
  let protocol: string
  try {
    protocol = new URL(url).protocol
  } catch (error) {
    throw urlError(
      `${source} is not a valid URL (${redactUrl(url)}: ${(error as Error).message})`,
      source,
    )
  }
  if (!postgresProtocols.has(protocol)) {
    throw urlError(
      `${source} is a ${protocol}// URL (${redactUrl(url)}), but fluentorm connects to PostgreSQL only`,
      source,
    )
  }
}

export function urlError(what: string, source: string): FluentOrmError {
  const pglite = source === 'DATABASE_URL' ? ', or unset DATABASE_URL to use embedded PGlite' : ''
  return new FluentOrmError({
    code: 'INVALID_CONFIG',
    kind: 'invalid_usage',
    reason: `${what}. Pass postgresql://user:password@host:5432/database (percent-encode any of : / @ % in the user and password)${pglite}`,
    operation: 'connect',
  })
}

/** `postgresql://app:***@db:5432/shop`: the URL as written, without what its password may be. */
function redactUrl(url: string): string {
  const at = url.lastIndexOf('@')
  if (at < 0) return url
  const schemeEnd = url.indexOf('://')
  const start = schemeEnd >= 0 && schemeEnd < at ? schemeEnd + 3 : 0
  const userInfo = url.slice(start, at)
  const colon = userInfo.indexOf(':')
  const user = colon < 0 ? userInfo : `${userInfo.slice(0, colon)}:***`
  return `${url.slice(0, start)}${user}${url.slice(at)}`
}
