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
