import { FluentOrmError } from './errors/fluent-orm-error.ts'

/** A URL with its `?options=` (startup options such as `-c search_path=app`) taken out. */
export interface UrlOptions {
  /** The URL without its `options` parameter, everything else as written. */
  readonly connectionString: string
  /** The `?options=` value (the last, as pg reads it), undefined without one. */
  readonly options: string | undefined
}

/**
 * Takes `?options=` out of the URL: pg sends a URL's own `options` in place of the `options`
 * it is given, which carry fluentorm's timeouts, so connect() gives pg the URL without it and
 * both in one `options` (connect.ts, startupOptions). The rest of the URL is kept byte for
 * byte: pg parses it as before.
 */
export function splitUrlOptions(url: string): UrlOptions {
  const hash = url.indexOf('#')
  const end = hash < 0 ? url.length : hash
  const start = url.indexOf('?')
  // pg's `/socket/dir database` form has no parameters.
  if (url.startsWith('/') || start < 0 || start > end) {
    return { connectionString: url, options: undefined }
  }
  let options: string | undefined
  const kept: string[] = []
  for (const parameter of url.slice(start + 1, end).split('&')) {
    const [entry] = new URLSearchParams(parameter)
    if (entry?.[0] === 'options') options = entry[1]
    else kept.push(parameter)
  }
  const query = kept.length > 0 ? `?${kept.join('&')}` : ''
  return {
    connectionString: url.slice(0, start) + query + url.slice(end),
    options: options || undefined,
  }
}

/**
 * The settings a startup `options` string gives with `-c name=value` (or `--name=value`), by
 * name, the last one of a name winning: what the server reads from it, words split at
 * whitespace a backslash does not escape, names case-insensitive.
 */
export function optionSettings(options: string): ReadonlyMap<string, string> {
  const words: string[] = []
  let word = ''
  for (let i = 0; i < options.length; i++) {
    const char = options[i]!
    if (char === '\\') word += options[++i] ?? ''
    else if (/\s/.test(char)) {
      if (word) words.push(word)
      word = ''
    } else word += char
  }
  if (word) words.push(word)
  const settings = new Map<string, string>()
  for (let i = 0; i < words.length; i++) {
    const flag = words[i]!
    const setting = flag === '-c' ? words[++i] : /^-(?:c|-)./.test(flag) ? flag.slice(2) : undefined
    const equals = setting?.indexOf('=') ?? -1
    if (equals <= 0) continue
    settings.set(
      setting!.slice(0, equals).toLowerCase().replaceAll('-', '_'),
      setting!.slice(equals + 1),
    )
  }
  return settings
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
