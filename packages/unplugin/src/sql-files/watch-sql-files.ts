import { relative, resolve } from 'node:path'
import type { ViteDevServer } from 'vite'
import type { FluentormContext, WatchedPaths } from '../core/context.ts'
import { SqlFileBuildError } from './sql-files.ts'

/** Re-types the `.sql` modules the app imports after the schemas changed (their types follow). */
export interface SqlFileWatch {
  schemaChanged(): Promise<void>
}

/**
 * Under the dev server, types a `.sql` file the app imports as soon as it is saved (writing
 * its `.sql.d.ts`), and shows a SQL error at once with `showError` (terminal and overlay)
 * instead of at the next request. Vite itself reloads the saved module, which types it again
 * on load; after a schema change `schemaChanged` marks every imported one stale.
 */
export function watchSqlFiles(
  context: FluentormContext,
  server: ViteDevServer,
  showError: (message: string) => void,
): SqlFileWatch {
  const failing = new Set<string>()
  const check = async (path: string) => {
    try {
      await context.sqlFileCode(path)
      if (failing.delete(path)) {
        context.logger.info(`${relative(context.options.root, path)} is valid again.`)
      }
    } catch (error) {
      failing.add(path)
      showError(error instanceof SqlFileBuildError ? error.message : String(error))
    }
  }
  server.watcher.on('change', async (file) => {
    const path = resolve(file)
    if (path.endsWith('.sql') && importedSqlFiles(server).has(path)) await check(path)
  })
  return {
    async schemaChanged() {
      const files = importedSqlFiles(server)
      for (const environment of Object.values(server.environments)) {
        const nodes = [...files].flatMap((file) => [
          ...(environment.moduleGraph.getModulesByFile(file) ?? []),
        ])
        for (const node of nodes) {
          environment.moduleGraph.invalidateModule(node, new Set(), Date.now(), true)
        }
        // A server-side runner evaluates modules once: it drops them on a full reload.
        if (nodes.length > 0 && environment.name !== 'client') {
          environment.hot.send({ type: 'full-reload', path: '*' })
        }
      }
      for (const file of files) await check(file)
    },
  }
}

/** The `.sql` files some environment's module graph holds. */
function importedSqlFiles(server: ViteDevServer): Set<string> {
  const files = new Set<string>()
  for (const environment of Object.values(server.environments)) {
    for (const file of environment.moduleGraph.fileToModulesMap.keys()) {
      if (file.endsWith('.sql')) files.add(resolve(file))
    }
  }
  return files
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
