import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const REPO = resolve(import.meta.dirname, '../../..')

export interface FixtureProject {
  readonly root: string
  /** Rewrites `file` (relative to the root) as `edit` returns its text, as a save in an editor. */
  edit(file: string, edit: (text: string) => string): Promise<void>
  remove(): Promise<void>
}

/**
 * A private copy of `test/plugin/fixtures/<name>` in the OS temp folder, so a test can edit
 * its schemas. Its node_modules links to the repository's, so `@fluentorm/runtime` and `pg`
 * resolve from it as from an application; being outside node_modules, Vite watches it.
 */
export async function copyFixture(name: string): Promise<FixtureProject> {
  const root = await mkdtemp(join(tmpdir(), `fluentorm-${name}-`))
  await cp(join(REPO, 'test/plugin/fixtures', name), root, { recursive: true })
  await symlink(join(REPO, 'node_modules'), join(root, 'node_modules'), 'dir')
  return {
    root,
    async edit(file, edit) {
      const path = join(root, file)
      await writeFile(path, edit(await readFile(path, 'utf8')))
    },
    remove: () => rm(root, { recursive: true, force: true, maxRetries: 5 }),
  }
}
