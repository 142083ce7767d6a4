/**
 * The migration file format, in one place: which files are migrations, how they sort, their
 * checksum, the `-- fluentorm:` directive lines (written by the generator, read by the runner
 * and `check`), and reading a directory of them. The runner, core's generator, the CLI and the
 * plugin all use this module (`@fluentorm/runtime/migration-format`); it imports nothing but
 * Node's own modules, so core can use it without loading a driver.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'

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

/** A migration read from a directory: its file name and number too. */
export interface MigrationFile extends Migration {
  /** `0002_add_phone_to_users.sql` */
  readonly file: string
  /** `2`: what it sorts by. */
  readonly number: number
}

/** A numbered migration file: `0002_add_phone.sql`, `001_add_phone.sql`; not `users.sql`, not `*.down.sql`. */
export const MIGRATION_FILE = /^(\d+)_.+\.sql$/

/** Whether a file name is a numbered migration (its rollback `*.down.sql` is not one). */
export function isMigrationFile(file: string): boolean {
  return MIGRATION_FILE.test(file) && !file.endsWith('.down.sql')
}

/** The number a migration sorts by: `0002_x` → 2 (so `001_a` and `0002_b` order as 1, 2). */
export function migrationNumber(name: string): number {
  return Number.parseInt(name, 10)
}

/** Sorted by number, then name; the one order of the runner, `check` and the generator. */
export function compareMigrations(a: string, b: string): number {
  return migrationNumber(a) - migrationNumber(b) || (a < b ? -1 : a > b ? 1 : 0)
}

/** The next file number after these migrations, four digits: `0003`. */
export function nextMigrationNumber(names: readonly string[]): string {
  const last = names.reduce((max, name) => Math.max(max, migrationNumber(name)), 0)
  return String(last + 1).padStart(4, '0')
}

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

/** The directive lines the generator writes, as the readers below read them. */
export const directiveLine = {
  /** The snapshot hashes a generated file goes from and to (branch checks, dev adoption). */
  fromTo: (from: string, to: string) => `-- fluentorm:from ${from} to ${to}`,
  /** Statements run one by one outside a transaction. */
  noTransaction: (why: string) => `-- fluentorm:no-transaction (${why})`,
  /** In a down file: `down` refuses, giving `why`. */
  irreversible: (why: string) => `-- fluentorm:irreversible ${why}`,
  /** A lint finding acknowledged by the person who reviewed the file. */
  allow: (rule: string) => `-- fluentorm:allow ${rule}`,
} as const

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

/** The snapshot hashes a generated migration goes from and to; null for a hand-written file. */
export function readHashes(sql: string): { readonly from: string; readonly to: string } | null {
  const match = /^--\s*fluentorm:from\s+(\S+)\s+to\s+(\S+)/m.exec(sql)
  return match ? { from: match[1]!, to: match[2]! } : null
}

/** Rules acknowledged anywhere in the file with `-- fluentorm:allow <rule>[, <rule>]`. */
export function readAllowedRules(sql: string): ReadonlySet<string> {
  const rules = [...sql.matchAll(/^--\s*fluentorm:allow\s+(.+)$/gm)].flatMap((m) =>
    m[1]!.split(/[\s,]+/),
  )
  return new Set(rules.filter((r) => r !== ''))
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

/**
 * The numbered migrations of a directory, sorted, each with its rollback when it has one; the
 * per-table files (`users.sql`) are not migrations. Rejects with the file system's error when
 * the directory cannot be read: callers say what that means for them.
 */
export async function readMigrationFiles(dir: string): Promise<MigrationFile[]> {
  const files = await readdir(dir)
  const names = files.filter(isMigrationFile).sort(compareMigrations)
  return Promise.all(
    names.map(async (file) => {
      const name = file.slice(0, -'.sql'.length)
      const sql = await readFile(join(dir, file), 'utf8')
      const down = files.includes(`${name}.down.sql`)
        ? await readFile(join(dir, `${name}.down.sql`), 'utf8')
        : undefined
      return {
        file,
        name,
        number: migrationNumber(file),
        sql,
        checksum: migrationChecksum(sql),
        ...(down === undefined ? {} : { down }),
      }
    }),
  )
}

export { type SqlStatement, splitStatements } from './split-statements.ts'
