import { existsSync } from 'node:fs'
import { readdir } from 'node:fs/promises'

/** A seed file: TypeScript or JavaScript, ES module or not; never a declaration file. */
const SEED_FILE = /\.(ts|mts|js|mjs)$/

/**
 * The seed files of a folder in the order they run (by name: `01_users.ts`, `02_posts.ts`),
 * or null when there is no such folder. `fluentorm seed` and the dev server read the same.
 */
export async function seedFileNames(seedsDir: string): Promise<string[] | null> {
  if (!existsSync(seedsDir)) return null
  return (await readdir(seedsDir))
    .filter((name) => SEED_FILE.test(name) && !name.endsWith('.d.ts'))
    .sort()
}

/**
 * Why a seed file (at `path`, shown as `shown`) could not be loaded, at its `file:line:column`
 * when the error names one (a syntax error: jiti puts ` path:line:column` on the message's
 * second line, its column 0-based), as schema and config errors are:
 *
 * @example
 * seedLoadError(error, '/app/seeds/02_bad.ts', 'seeds/02_bad.ts')
 * // 'seeds/02_bad.ts:4:1: cannot be loaded: ParseError: Unexpected token'
 */
export function seedLoadError(error: unknown, path: string, shown: string): string {
  const message = error instanceof Error ? error.message : String(error)
  const first = message.split('\n')[0]?.trim() ?? ''
  const text = error instanceof Error ? `${message}\n${error.stack ?? ''}` : message
  const at = text.indexOf(`${path}:`)
  const site = at === -1 ? null : /^:(\d+):(\d+)/.exec(text.slice(at + path.length))
  if (site === null) return `${shown} cannot be loaded: ${first}`
  return `${shown}:${site[1]}:${Number(site[2]) + 1}: cannot be loaded: ${first}`
}
