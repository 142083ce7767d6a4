import { dirname, extname, resolve } from 'node:path'
import type { ViteDevServer } from 'vite'
import type { FluentormContext } from './context.ts'
import { pendingMigrationPreview } from './migrations-bridge.ts'
import { VIRTUAL_IDS, type VirtualModule } from './module-ids.ts'

const SCHEMA_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs'])
/** A rename arrives as unlink then add: regenerate once for both. */
const SETTLE_MS = 40

/**
 * Keeps the models in step with schemas/ while Vite serves: any schema file saved, added,
 * renamed or deleted regenerates the module and the `.d.ts`, prints the SQL the change
 * implies, and reloads `virtual:fluentorm/models` in every environment (the SSR runner
 * included). An invalid schema is reported in the terminal and the error overlay while the
 * last valid models keep serving. A migration written to migrations/ meanwhile (by
 * `npx fluentorm generate`) reloads `virtual:fluentorm/migrations`.
 */
export function attachDevServer(context: FluentormContext, server: ViteDevServer): void {
  context.serving = true
  const logger = server.config.logger
  context.logger = {
    info: (message) => logger.info(`[fluentorm] ${message}`, { timestamp: true }),
    error: (message) => logger.error(`[fluentorm] ${message}`, { timestamp: true }),
  }
  // Vite watches only its root and the files it imported; schemas/ may sit outside the root.
  server.watcher.add([context.options.schemasDir, context.options.migrationsDir])
  let timer: NodeJS.Timeout | undefined
  let showingError = false

  const onFileEvent = (file: string) => {
    const path = resolve(file)
    const folder = dirname(path)
    if (folder === context.options.migrationsDir && extname(path) === '.sql') {
      void reloadModule(server, 'migrations')
    }
    if (folder !== context.options.schemasDir || !SCHEMA_EXTENSIONS.has(extname(path))) return
    clearTimeout(timer)
    timer = setTimeout(regenerate, SETTLE_MS)
  }
  server.watcher.on('add', onFileEvent).on('change', onFileEvent).on('unlink', onFileEvent)

  async function regenerate(): Promise<void> {
    const result = await context.refresh()
    if (!result.ok) {
      context.logger.error(`${result.report}\nThe last valid models keep serving.`)
      sendError(server, result.report)
      showingError = true
      return
    }
    if (showingError) {
      showingError = false
      server.environments.client.hot.send({ type: 'full-reload' })
    }
    if (!result.changed) return
    // The app gets the new models first; the migration preview is for the terminal.
    await reloadModule(server, 'models')
    const preview = await pendingMigrationPreview(context.options.migrationsDir, result.schema)
    if (preview !== null) context.logger.info(preview)
  }
}

/** Reloads a virtual module in each environment that has loaded it. */
async function reloadModule(server: ViteDevServer, module: VirtualModule): Promise<void> {
  for (const environment of Object.values(server.environments)) {
    const node = environment.moduleGraph.getModuleById(VIRTUAL_IDS[module].resolved)
    if (node) await environment.reloadModule(node)
  }
}

function sendError(server: ViteDevServer, report: string): void {
  const err = { message: report, stack: '', plugin: 'fluentorm' }
  for (const environment of Object.values(server.environments)) {
    environment.hot.send({ type: 'error', err })
  }
}
