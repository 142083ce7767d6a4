import { splitStatements } from '@fluentorm/runtime/migration-format'
import type { MigrationFileInfo } from '../migration/migration-directory.ts'

const NAME = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`
const QUALIFIED = `${NAME}(?:\\.${NAME})?`
const CREATE_TABLE = new RegExp(
  String.raw`^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(${QUALIFIED})`,
  'i',
)
const RENAME_TABLE = new RegExp(
  String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${QUALIFIED})\s+RENAME\s+TO\s+(${NAME})`,
  'i',
)
const DROP_TABLE = new RegExp(
  String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?(${QUALIFIED}(?:\s*,\s*${QUALIFIED})*)`,
  'i',
)
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/

/**
 * The tables the hand-written migrations (those without generate's `fluentorm:from` header)
 * make in `schema`, each with the file that made it: their `CREATE TABLE` (not TEMP), followed
 * through a later `ALTER TABLE … RENAME TO` and `DROP TABLE`. The schema files do not declare
 * them, and they are not added by hand: the drift check does not report them as such.
 *
 * ```ts
 * handWrittenTables([{ file: '0002_audit.sql', sql: 'CREATE TABLE audit_log (at timestamptz);', hashes: null, … }], 'public')
 * // Map { 'audit_log' => '0002_audit.sql' }
 * ```
 */
export function handWrittenTables(
  files: readonly Pick<MigrationFileInfo, 'file' | 'sql' | 'hashes'>[],
  schema: string,
): Map<string, string> {
  const tables = new Map<string, string>()
  const inSchema = (raw: string | undefined) => {
    if (raw === undefined) return null
    const [first, second] = splitName(raw)
    if (first === undefined) return null
    return second === undefined ? first : first === schema ? second : null
  }
  for (const file of files) {
    if (file.hashes !== null) continue
    for (const statement of splitStatements(file.sql)) {
      const text = statement.text.replace(LEADING_COMMENTS, '')
      const created = CREATE_TABLE.exec(text)?.[1]
      const renamed = RENAME_TABLE.exec(text)
      const dropped = DROP_TABLE.exec(text)?.[1]
      if (created !== undefined) {
        const name = inSchema(created)
        if (name !== null) tables.set(name, file.file)
      } else if (renamed) {
        const from = inSchema(renamed[1])
        const made = from === null ? undefined : tables.get(from)
        if (from !== null && made !== undefined) {
          tables.delete(from)
          tables.set(unquote(renamed[2] ?? ''), made)
        }
      } else if (dropped !== undefined) {
        for (const raw of dropped.match(new RegExp(QUALIFIED, 'g')) ?? []) {
          const name = inSchema(raw)
          if (name !== null) tables.delete(name)
        }
      }
    }
  }
  return tables
}

/** `shop.users` → [shop, users], `"Odd"` → [Odd]: as PostgreSQL folds and unquotes them. */
function splitName(raw: string): string[] {
  return (raw.match(new RegExp(NAME, 'g')) ?? []).map(unquote)
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase()
}
