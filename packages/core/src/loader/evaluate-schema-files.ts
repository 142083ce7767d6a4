import { SourceMap } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { compileFunction } from 'node:vm'
import { type BuildFailure, build, type Message } from 'esbuild'
import { createJiti } from 'jiti'
import type { CallSite } from '../schema/call-site.ts'
import type { SourcePosition } from '../schema/schema-problem.ts'

/**
 * Where a builder call recorded by `site` is in the schema file `path` (absolute), read from
 * the source map of the bundle that ran the file; undefined when the call was made elsewhere
 * (a helper module) or the map does not say.
 */
export type Locate = (site: CallSite, path: string) => SourcePosition | undefined

export interface EvaluateOptions {
  /**
   * Bundle with a source map, so each evaluation can `locate` a builder call in its file.
   * Costs the map's generation; the loader asks for it only to place the problems of a schema
   * that has some.
   * @default false
   */
  readonly sourceMap?: boolean
}

/** One schema file after evaluation: its exports, or why it could not be evaluated. */
export type Evaluation =
  | { readonly ok: true; readonly exports: Record<string, unknown>; readonly locate?: Locate }
  | {
      readonly ok: false
      readonly message: string
      /** Where in the file itself the (first) syntax error is. */
      readonly at?: SourcePosition
    }

type Require = (id: string) => unknown

/**
 * Evaluates schema files (absolute paths) afresh, in one esbuild build: a generated entry
 * re-exports every file, bundled with their relative imports into one CommonJS module
 * (TypeScript stripped) that runs in this process. Packages stay external and are loaded once
 * per process through jiti, which also runs packages that ship TypeScript sources
 * (`import { sql } from '@fluentorm/core'`).
 *
 * A syntax or import error fails the whole build, and a file that throws stops the files after
 * it, so the files are then evaluated one by one to find which fail; the others still count.
 *
 * ```ts
 * const [users] = await evaluateSchemaFiles(['/app/schemas/01_users.ts'])
 * // users: { ok: true, exports: { build: [Function: build] } }
 * ```
 */
export async function evaluateSchemaFiles(
  paths: readonly string[],
  options: EvaluateOptions = {},
): Promise<Evaluation[]> {
  if (paths.length === 0) return []
  const requireExternal = packageLoader(paths[0]!)
  const together = await evaluateBundle(paths, requireExternal, options)
  if (together.ok) return together.exports
  return Promise.all(
    paths.map(async (path): Promise<Evaluation> => {
      const alone = await evaluateBundle([path], requireExternal, options)
      return alone.ok ? alone.exports[0]! : alone
    }),
  )
}

type Bundled =
  | { ok: true; exports: Extract<Evaluation, { ok: true }>[] }
  | { ok: false; message: string; at?: SourcePosition }

async function evaluateBundle(
  paths: readonly string[],
  requireExternal: Require,
  { sourceMap: withMap = false }: EvaluateOptions,
): Promise<Bundled> {
  const dir = dirname(paths[0]!)
  // Named only so the source map's sources are relative to the schemas folder; nothing is written.
  const outfile = join(dir, 'fluentorm-schemas.js')
  let code: string
  let sourceMap: string | undefined
  try {
    const result = await build({
      stdin: {
        contents: paths
          .map((path, i) => `export * as m${i} from ${JSON.stringify(path)}`)
          .join('\n'),
        resolveDir: dir,
        sourcefile: 'fluentorm-schemas.js',
      },
      bundle: true,
      packages: 'external',
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      ...(withMap ? { outfile, sourcemap: 'external', sourcesContent: false } : {}),
      write: false,
      logLevel: 'silent',
    })
    for (const output of result.outputFiles) {
      if (output.path.endsWith('.map')) sourceMap = output.text
      else code = output.text
    }
    code ??= ''
  } catch (error) {
    return buildFailure(error, paths)
  }
  const module = { exports: {} as Record<string, Record<string, unknown>> }
  const filename = paths.length === 1 ? paths[0]! : `${dir}/fluentorm-schemas.js`
  try {
    const body = compileFunction(
      code,
      ['exports', 'require', 'module', '__filename', '__dirname'],
      {
        filename,
      },
    )
    body(module.exports, requireExternal, module, filename, dir)
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) }
  }
  const locate = sourceMap === undefined ? undefined : bundleLocator(filename, sourceMap, dir)
  return {
    ok: true,
    exports: paths.map((_, i) => ({
      ok: true,
      exports: module.exports[`m${i}`]!,
      ...(locate === undefined ? {} : { locate }),
    })),
  }
}

/**
 * A Locate for one bundle: the first frame of a call site that ran in the bundle (`filename`)
 * and maps back into the schema file asked about. The map is parsed on first use: a schema
 * without problems never reads it.
 */
function bundleLocator(filename: string, sourceMap: string, dir: string): Locate {
  let map: SourceMap | undefined
  return (site, path) => {
    for (const frame of site()) {
      if (frame.file !== filename) continue
      map ??= new SourceMap(JSON.parse(sourceMap))
      const entry = map.findEntry(frame.line - 1, frame.column - 1)
      if (!('originalSource' in entry) || resolve(dir, entry.originalSource) !== path) continue
      return { line: entry.originalLine + 1, column: entry.originalColumn + 1 }
    }
    return undefined
  }
}

/**
 * Loads the packages schema files import, resolved from the schemas folder. jiti's module
 * cache keeps each package evaluated once: packages do not change while a dev server runs.
 */
function packageLoader(from: string): Require {
  let jiti: ReturnType<typeof createJiti> | undefined
  return (id) => {
    jiti ??= createJiti(from, { moduleCache: true, fsCache: true })
    return jiti(id)
  }
}

/**
 * esbuild's errors: one in the file evaluated alone is its text with `at` (the problem then
 * names the file at that line); others as `file:line:column: text` lines, the form editors
 * link to, the file relative to the schemas folder.
 */
function buildFailure(error: unknown, paths: readonly string[]): Extract<Bundled, { ok: false }> {
  const errors = (error as Partial<BuildFailure>).errors
  if (errors === undefined || errors.length === 0) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) }
  }
  const dir = dirname(paths[0]!)
  const first = errors[0]!.location
  if (paths.length === 1 && first !== null && resolve(first.file) === paths[0]) {
    const at = { line: first.line, column: first.column + 1 }
    return { ok: false, message: errors.map((e) => e.text).join('\n'), at }
  }
  return { ok: false, message: errors.map((e) => formatMessage(e, dir)).join('\n') }
}

function formatMessage(message: Message, dir: string): string {
  const where = message.location
  return where === null
    ? message.text
    : `${relative(dir, resolve(where.file))}:${where.line}:${where.column + 1}: ${message.text}`
}
