import { createContext } from '@fluentorm/unplugin'
import {
  createLogger,
  createServer,
  isRunnableDevEnvironment,
  type Logger,
  type PluginOption,
  type ServerOptions,
  type ViteDevServer,
} from 'vite'

/** A silent Vite logger that keeps every line, by level and all in order. */
export interface LogCapture {
  readonly logger: Logger
  readonly infos: string[]
  readonly warnings: string[]
  readonly errors: string[]
  readonly all: string[]
}

/**
 * The arrays are the same for the capture's life, so a test may empty one
 * (`errors.length = 0`) before the step whose lines it checks.
 */
export function captureLog(): LogCapture {
  const capture: LogCapture = {
    logger: createLogger('silent'),
    infos: [],
    warnings: [],
    errors: [],
    all: [],
  }
  const keep = (lines: string[]) => (message: string) => {
    lines.push(message)
    capture.all.push(message)
  }
  capture.logger.info = keep(capture.infos)
  capture.logger.warn = keep(capture.warnings)
  capture.logger.error = keep(capture.errors)
  return capture
}

/**
 * Brings `root` to where a project is after its first build: `migrations/` holds the first
 * numbered migration and its snapshot, so a dev server started next has nothing pending.
 */
export async function writeFirstBuild(root: string): Promise<void> {
  const build = createContext({}, root)
  build.logger = { info: () => undefined, error: () => undefined }
  await build.refresh()
  await build.writeBuildOutputs()
}

export interface DevServerOptions {
  readonly plugins: PluginOption[]
  readonly logger: Logger
  /**
   * Listen on a free port of 127.0.0.1 with these server options (for tests that send HTTP
   * requests); without it the server runs in middleware mode and opens no socket.
   */
  readonly listen?: ServerOptions
}

/** A Vite dev server on the project at `root`, its config given here rather than read from a file. */
export async function startDevServer(
  root: string,
  { plugins, logger, listen }: DevServerOptions,
): Promise<ViteDevServer> {
  const server = await createServer({
    root,
    configFile: false,
    customLogger: logger,
    appType: 'custom',
    server:
      listen === undefined
        ? { middlewareMode: true, ws: false }
        : { host: '127.0.0.1', port: 0, ...listen },
    plugins,
  })
  if (listen !== undefined) await server.listen()
  return server
}

/** A module as the server's SSR runner gives it to the app (`virtual:fluentorm/models`, a `.sql` file). */
export async function ssrImport<T>(server: ViteDevServer, id: string): Promise<T> {
  const ssr = server.environments.ssr
  if (!ssr || !isRunnableDevEnvironment(ssr)) throw new Error('no SSR runner')
  return (await ssr.runner.import(id)) as T
}
