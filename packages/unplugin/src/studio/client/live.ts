/// <reference lib="dom" />
import type { HmrEndpoint } from '../api-types.ts'

/**
 * The dev server's HMR channel, opened by the studio itself: Vite's client would reload the
 * page on the full reload a schema save sends, the studio only refetches what it shows. Only
 * the studio's custom event is read; the socket reconnects when the server restarts.
 */
export function connectLive(
  endpoint: HmrEndpoint,
  event: string,
  onEvent: (kind: string) => void,
  onState: (connected: boolean) => void,
): void {
  const scheme = endpoint.scheme ?? (location.protocol === 'https:' ? 'wss' : 'ws')
  const host = `${endpoint.host ?? location.hostname}:${endpoint.port ?? location.port}`
  const url = `${scheme}://${host}${endpoint.path}?token=${encodeURIComponent(endpoint.token)}`
  let delay = 500
  const open = () => {
    const socket = new WebSocket(url, endpoint.protocol)
    socket.addEventListener('open', () => {
      delay = 500
      onState(true)
    })
    socket.addEventListener('message', (message) => {
      let payload: { type?: string; event?: string; data?: { kind?: string } }
      try {
        payload = JSON.parse(String(message.data))
      } catch {
        return
      }
      if (payload.type === 'custom' && payload.event === event && payload.data?.kind) {
        onEvent(payload.data.kind)
      }
    })
    socket.addEventListener('close', () => {
      onState(false)
      setTimeout(open, delay)
      delay = Math.min(delay * 2, 10_000)
    })
  }
  open()
}
