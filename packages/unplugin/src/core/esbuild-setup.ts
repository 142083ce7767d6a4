import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { PluginBuild } from 'esbuild'
import { SqlFileBuildError } from '../sql-files/sql-files.ts'
import { sqlFileWatched } from '../sql-files/watch-sql-files.ts'
import type { FluentormContext } from './context.ts'
import { ESBUILD_LOAD_FILTER, resolvedModuleOf, SQL_FILE_FILTER } from './module-ids.ts'

/**
 * What esbuild needs beyond the shared hooks. The module loads here so it can name the
 * schema folder in `watchDirs` (watch mode then rebuilds when a schema file is added or
 * deleted, which `watchFiles` cannot see), and the SQL files are written from `onEnd` only
 * when the build succeeded: unplugin's `writeBundle` also runs after a failed esbuild build.
 */
export function esbuildSetup(context: FluentormContext, build: PluginBuild): void {
  build.onLoad({ filter: ESBUILD_LOAD_FILTER, namespace: 'fluentorm' }, async (args) => {
    const module = resolvedModuleOf(args.path)
    if (module === null) return null
    const { files, dirs } = context.watched(module)
    const watch = { watchFiles: [...files], watchDirs: [...dirs] }
    try {
      const contents = await context.moduleCode(module)
      return { contents, loader: 'js', resolveDir: dirname(args.path), ...watch }
    } catch (error) {
      return { errors: [{ text: (error as Error).message }], ...watch }
    }
  })
  build.onLoad({ filter: SQL_FILE_FILTER, namespace: 'file' }, async (args) => {
    const { files, dirs } = sqlFileWatched(context, args.path)
    const watch = { watchFiles: [...files], watchDirs: [...dirs] }
    try {
      return { contents: await context.sqlFileCode(args.path), loader: 'js', ...watch }
    } catch (error) {
      if (!(error instanceof SqlFileBuildError)) throw error
      // One error per statement refused, each with its code frame: esbuild prints the frame
      // from lineText and reads no file for a plugin's error.
      const errors = error.refused.map(({ text, line, column }) => ({
        text,
        location: {
          file: args.path,
          line,
          column: column - 1,
          lineText: sourceLine(args.path, line),
        },
      }))
      return { errors, ...watch }
    }
  })
  // After a build, or when a watch context is disposed: the typing database lives as long.
  build.onDispose(() => void context.closeSqlFiles())
  build.onEnd(async (result) => {
    if (result.errors.length > 0 || build.initialOptions.write === false) return
    await context.writeBuildOutputs()
  })
}

/** Line `line` (1-based) of `file`, or '' when it cannot be read (deleted since). */
function sourceLine(file: string, line: number): string {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[line - 1] ?? ''
  } catch {
    return ''
  }
}
