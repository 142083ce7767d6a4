import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { TypedStatement } from './type-sql-file.ts'

/**
 * Bumped whenever the typing rules change (type-sql-file.ts, or the statement text that
 * parse-sql-file.ts keeps, which a result holds): a result typed by other rules
 * must not be reused, nor a data directory built for them (data-dir-cache.ts).
 */
export const TYPING_RULES = 2

/**
 * The typed statements of `.sql` files, kept on disk in the project's
 * `node_modules/.cache/fluentorm/sql/` under a hash of the file's text, the schema state it
 * was typed at (migrations and pending change: the typing database's key) and the typing
 * rules. A build or dev server start whose files and schemas did not change since the last
 * one reads them there and never starts the typing database (seconds: a PGlite boot). Only
 * successes are kept: a file PostgreSQL refused is typed again, to say where it fails.
 * Without a `node_modules` folder at the root, nothing is kept.
 */
export interface TypedCache {
  read(stateKey: string, source: string): Promise<readonly TypedStatement[] | null>
  write(stateKey: string, source: string, statements: readonly TypedStatement[]): Promise<void>
}

export function createTypedCache(root: string): TypedCache {
  const modules = join(root, 'node_modules')
  const dir = join(modules, '.cache', 'fluentorm', 'sql')
  const path = (stateKey: string, source: string) =>
    join(
      dir,
      `${createHash('sha256').update(`${TYPING_RULES}\0${stateKey}\0${source}`).digest('hex')}.json`,
    )
  // Made once per cache, not once per file: a hundred files are written at once.
  let made: Promise<unknown> | undefined
  return {
    async read(stateKey, source) {
      if (!existsSync(modules)) return null
      const text = await readFile(path(stateKey, source), 'utf8').catch(() => null)
      if (text === null) return null
      try {
        const parsed = JSON.parse(text) as { statements?: unknown }
        return Array.isArray(parsed.statements) ? (parsed.statements as TypedStatement[]) : null
      } catch {
        return null
      }
    },
    async write(stateKey, source, statements) {
      if (!existsSync(modules)) return
      const target = path(stateKey, source)
      const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}`
      try {
        made ??= mkdir(dir, { recursive: true })
        await made
        await writeFile(temporary, JSON.stringify({ statements }))
        await rename(temporary, target)
      } catch {
        made = undefined
        // A cache that cannot be written only costs the next start its typing database.
      }
    },
  }
}
