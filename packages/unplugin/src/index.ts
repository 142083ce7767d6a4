import type { UnpluginFactory } from 'unplugin'
import { createUnplugin } from 'unplugin'
import { createContext } from './core/context.ts'
import { attachDevServer } from './core/dev-server.ts'
import { esbuildSetup } from './core/esbuild-setup.ts'
import {
  ESBUILD_LOAD_FILTER,
  esbuildModuleFile,
  IMPORT_FILTER,
  RESOLVED_FILTER,
  resolvedModuleOf,
  SQL_FILE_FILTER,
  VIRTUAL_IDS,
  virtualModuleOf,
} from './core/module-ids.ts'
import type { Options } from './options.ts'
import { SqlFileBuildError } from './sql-files/sql-files.ts'
import { sqlFileWatched } from './sql-files/watch-sql-files.ts'

export type { FluentormContext, RefreshResult } from './core/context.ts'
export { createContext } from './core/context.ts'
export type { Options, ResolvedOptions } from './options.ts'
export { DEFAULT_OPTIONS, resolveOptions, withConfig } from './options.ts'

/**
 * The fluentorm plugin for any bundler: serves `virtual:fluentorm/models` (alias
 * `~fluentorm/models`) and `virtual:fluentorm/migrations`, writes the `.d.ts`, writes the
 * SQL files on build, and regenerates on schema changes in the Vite dev server.
 */
export const unpluginFactory: UnpluginFactory<Options | undefined> = (options = {}, meta) => {
  const context = createContext(options)
  return {
    name: 'fluentorm',
    enforce: 'pre',
    resolveId: {
      filter: { id: IMPORT_FILTER },
      handler(id) {
        const module = virtualModuleOf(id)
        if (module === null) return null
        return meta.framework === 'esbuild'
          ? esbuildModuleFile(context.options.root, module)
          : VIRTUAL_IDS[module].resolved
      },
    },
    load: {
      filter: { id: [RESOLVED_FILTER, SQL_FILE_FILTER] },
      async handler(id) {
        if (SQL_FILE_FILTER.test(id)) {
          if (!context.serving) {
            const { files, dirs } = sqlFileWatched(context, id)
            for (const path of [...files, ...dirs]) this.addWatchFile(path)
          }
          try {
            return { code: await context.sqlFileCode(id), map: null }
          } catch (error) {
            if (!(error instanceof SqlFileBuildError)) throw error
            const { line, column } = error.at
            return this.error({
              message: error.message,
              id,
              loc: { file: id, line, column: column - 1 },
            })
          }
        }
        const module = resolvedModuleOf(id)
        if (module === null) return null
        // Under Vite's dev server the schema watcher reloads the module; elsewhere the
        // bundler's watch mode must know which files and folders rebuild it.
        if (!context.serving) {
          const { files, dirs } = context.watched(module)
          for (const path of [...files, ...dirs]) this.addWatchFile(path)
        }
        try {
          return { code: await context.moduleCode(module), map: null }
        } catch (error) {
          // Named without the \0 of the resolved id, which would reach the terminal.
          return this.error({ message: (error as Error).message, id: id.replace(/^\0/, '') })
        }
      },
    },
    async buildStart() {
      const result = await context.refresh()
      // A build fails with the report where the module loads; a dev server says it at start.
      if (!result.ok && context.serving) context.logger.error(result.report)
    },
    async buildEnd() {
      // The dev server's buildEnd comes at its close; a build's typing database is done. In
      // watch mode the next rebuild needs it again (a PGlite boot takes seconds): it stays
      // until the watcher closes (closeWatcher; esbuild: its onDispose in esbuildSetup).
      if (meta.framework === 'esbuild') return
      const watching = (this as { meta?: { watchMode?: boolean } }).meta?.watchMode
      if (watching && !context.serving) return
      await context.closeSqlFiles()
    },
    writeBundle() {
      // esbuild calls writeBundle even after a failed build: esbuildSetup writes on success only.
      if (meta.framework === 'esbuild') return
      return context.writeBuildOutputs()
    },
    rollup: {
      closeWatcher: () => context.closeSqlFiles(),
    },
    vite: {
      closeWatcher: () => context.closeSqlFiles(),
      configResolved(config) {
        context.setRoot(config.root)
      },
      configureServer(server) {
        attachDevServer(context, server)
      },
    },
    esbuild: {
      onResolveFilter: IMPORT_FILTER,
      onLoadFilter: ESBUILD_LOAD_FILTER,
      config(initialOptions) {
        context.setRoot(initialOptions.absWorkingDir ?? process.cwd())
      },
      setup: (build) => esbuildSetup(context, build),
    },
    webpack(compiler) {
      context.setRoot(compiler.options.context ?? process.cwd())
    },
    rspack(compiler) {
      context.setRoot(compiler.options.context ?? process.cwd())
    },
  }
}

export default /* #__PURE__ */ createUnplugin(unpluginFactory)
