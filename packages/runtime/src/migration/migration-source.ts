import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import {
  compareMigrations,
  type Migration,
  type MigrationFile,
  readMigrationFiles,
} from './migration-format.ts'

/** Where migrations come from: a directory, or the array the bundler inlined. */
export type MigrationSource = string | readonly Migration[]

/** Reads a source into sorted migrations; a directory's per-table files (`users.sql`) are ignored. */
export async function resolveMigrations(source: MigrationSource): Promise<readonly Migration[]> {
  if (typeof source === 'string') return (await readMigrationDir(source)).map(asMigration)
  return source
    .map((m) => ({ ...m, name: m.name.replace(/\.sql$/, '') }))
    .sort((a, b) => compareMigrations(a.name, b.name))
}

async function readMigrationDir(dir: string) {
  try {
    return await readMigrationFiles(dir)
  } catch (error) {
    throw new FluentOrmError({
      code: 'MIGRATIONS_NOT_FOUND',
      kind: 'invalid_usage',
      operation: 'migrate',
      reason: `cannot read the migrations directory ${dir} (${(error as NodeJS.ErrnoException).code ?? error}). Run it from your project root, or pass the directory (--migrations, or { migrations: 'path/to/migrations' }).`,
      cause: error,
    })
  }
}

/** The runner's shape (what a bundle inlines): without the file name and number. */
function asMigration({ name, sql, down, checksum }: MigrationFile): Migration {
  return down === undefined ? { name, sql, checksum } : { name, sql, down, checksum }
}
