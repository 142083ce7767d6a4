import type { IncomingMessage, ServerResponse } from 'node:http'

/** A refusal the API answers with: an HTTP status and a message that names no row value. */
export class StudioError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** Headers every studio answer carries: never cached, never framed by another page, no sniffing. */
const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
} as const

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': 'application/json' })
  response.end(JSON.stringify(body, jsonValue))
}

export function sendError(response: ServerResponse, status: number, message: string): void {
  sendJson(response, status, { error: message })
}

export function sendText(
  response: ServerResponse,
  status: number,
  type: string,
  body: string,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, { ...COMMON_HEADERS, 'content-type': type, ...extra })
  response.end(body)
}

/** JSON has no bigint: sent as its digits. */
function jsonValue(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

/** At most this much JSON in a request body: a row or a few parameters, never a file. */
const MAX_BODY = 1 << 20

/** The request's JSON body, an object; a clear 400 otherwise. */
export async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    throw new StudioError(415, 'send the body as application/json')
  }
  const chunks: Buffer[] = []
  let size = 0
  // Read to its end so the refusal reaches the client, but keep no byte past the limit.
  for await (const chunk of request) {
    size += (chunk as Buffer).length
    if (size <= MAX_BODY) chunks.push(chunk as Buffer)
  }
  if (size > MAX_BODY) throw new StudioError(413, `the body is over ${MAX_BODY} bytes`)
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}')
  } catch {
    throw new StudioError(400, 'the body is not JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new StudioError(400, 'the body must be a JSON object')
  }
  return body as Record<string, unknown>
}
