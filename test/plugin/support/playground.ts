import { cp, mkdtemp, rm, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createServer, type InlineConfig, type ViteDevServer } from 'vite'
import { captureLog } from './dev-server.ts'

const REPO = resolve(import.meta.dirname, '../../..')

export interface PlaygroundServer {
  /** The private copy: `playground/`, `schemas/`, `migrations/`. */
  readonly root: string
  readonly server: ViteDevServer
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  /** Every line the server logged (info, warn, error), in order. */
  readonly logged: string[]
  close(): Promise<void>
}

/**
 * The README's flow on a private copy of the playground, its schemas and its migrations
 * (same layout: playground/ beside schemas/ and migrations/), run by its own vite.config.ts
 * on a free port of 127.0.0.1, with an embedded PGlite as on a fresh clone (DATABASE_URL
 * unset: the playground must not touch the CI database).
 */
export async function startPlayground(): Promise<PlaygroundServer> {
  delete process.env.DATABASE_URL
  const root = await mkdtemp(join(tmpdir(), 'fluentorm-playground-'))
  for (const folder of ['playground', 'schemas', 'migrations']) {
    await cp(join(REPO, folder), join(root, folder), {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    })
  }
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir')
  await cp(join(REPO, 'tsconfig.base.json'), join(root, 'tsconfig.base.json'))
  const { logger, all: logged } = captureLog()
  // The playground's own config, loaded here rather than by Vite: Vite would restart the
  // server (on a new port) whenever a package source it imports changes meanwhile.
  const { default: config } = (await import(join(root, 'playground/vite.config.ts'))) as {
    default: InlineConfig
  }
  const server = await createServer({
    ...config,
    root: join(root, 'playground'),
    configFile: false,
    customLogger: logger,
    server: { host: '127.0.0.1', port: 0 },
  })
  await server.listen()
  return {
    root,
    server,
    url: server.resolvedUrls?.local[0] ?? '',
    logged,
    async close() {
      await server.close()
      await rm(root, { recursive: true, force: true, maxRetries: 5 })
    },
  }
}
