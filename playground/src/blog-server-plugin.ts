import type { IncomingMessage, ServerResponse } from 'node:http'
import { isRunnableDevEnvironment, type Plugin } from 'vite'

type Handler = (request: IncomingMessage, response: ServerResponse) => Promise<void>

/**
 * Serves the blog from Vite's dev server: each request imports `src/app.ts` through the SSR
 * module runner, so the app always runs the current models after a schema edit.
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
            await app.handle(request, response)
          } catch (error) {
            next(error)
          }
        })
      }
    },
  }
}
