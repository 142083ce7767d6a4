import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { BytesBlob, pgliteVersion } from './pglite-files.ts'
import { TYPING_RULES } from './typed-cache.ts'

/**
 * The typing database's data directory with the project's migrations applied, kept in
 * `node_modules/.cache/fluentorm/pglite/` so that the next start loads it instead of running
 * initdb and every migration (most of a cold start). One file, `<key>-<sha1>.pgdata`: the
 * tarball PGlite's `dumpDataDir` writes, named for a hash of the migrations (names and
 * checksums), the PGlite version and the typing rules, and for the SHA-1 of its content,
 * which `read` checks. It is written in a `.writing-<pid>-…` folder beside it and moved into
 * place whole. A file that is truncated, damaged or for other migrations is never loaded:
 * typing builds the database again and keeps that one instead. Without a `node_modules`
 * folder at the root, nothing is kept.
 *
 * Beside it, `<key>-<sha1>.initdb`: the same for the data directory just after initdb, nothing
 * applied, named for the PGlite version, the typing rules and how it was made (`recipe`). A
 * start with no data directory kept for its migrations (the first one, or any after a
 * migration changed) loads it and applies the migrations, instead of running initdb (most of
 * such a start). Each kind's write removes the other entries of its own kind only.
 */
export interface DataDirCache {
  /** The data directory kept for `migrationsKey`, or null. */
  read(migrationsKey: string): Promise<Blob | null>
  /** Whether anything is kept (there is a `node_modules` folder): else no dump is needed. */
  keeps(): boolean
  /** Keeps `dataDir` for `migrationsKey`, in place of whatever was kept before. */
  write(migrationsKey: string, dataDir: Blob): Promise<void>
  /** The data directory kept just after initdb made it by `recipe`, nothing applied, or null. */
  readEmpty(recipe: string): Promise<Blob | null>
  /** Keeps `dataDir`, just after initdb, in place of the empty one kept before. */
  writeEmpty(recipe: string, dataDir: Blob): Promise<void>
}

/** A data directory with migrations applied. */
const EXTENSION = '.pgdata'
/** A data directory just after initdb: a name the other kind's cleanup never matches. */
const EMPTY_EXTENSION = '.initdb'

/** `version` stands for the installed PGlite's (tests give another one). */
export function createDataDirCache(root: string, version = pgliteVersion()): DataDirCache {
  const modules = join(root, 'node_modules')
  const dir = join(modules, '.cache', 'fluentorm', 'pglite')
  const prefix = (key: string) =>
    `${createHash('sha256').update(`${TYPING_RULES}\0${version}\0${key}`).digest('hex')}-`
  const named = (key: string, extension: string, tarball: Uint8Array) =>
    `${prefix(key)}${createHash('sha1').update(tarball).digest('hex')}${extension}`

  async function read(key: string, extension: string): Promise<Blob | null> {
    if (!existsSync(modules)) return null
    const names = await readdir(dir).catch(() => [])
    const name = names.find((n) => n.startsWith(prefix(key)) && n.endsWith(extension))
    if (name === undefined) return null
    const tarball = await readFile(join(dir, name)).catch(() => null)
    if (tarball === null || tarball.length === 0 || named(key, extension, tarball) !== name) {
      return null
    }
    return new BytesBlob(tarball, 'application/x-tar')
  }

  return {
    read: (migrationsKey) => read(migrationsKey, EXTENSION),
    keeps: () => existsSync(modules),
    write: (migrationsKey, dataDir) => write(migrationsKey, EXTENSION, dataDir),
    readEmpty: (recipe) => read(`initdb\0${recipe}`, EMPTY_EXTENSION),
    writeEmpty: (recipe, dataDir) => write(`initdb\0${recipe}`, EMPTY_EXTENSION, dataDir),
  }

  async function write(key: string, extension: string, dataDir: Blob): Promise<void> {
    if (!existsSync(modules)) return
    const tarball = new Uint8Array(await dataDir.arrayBuffer())
    const name = named(key, extension, tarball)
    // Written whole in a folder of its own, then moved into place: a start never sees a
    // file that is still being written (a name the reader matches is only ever complete).
    const writing = join(dir, `${WRITING}${process.pid}-${Math.random().toString(36).slice(2)}`)
    try {
      await mkdir(writing, { recursive: true })
      await writeFile(join(writing, name), tarball)
      await rename(join(writing, name), join(dir, name))
      const stale = (await readdir(dir)).filter(
        (entry) =>
          (entry.endsWith(extension) && entry !== name) ||
          (entry.startsWith(WRITING) && abandoned(entry)),
      )
      await Promise.all(
        stale.map((entry) => rm(join(dir, entry), { recursive: true, force: true })),
      )
    } catch {
      // A cache that cannot be written only costs the next start its initdb and migrations.
    } finally {
      await rm(writing, { recursive: true, force: true }).catch(() => undefined)
    }
  }
}

/** The folders data directories are written in before they are moved into place. */
const WRITING = '.writing-'

/** Whether a `.writing-<pid>-…` folder was left by a process that no longer runs. */
function abandoned(entry: string): boolean {
  const pid = Number.parseInt(entry.slice(WRITING.length), 10)
  if (!(pid > 0) || pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}
