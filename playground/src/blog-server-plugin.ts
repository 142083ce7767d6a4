import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRunnableDevEnvironment, type Plugin } from 'vite'

/** Turns the app's HTML into what Vite serves: with its client, for reloads and the error overlay. */
export type HtmlTransform = (html: string) => Promise<string>

type Handler = (
  request: IncomingMessage,
  response: ServerResponse,
  html: HtmlTransform,
) => Promise<void>

/**
 * Serves the blog from Vite's dev server: each request imports `src/app.ts` through the SSR
 * module runner, so the app always runs the current models after a schema edit. Its pages go
 * through `transformIndexHtml`, which adds Vite's client: the page reloads after a schema edit
 * and shows schema errors in Vite's error overlay.
 */
export function blogServer(): Plugin {
  return {
    name: 'fluentorm-playground:blog',
    configureServer(server) {
      const ssr = server.environments.ssr
      if (!ssr || !isRunnableDevEnvironment(ssr))
        throw new Error("The playground needs Vite's SSR module runner.")
      const { runner } = ssr
      return () => {
        server.middlewares.use(async (request, response, next) => {
          try {
            const app = (await runner.import('/src/app.ts')) as { handle: Handler }
            const url = request.originalUrl ?? request.url ?? '/'
            await app.handle(request, response, (html) => server.transformIndexHtml(url, html))
          } catch (error) {
            next(error)
          }
        })
      }
    },
  }
}
