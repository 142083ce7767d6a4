import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Database, Model, QueryLogEntry } from '@fluentorm/runtime'
import type { RunnableDevEnvironment, ViteDevServer } from 'vite'
import { APPLY_PATH, type WaitingChange } from '../core/apply-endpoint.ts'
import type { FluentormContext } from '../core/context.ts'
import { prefixed } from '../core/logger.ts'
import { createApi } from './api-routes.ts'
import { createClientModules } from './client-modules.ts'
import { sendError, sendText } from './http.ts'
import { createLiveChannel, LIVE_EVENT } from './live-channel.ts'
import { PAGE_POLICY, studioPage } from './page.ts'
import { createQueryLog } from './query-log.ts'
import { configuredHostOf, loopbackPeer, refusal, withoutCorsHeaders } from './request-guard.ts'
import { createSchemaSource } from './schema-api.ts'
import { createSessionToken } from './session-token.ts'

/** The studio's public path: the page, its client modules and its API live under it. */
export const STUDIO_PATH = '/__fluentorm'

/** What the dev server hands the studio. */
export interface StudioHost {
  readonly server: ViteDevServer
  readonly context: FluentormContext
  /** The dev database, when the plugin owns one (devDatabase), brought to the schemas first. */
  readonly database: (() => Promise<Database>) | null
  /** The dev loop's change waiting at `/__fluentorm/apply`. */
  readonly waiting: () => WaitingChange | null
  /** Approves that change (its token) and brings the dev database to the schemas. */
  readonly apply: (token: string) => Promise<string | null>
}

/** What the dev server keeps of the studio. */
export interface Studio {
  /** For the dev database's `connect({ onQuery })`: the query log and the terminal's warnings. */
  onQuery(entry: QueryLogEntry): void
  /** A schema file or a migration changed (after the dev database followed): tell the page. */
  changed(kind: 'schema' | 'migrations'): void
  /** `http://localhost:5173/__fluentorm?token=…`, once the server listens; null before, or off. */
  url(): string | null
}

/**
 * Mounts the studio on Vite's dev server: one middleware in front of the others that opens
 * each request's query-log context (the terminal's slow-query and N+1 warnings, the Queries
 * view), and answers `/__fluentorm/*` itself when the `studio` option is on. Every studio
 * request passes the Host and Origin check first, `/__fluentorm/apply` included; every API
 * call needs the session token. Never part of a build: only `configureServer` calls it.
 */
export function attachStudio(host: StudioHost): Studio {
  const { server, context } = host
  const options = () => context.options
  const logger = server.config.logger
  const queryLog = createQueryLog({
    slowMs: options().slowQueryMs,
    repeated: options().repeatedQueries,
    root: server.config.root,
    warn: (message) => logger.warn(prefixed(message), { timestamp: true }),
  })
  const enabled = options().studio
  const token = createSessionToken()
  const guard = { configuredHost: configuredHostOf(server.config.server.host) }
  const live = createLiveChannel(server)
  const schema = createSchemaSource(options)
  const client = createClientModules()
  const api = createApi({
    options,
    token,
    schema,
    queryLog,
    live,
    database: host.database,
    waiting: host.waiting,
    apply: host.apply,
    models: () => appModels(server),
    session: () => ({
      hmr: live.endpoint(),
      event: LIVE_EVENT,
      database: host.database !== null,
      root: server.config.root,
    }),
  })
  queryLog.onChange = () => live.send('queries')

  server.middlewares.use((request, response, next) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/'
    // Connect routes a mounted path in any letter case (`/__FLUENTORM/apply` reaches the apply
    // page), so the guard must cover every case too.
    const lower = path.toLowerCase()
    const ours = lower === STUDIO_PATH || lower.startsWith(`${STUDIO_PATH}/`)
    if (!ours) return queryLog.track(request, response, next, false)
    // Vite's cors (by default any localhost origin) has answered first: nothing of the
    // studio is for another origin to read.
    withoutCorsHeaders(response)
    const refused = refusal(request, guard)
    if (refused !== null) return sendError(response, 403, `fluentorm studio: ${refused}`)
    if (lower === APPLY_PATH) {
      // A peer on the network sends any Host it likes; from there only the token counts.
      if (!loopbackPeer(request) && !token.matches(request)) {
        return sendError(
          response,
          403,
          'fluentorm studio: from another machine, apply the change in the studio (Migrations), whose link carries the token',
        )
      }
      return queryLog.track(request, response, next, false)
    }
    if (!enabled) return queryLog.track(request, response, next, false)
    queryLog.track(request, response, () => void handle(path, request, response), true)
  })

  async function handle(path: string, request: IncomingMessage, response: ServerResponse) {
    try {
      if (path === STUDIO_PATH || path === `${STUDIO_PATH}/`) {
        if (request.method !== 'GET') return sendError(response, 405, 'GET the studio page')
        return sendText(response, 200, 'text/html; charset=utf-8', studioPage(), {
          'content-security-policy': PAGE_POLICY,
        })
      }
      if (path.startsWith(`${STUDIO_PATH}/client/`)) {
        const code = await client.load(path.slice(`${STUDIO_PATH}/client/`.length))
        if (code === null) return sendError(response, 404, 'no such studio module')
        return sendText(response, 200, 'text/javascript; charset=utf-8', code)
      }
      if (path.startsWith(`${STUDIO_PATH}/api/`)) {
        return await api.handle(path.slice(`${STUDIO_PATH}/api/`.length), request, response)
      }
      return sendError(response, 404, `nothing at ${path}`)
    } catch (error) {
      logger.error(prefixed(`studio: ${error instanceof Error ? error.stack : String(error)}`))
      if (!response.headersSent) sendError(response, 500, 'the studio failed: see the terminal')
    }
  }

  let printed: string | null = null
  const url = () => {
    const base = server.resolvedUrls?.local[0]
    return enabled && base ? `${base.replace(/\/$/, '')}${STUDIO_PATH}?token=${token.value}` : null
  }
  if (enabled) {
    // After Vite's own lines when the CLI prints them (`vite`, `npm run dev`).
    const printUrls = server.printUrls.bind(server)
    server.printUrls = () => {
      printUrls()
      const link = url()
      if (link !== null && link !== printed) {
        printed = link
        logger.info(`  ➜  fluentorm studio: ${link}`)
      }
    }
  }
  return {
    onQuery: (entry) => queryLog.onQuery(entry),
    changed(kind) {
      schema.invalidate()
      live.send(kind)
    },
    url,
  }
}

/**
 * The models the app imports now: `virtual:fluentorm/models` through the SSR runner, the very
 * module the app runs (reloaded after each schema change).
 */
async function appModels(server: ViteDevServer): Promise<Record<string, Model<any>>> {
  const ssr = server.environments.ssr as Partial<RunnableDevEnvironment> | undefined
  if (!ssr?.runner) throw new Error("the Data view needs Vite's SSR module runner")
  const module = (await ssr.runner.import('virtual:fluentorm/models')) as {
    models: Record<string, Model<any>>
  }
  return module.models
}
