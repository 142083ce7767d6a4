import type { IncomingMessage, ServerResponse } from 'node:http'

/** The dev server's page for a change waiting for the developer: destructive, or refused by the rows. */
export const APPLY_PATH = '/__fluentorm/apply'

export interface WaitingChange {
  readonly sql: readonly string[]
  readonly reasons: readonly string[]
  readonly token: string
  /** The rows refused it: applying it empties the dev database first. */
  readonly reset?: boolean
}

export interface ApplyEndpoint {
  /** The change waiting now, or null. */
  waiting(): WaitingChange | null
  /** Approves the change with this token and brings the dev database to the schemas again. */
  apply(token: string): Promise<string | null>
}

/**
 * `GET /__fluentorm/apply` shows the waiting change's SQL and an Apply button; the button
 * posts its token, so a page left open never applies a different change than it shows.
 */
export function applyMiddleware(endpoint: ApplyEndpoint) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method === 'POST') {
      const body = await readBody(request)
      if (body === null) return page(response, 413, '<p>The form is larger than its token.</p>')
      const token = new URLSearchParams(body).get('token') ?? ''
      const error = await endpoint.apply(token)
      if (error === null) {
        response.writeHead(303, { location: '/' })
        response.end()
        return
      }
      return page(response, 409, `<p>${escapeHtml(error)}</p>`)
    }
    const change = endpoint.waiting()
    if (change === null) return page(response, 200, '<p>No change is waiting.</p>')
    return page(
      response,
      200,
      `<p>${change.reasons.map(escapeHtml).join('<br>')}</p>
<pre>${escapeHtml(change.sql.join('\n'))}</pre>
<form method="post"><input type="hidden" name="token" value="${escapeHtml(change.token)}"><button type="submit">${change.reset ? 'Empty and apply (the dev database’s rows are deleted)' : 'Apply to the dev database'}</button></form>`,
    )
  }
}

/**
 * The page applies a destructive change with one click: never framed by another page (a
 * click tricked through an invisible frame), never cached, no script, its form posting only
 * here.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
} as const

function page(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, PAGE_HEADERS)
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fluentorm: pending change</title></head><body><h1>Pending schema change</h1>${body}</body></html>`,
  )
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** The form holds one token: a larger body is read to its end but not kept (memory). */
const MAX_FORM = 4096

/** The form's body, or null when it is over MAX_FORM bytes. */
async function readBody(request: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size <= MAX_FORM) chunks.push(chunk as Buffer)
  }
  return size > MAX_FORM ? null : Buffer.concat(chunks).toString('utf8')
}
