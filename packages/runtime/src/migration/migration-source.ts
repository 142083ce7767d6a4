import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FluentOrmError } from '../errors/fluent-orm-error.ts'

/**
 * One numbered migration as the runner sees it. The bundled `virtual:fluentorm/migrations`
 * module exports an array of these; a directory is read into the same shape.
 */
export interface Migration {
  /** The file name without `.sql`: `0002_add_phone_to_users`. */
  readonly name: string
  readonly sql: string
  /** The rollback script (`0002_add_phone_to_users.down.sql`), when there is one. */
  readonly down?: string
  /** `migrationChecksum(sql)`. */
  readonly checksum: string
}

/** Where migrations come from: a directory, or the array the bundler inlined. */
export type MigrationSource = string | readonly Migration[]

/** A numbered migration file: `0002_add_phone.sql`, `001_add_phone.sql`; not `users.sql`, not `*.down.sql`. */
export const MIGRATION_FILE = /^(\d+)_.+\.sql$/

/** A lint acknowledgement, `-- fluentorm:allow <rule>`: a review note, not part of what runs. */
const ACKNOWLEDGEMENT_LINE = /^--\s*fluentorm:allow\b.*$/

/**
 * SHA-256 (hex) of a migration's text with line endings normalised, so a checkout with
 * CRLF line endings does not look like an edit, and without its acknowledgement lines, so
 * acknowledging a lint finding after the file ran is not an edit either. A file without
 * such lines has the checksum it always had.
 */
export function migrationChecksum(sql: string): string {
  const lines = sql.replace(/\r\n/g, '\n').split('\n')
  const kept = lines.filter((line) => !ACKNOWLEDGEMENT_LINE.test(line))
  return createHash('sha256').update(kept.join('\n')).digest('hex')
}

/**
 * The checksum runners recorded before acknowledgement lines were left out: a file applied
 * with one still verifies against its history.
 */
export function legacyMigrationChecksum(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex')
}

/** What a migration file says about how to run it, in `-- fluentorm:` comment lines. */
export interface MigrationDirectives {
  /** `-- fluentorm:no-transaction`: statements run one by one outside a transaction (CONCURRENTLY). */
  readonly noTransaction: boolean
  /** `-- fluentorm:irreversible <why>` in a down file: `down` refuses with this reason. */
  readonly irreversible: string | null
}

/**
 * The directives of a migration, read from its header only: the `--` comment lines (and
 * blank lines) before the first statement. A `-- fluentorm:no-transaction` further down, in a
 * function body or a string, is the migration's text, not an instruction to the runner.
 *
 * @example
 * readDirectives('-- fluentorm:no-transaction\nCREATE INDEX CONCURRENTLY …') // { noTransaction: true, … }
 * readDirectives('CREATE FUNCTION f() … $$\n-- fluentorm:no-transaction\n$$') // { noTransaction: false, … }
 */
export function readDirectives(sql: string): MigrationDirectives {
  const header = headerComments(sql)
  const irreversible = /^--\s*fluentorm:irreversible\b[ \t]*(.*)$/m.exec(header)
  return {
    noTransaction: /^--\s*fluentorm:no-transaction\b/m.test(header),
    irreversible: irreversible ? irreversible[1]!.trim() || 'marked irreversible' : null,
  }
}

/** The leading `--` comment lines of a script (blank lines between them allowed), trimmed. */
function headerComments(sql: string): string {
  const lines: string[] = []
  for (const line of sql.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const text = line.trim()
    if (text === '') continue
    if (!text.startsWith('--')) break
    lines.push(text)
  }
  return lines.join('\n')
}

/** The number a migration sorts by: `0002_x` → 2 (so `001_a` and `0002_b` order as 1, 2). */
export function migrationNumber(name: string): number {
  return Number.parseInt(name, 10)
}

/** Sorted by number, then name; the runner's one order. */
export function compareMigrations(a: string, b: string): number {
  return migrationNumber(a) - migrationNumber(b) || (a < b ? -1 : a > b ? 1 : 0)
}

/** Reads a source into sorted migrations; a directory's per-table files (`users.sql`) are ignored. */
export async function resolveMigrations(source: MigrationSource): Promise<readonly Migration[]> {
  const migrations =
    typeof source === 'string'
      ? await readMigrationDir(source)
      : source.map((m) => ({ ...m, name: m.name.replace(/\.sql$/, '') }))
  return [...migrations].sort((a, b) => compareMigrations(a.name, b.name))
}

async function readMigrationDir(dir: string): Promise<Migration[]> {
  let files: string[]
  try {
    files = await readdir(dir)
  } catch (error) {
    throw new FluentOrmError({
      code: 'MIGRATIONS_NOT_FOUND',
      kind: 'invalid_usage',
      operation: 'migrate',
      reason: `cannot read the migrations directory ${dir} (${(error as NodeJS.ErrnoException).code ?? error}). Run it from your project root, or pass the directory (--dir, or { migrations: 'path/to/migrations' }).`,
      cause: error,
    })
  }
  const names = files.filter((f) => MIGRATION_FILE.test(f) && !f.endsWith('.down.sql'))
  return Promise.all(
    names.map(async (file) => {
      const name = file.slice(0, -'.sql'.length)
      const sql = await readFile(join(dir, file), 'utf8')
      const down = files.includes(`${name}.down.sql`)
        ? await readFile(join(dir, `${name}.down.sql`), 'utf8')
        : undefined
      return {
        name,
        sql,
        checksum: migrationChecksum(sql),
        ...(down === undefined ? {} : { down }),
      }
    }),
  )
}
