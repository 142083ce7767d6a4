import { dirname } from 'node:path'
import { compileFunction } from 'node:vm'
import { type BuildFailure, build, type Message } from 'esbuild'
import { createJiti } from 'jiti'

/** One schema file after evaluation: its exports, or why it could not be evaluated. */
export type Evaluation =
  | { readonly ok: true; readonly exports: Record<string, unknown> }
  | { readonly ok: false; readonly message: string }

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
export async function evaluateSchemaFiles(paths: readonly string[]): Promise<Evaluation[]> {
  if (paths.length === 0) return []
  const requireExternal = packageLoader(paths[0]!)
  const together = await evaluateBundle(paths, requireExternal)
  if (together.ok) return together.exports
  return Promise.all(
    paths.map(async (path): Promise<Evaluation> => {
      const alone = await evaluateBundle([path], requireExternal)
      return alone.ok ? { ok: true, exports: alone.exports[0]!.exports } : alone
    }),
  )
}

type Bundled =
  | { ok: true; exports: { ok: true; exports: Record<string, unknown> }[] }
  | { ok: false; message: string }

async function evaluateBundle(
  paths: readonly string[],
  requireExternal: Require,
): Promise<Bundled> {
  const dir = dirname(paths[0]!)
  let code: string
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
      write: false,
      logLevel: 'silent',
    })
    code = result.outputFiles[0]!.text
  } catch (error) {
    return { ok: false, message: buildMessage(error) }
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
  return {
    ok: true,
    exports: paths.map((_, i) => ({ ok: true, exports: module.exports[`m${i}`]! })),
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

/** esbuild's errors as `file:line:column: text` lines, the form editors link to. */
function buildMessage(error: unknown): string {
  const errors = (error as Partial<BuildFailure>).errors
  if (errors === undefined || errors.length === 0) {
    return error instanceof Error ? error.message : String(error)
  }
  return errors.map(formatMessage).join('\n')
}

function formatMessage(message: Message): string {
  const where = message.location
  return where === null
    ? message.text
    : `${where.file}:${where.line}:${where.column + 1}: ${message.text}`
}
