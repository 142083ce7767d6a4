import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import type { SchemaIR } from '@fluentorm/core'
import { createSqlFiles, SqlFileBuildError } from './sql-files.ts'

export interface SqlFileTypesOptions {
  /** The project root, searched for `.sql` files (node_modules and dot folders skipped). */
  readonly root: string
  readonly migrationsDir: string
  readonly schema: SchemaIR | null
}

export interface SqlFileTypesResult {
  /** The `.sql.d.ts` files written (their content changed). */
  readonly written: readonly string[]
  /** One `file:line:column: name: reason` per `.sql` file PostgreSQL refused. */
  readonly errors: readonly string[]
}

/**
 * What `fluentorm generate` does for `.sql` files without a bundler: every `.sql` file of the
 * project holding a `-- name:` statement (the migrations are not searched) is typed as the
 * plugin types it, and its `.sql.d.ts` written when it changed.
 */
export async function writeSqlFileTypes(options: SqlFileTypesOptions): Promise<SqlFileTypesResult> {
  const { root, migrationsDir, schema } = options
  const files = await querySqlFiles(root, migrationsDir)
  const sqlFiles = createSqlFiles(() => ({ root, migrationsDir, writeDts: true }))
  const written: string[] = []
  const errors: string[] = []
  try {
    for (const file of files) {
      try {
        const { dtsWritten } = await sqlFiles.compile(file, schema)
        if (dtsWritten !== null) written.push(dtsWritten)
      } catch (error) {
        if (!(error instanceof SqlFileBuildError)) throw error
        errors.push(error.message)
      }
    }
  } finally {
    await sqlFiles.close()
  }
  return { written, errors }
}

async function querySqlFiles(root: string, migrationsDir: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true }).catch(() => [])
  const candidates = entries
    .filter((path) => path.endsWith('.sql'))
    .filter(
      (path) => !path.split(sep).some((part) => part === 'node_modules' || part.startsWith('.')),
    )
    .map((path) => join(root, path))
    .filter((path) => relative(migrationsDir, path).startsWith('..'))
    .sort()
  const named = await Promise.all(
    candidates.map(async (file) => /^[ \t]*--[ \t]*name:/m.test(await readFile(file, 'utf8'))),
  )
  return candidates.filter((_, i) => named[i])
}
