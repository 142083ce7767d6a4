/// <reference lib="dom" />

const TOKEN_KEY = 'fluentorm-studio-token'

/**
 * The session token: from the link the terminal printed (`?token=…`), then kept for this
 * tab in sessionStorage and taken out of the address bar, so it is not in the history or a
 * screenshot of the URL.
 */
export function sessionToken(): string | null {
  const url = new URL(location.href)
  const given = url.searchParams.get('token')
  if (given) {
    sessionStorage.setItem(TOKEN_KEY, given)
    url.searchParams.delete('token')
    history.replaceState(null, '', url.pathname + url.search + url.hash)
    return given
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

let token: string | null = null

export function useToken(value: string | null): void {
  token = value
}

/** An API call with the token header; the error message the API gave, thrown. */
export async function api<T>(
  route: string,
  body?: unknown,
  params?: Record<string, string | number>,
): Promise<T> {
  const query = params
    ? `?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`
    : ''
  const response = await fetch(`/__fluentorm/api/${route}${query}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      'x-fluentorm-studio-token': token ?? '',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const answer = (await response.json().catch(() => ({}))) as { error?: string }
  if (!response.ok) throw new Error(answer.error ?? `${response.status} ${response.statusText}`)
  return answer as T
}
