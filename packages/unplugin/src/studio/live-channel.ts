import type { ViteDevServer } from 'vite'
import type { HmrEndpoint } from './api-types.ts'

/** The custom event the studio's page listens for on Vite's HMR channel. */
export const LIVE_EVENT = 'fluentorm:studio'

export type LiveKind = 'schema' | 'migrations' | 'queries' | 'data'

/**
 * Tells open studio pages that something changed, through the dev server's own HMR channel
 * (`hot.send` of a custom event): which kind only, never data; the page asks the API (with its
 * token) for what it shows. The page opens its own socket to that channel, not Vite's client,
 * whose full reloads after a schema save would reload it. Query events are sent at most
 * every 300 ms.
 */
export function createLiveChannel(server: ViteDevServer) {
  let queued: NodeJS.Timeout | null = null
  const send = (kind: LiveKind) => {
    server.environments.client.hot.send({ type: 'custom', event: LIVE_EVENT, data: { kind } })
  }
  return {
    send(kind: LiveKind) {
      if (kind !== 'queries') return send(kind)
      if (queued !== null) return
      queued = setTimeout(() => {
        queued = null
        send('queries')
      }, 300)
    },
    /** Where the page connects: the HMR socket's port, path and token, as Vite's client does. */
    endpoint(): HmrEndpoint | null {
      const { config } = server
      const hmr = config.server.hmr
      if (hmr === false || config.server.ws === false) return null
      const options = typeof hmr === 'object' ? hmr : {}
      let port: number | null = options.clientPort ?? options.port ?? null
      if (config.server.middlewareMode && !options.server) port ??= 24678
      const path = `${config.base.replace(/\/?$/, '/')}${(options.path ?? '').replace(/^\//, '')}`
      return {
        scheme: options.protocol ?? null,
        host: options.host ?? null,
        port,
        path,
        token: config.webSocketToken,
        protocol: 'vite-hmr',
      }
    },
  }
}
