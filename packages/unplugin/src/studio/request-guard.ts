import type { IncomingMessage, ServerResponse } from 'node:http'

/** Who may talk to the studio: the hosts the dev server answers as, and its own origin. */
export interface GuardOptions {
  /** `server.host` from the Vite config (a name or address), when it is one. */
  readonly configuredHost: string | null
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1'])

/**
 * Why the request may not reach the studio, or null when it may. The Host must be a loopback
 * name or the configured host (a DNS-rebinding page sends its own name), and an Origin, when
 * the browser sends one, must be the dev server's own (what the Host says, same scheme): a
 * page of another origin is refused even before the token is checked.
 */
export function refusal(request: IncomingMessage, options: GuardOptions): string | null {
  const host = request.headers.host
  if (typeof host !== 'string' || host === '') return 'the request has no Host header'
  const hostname = hostnameOf(host)
  if (hostname === null || !allowedHost(hostname, options)) {
    return `the Host ${JSON.stringify(host)} is not this dev server's (localhost, 127.0.0.1, [::1]${options.configuredHost ? ` or ${options.configuredHost}` : ''})`
  }
  const origin = request.headers.origin
  if (origin !== undefined) {
    const secure = (request.socket as { encrypted?: boolean }).encrypted === true
    const own = `${secure ? 'https' : 'http'}://${host.toLowerCase()}`
    if (origin.toLowerCase() !== own) {
      return `the Origin ${JSON.stringify(origin)} is not the dev server's own (${own})`
    }
  }
  // Browsers that send no Origin on a same-origin GET still say when a request is cross-site.
  const site = request.headers['sec-fetch-site']
  if (site === 'cross-site' || site === 'same-site') {
    return 'the request comes from another site'
  }
  return null
}

function allowedHost(hostname: string, options: GuardOptions): boolean {
  if (LOOPBACK.has(hostname)) return true
  const configured = options.configuredHost?.toLowerCase()
  if (!configured) return false
  return hostname === configured || hostname === `[${configured}]`
}

/** `localhost:5173` → `localhost`, `[::1]:5173` → `[::1]`; null for a malformed one. */
export function hostnameOf(host: string): string | null {
  const match = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::(\d{1,5}))?$/i.exec(host.trim())
  return match?.[1]?.toLowerCase() ?? null
}

/**
 * The configured host worth allowing: a name or an address given as `server.host`; not
 * `true` or `0.0.0.0`/`::` (listen everywhere), which name no host a browser would send.
 */
export function configuredHostOf(host: string | boolean | undefined): string | null {
  if (typeof host !== 'string' || host === '' || host === '0.0.0.0' || host === '::') return null
  return LOOPBACK.has(host.toLowerCase()) ? null : host.toLowerCase()
}

/**
 * Whether the request comes from this machine (127.0.0.0/8, ::1, or IPv4-mapped loopback):
 * what tells the developer's browser from a peer on the network when the dev server listens
 * on every interface (`vite --host`), since a peer can send `Host: localhost` too.
 */
export function loopbackPeer(request: IncomingMessage): boolean {
  const address = request.socket.remoteAddress ?? ''
  return /^(?:::ffff:)?127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1'
}

/** Takes out the `Access-Control-*` headers another middleware (Vite's cors) has set. */
export function withoutCorsHeaders(response: ServerResponse): void {
  for (const name of response.getHeaderNames()) {
    if (name.startsWith('access-control-')) response.removeHeader(name)
  }
}
