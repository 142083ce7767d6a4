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
      const token = new URLSearchParams(await readBody(request)).get('token') ?? ''
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
<form method="post"><input type="hidden" name="token" value="${change.token}"><button type="submit">${change.reset ? 'Empty and apply (the dev database’s rows are deleted)' : 'Apply to the dev database'}</button></form>`,
    )
  }
}

function page(response: ServerResponse, status: number, body: string): void {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' })
  response.end(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fluentorm: pending change</title></head><body><h1>Pending schema change</h1>${body}</body></html>`,
  )
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
