import { relative, resolve } from 'node:path'
import type { ViteDevServer } from 'vite'
import type { FluentormContext, WatchedPaths } from '../core/context.ts'
import { SqlFileBuildError } from './sql-files.ts'

/**
 * Under the dev server, types a `.sql` file the app imports as soon as it is saved (writing
 * its `.sql.d.ts`), and shows a SQL error at once with `showError` (terminal and overlay)
 * instead of at the next request. Vite itself reloads the module, which types it again on load.
 */
export function watchSqlFiles(
  context: FluentormContext,
  server: ViteDevServer,
  showError: (message: string) => void,
): void {
  const failing = new Set<string>()
  server.watcher.on('change', async (file) => {
    const path = resolve(file)
    if (!path.endsWith('.sql') || !imported(server, path)) return
    try {
      await context.sqlFileCode(path)
      if (failing.delete(path)) {
        context.logger.info(`${relative(context.options.root, path)} is valid again.`)
      }
    } catch (error) {
      failing.add(path)
      showError(error instanceof SqlFileBuildError ? error.message : String(error))
    }
  })
}

function imported(server: ViteDevServer, file: string): boolean {
  return Object.values(server.environments).some(
    (environment) => (environment.moduleGraph.getModulesByFile(file)?.size ?? 0) > 0,
  )
}

/**
 * What a `.sql` module's types depend on, for a bundler's watch mode: the file, the schema
 * files and folder, and the migrations folder.
 */
export function sqlFileWatched(context: FluentormContext, file: string): WatchedPaths {
  const models = context.watched('models')
  return {
    files: [file, ...models.files],
    dirs: [...models.dirs, ...context.watched('migrations').dirs],
  }
}
