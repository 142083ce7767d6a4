import type { SchemaChange } from '../diff/schema-change.ts'
import type { ColumnIR } from '../schema/schema-ir.ts'
import { partitionKeyChangeRefusal } from './partition-change-sql.ts'

export type LintSeverity = 'error' | 'warning'

export type LintRule =
  | 'drop-table'
  | 'drop-column'
  | 'add-not-null-column'
  | 'non-concurrent-index'
  | 'concurrently-in-transaction'
  | 'fk-without-not-valid'
  | 'rename'
  | 'set-not-null'
  | 'narrowing-type-change'
  | 'truncate-cascade'
  | 'transaction-control'
  | 'partition-key-change'
  | 'partition-beside-default'

/** Something in a migration that loses data, takes a heavy lock, or can fail on real data. */
export interface LintFinding {
  readonly rule: LintRule
  readonly severity: LintSeverity
  readonly message: string
}

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][\w$.]*)`
const ALTER_TABLE = new RegExp(
  String.raw`ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?${IDENT}`,
  'i',
)
// A materialized view made in the file is as new as a table: no one reads it while its index builds.
const CREATE_TABLE = new RegExp(
  String.raw`^CREATE\s+(?:UNLOGGED\s+)?(?:TABLE|MATERIALIZED\s+VIEW)\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}`,
  'i',
)
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE\s+(?:UNIQUE\s+)?INDEX\s+(CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?:${IDENT}\s+)?ON\s+(?:ONLY\s+)?${IDENT}`,
  'i',
)
const DROP_TABLE = new RegExp(String.raw`^DROP\s+TABLE\s+(?:IF\s+EXISTS\s+)?${IDENT}`, 'i')
const DROP_COLUMN = new RegExp(String.raw`\bDROP\s+COLUMN\s+(?:IF\s+EXISTS\s+)?${IDENT}`, 'i')
const ADD_COLUMN = new RegExp(
  String.raw`\bADD\s+COLUMN\s+(?:IF\s+NOT\s+EXISTS\s+)?${IDENT}([^,;]*)`,
  'i',
)

/** `users`, `"users"` and `public.users` are one table for the "created in this file" test. */
function tableName(raw: string): string {
  const last = raw.startsWith('"') ? raw : (raw.split('.').at(-1) ?? raw)
  return last.startsWith('"') ? last.slice(1, -1).replaceAll('""', '"') : last.toLowerCase()
}

/**
 * One token of SQL that is not code: a comment, a string literal (E'' with backslash
 * escapes, '' doubled quotes), a dollar-quoted body, or a quoted identifier (kept as it is:
 * `"a--b"` names a column, it starts no comment).
 */
const NOT_CODE =
  /--[^\n]*|\/\*[\s\S]*?\*\/|(?<![\w$])[Ee]'(?:[^'\\]|\\[\s\S]|'')*'|'(?:[^']|'')*'|(\$[A-Za-z_]*\$)[\s\S]*?\1|"(?:[^"]|"")*"/g

/**
 * The statement's code: comments removed, string literals' and dollar-quoted bodies'
 * contents emptied, so keywords inside them do not count. Read left to right in one pass,
 * so a quote inside a comment or `--` inside a literal or a quoted identifier is what it is.
 */
function code(statement: string): string {
  return statement
    .replace(NOT_CODE, (token) =>
      token.startsWith('"') ? token : token.startsWith('-') || token.startsWith('/') ? ' ' : "''",
    )
    .trim()
}

/**
 * Lints migration statements, generated or hand-written (perf-reliability §4). Tables
 * created in the same file are empty, so rules about existing rows skip them.
 *
 * ```ts
 * lintStatements(['ALTER TABLE users DROP COLUMN phone;'], { transactional: true })
 * // [{ rule: 'drop-column', severity: 'error', message: 'Drops column phone of users: …' }]
 * ```
 */
export function lintStatements(
  statements: readonly string[],
  options: { readonly transactional: boolean },
): LintFinding[] {
  const bodies = statements.map(code)
  const created = new Set(
    bodies.flatMap((s) => (CREATE_TABLE.exec(s) ? [tableName(CREATE_TABLE.exec(s)![1]!)] : [])),
  )
  const existing = (raw: string | undefined) => raw !== undefined && !created.has(tableName(raw))
  // A generated column dropped and added again (its expression changed, or a column it uses
  // retyped) loses no value: PostgreSQL computes every row's again from the row.
  const regenerated = new Set(
    bodies.flatMap((s) => {
      const table = ALTER_TABLE.exec(s)?.[1]
      const added = ADD_COLUMN.exec(s)
      return table && added && /\bGENERATED\s+ALWAYS\s+AS\b/i.test(added[2] ?? '')
        ? [`${tableName(table)}\0${tableName(added[1]!)}`]
        : []
    }),
  )
  const findings: LintFinding[] = []
  const add = (rule: LintRule, severity: LintSeverity, message: string) =>
    findings.push({ rule, severity, message })
  for (const [position, body] of bodies.entries()) {
    // The generator's statement for a changed partition key: its text is in a string, read whole.
    const refusal = partitionKeyChangeRefusal(statements[position] ?? '')
    if (refusal !== null) add('partition-key-change', 'error', refusal)
    const altered = ALTER_TABLE.exec(body)?.[1]
    const dropTable = DROP_TABLE.exec(body)
    if (dropTable) {
      add(
        'drop-table',
        'error',
        `Drops table ${tableName(dropTable[1]!)}: every row in it is lost.`,
      )
    }
    const dropColumn = DROP_COLUMN.exec(body)
    const recomputed =
      dropColumn &&
      altered &&
      regenerated.has(`${tableName(altered)}\0${tableName(dropColumn[1]!)}`)
    if (dropColumn && altered && !recomputed) {
      add(
        'drop-column',
        'error',
        `Drops column ${tableName(dropColumn[1]!)} of ${tableName(altered)}: its values are lost.`,
      )
    }
    const index = CREATE_INDEX.exec(body)
    if (index && !index[1] && existing(index[3])) {
      add(
        'non-concurrent-index',
        'warning',
        `CREATE INDEX on existing table ${tableName(index[3]!)} blocks writes while it builds. Generate the index alone (its own migration is built CONCURRENTLY).`,
      )
    }
    if (/\bCONCURRENTLY\b/i.test(body) && options.transactional) {
      add(
        'concurrently-in-transaction',
        'error',
        'CONCURRENTLY cannot run inside a transaction: add the line `-- fluentorm:no-transaction` to the file.',
      )
    }
    const addColumn = ADD_COLUMN.exec(body)
    if (addColumn && existing(altered)) {
      const rest = addColumn[2]!
      if (/\bNOT\s+NULL\b/i.test(rest) && !/\b(DEFAULT|GENERATED)\b/i.test(rest)) {
        add(
          'add-not-null-column',
          'error',
          `Adds NOT NULL column ${tableName(addColumn[1]!)} to ${tableName(altered!)} without a default: it fails if the table has rows. Give it a defaultValue, or add it nullable, backfill, then make it NOT NULL.`,
        )
      }
    }
    if (/\bFOREIGN\s+KEY\b/i.test(body) && !/\bNOT\s+VALID\b/i.test(body)) {
      const fkTable =
        /ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?("(?:[^"]|"")+"|[A-Za-z_][\w$.]*)\s+ADD\b/i.exec(
          body,
        )?.[1]
      if (existing(fkTable)) {
        add(
          'fk-without-not-valid',
          'warning',
          `Adds a foreign key to existing table ${tableName(fkTable!)} without NOT VALID: validating it locks both tables while it scans. Add it NOT VALID, then VALIDATE CONSTRAINT.`,
        )
      }
    }
    if (
      altered &&
      /\bRENAME\s+(COLUMN\b|TO\b|[A-Za-z_"][^\s]*\s+TO\b)/i.test(body) &&
      !/\bRENAME\s+CONSTRAINT\b/i.test(body)
    ) {
      add(
        'rename',
        'warning',
        `Renames in ${tableName(altered)}: the running (old) version of the app still uses the old name until it is redeployed.`,
      )
    }
    if (/\bSET\s+NOT\s+NULL\b/i.test(body) && existing(altered)) {
      const table = tableName(altered!)
      const raw = new RegExp(String.raw`\bALTER\s+(?:COLUMN\s+)?${IDENT}\s+SET\s+NOT\s+NULL`, 'i')
      const column = tableName(raw.exec(body)?.[1] ?? '<column>')
      add(
        'set-not-null',
        'warning',
        `SET NOT NULL on ${table}.${column} scans the whole table under an exclusive lock, and fails if a row holds NULL. A DEFAULT only covers rows inserted later: if rows may hold NULL, fill them first, in this migration before it (UPDATE ${table} SET ${column} = … WHERE ${column} IS NULL).`,
      )
    }
    if (/^TRUNCATE\b[\s\S]*\bCASCADE\b/i.test(body)) {
      add(
        'truncate-cascade',
        'error',
        'TRUNCATE … CASCADE also empties every table that references this one.',
      )
    }
    if (/^(BEGIN|COMMIT|ROLLBACK|END|START\s+TRANSACTION)\b/i.test(body)) {
      add(
        'transaction-control',
        'error',
        `${body.split(/\s/)[0]!.toUpperCase()} inside a migration: the runner already wraps each file in a transaction. Remove it (or use -- fluentorm:no-transaction).`,
      )
    }
  }
  return findings
}

/**
 * Findings only the schema can tell: a type change that can lose precision or fail on existing
 * values; a partition created beside a default partition that may hold its rows.
 */
export function lintChanges(changes: readonly SchemaChange[]): LintFinding[] {
  return changes.flatMap((change): LintFinding[] => {
    if (change.kind === 'createPartition' && change.besideDefault !== undefined)
      return [
        {
          rule: 'partition-beside-default',
          severity: 'warning',
          message: `Creates partition ${change.partition.name} of ${change.table}, which has the default partition ${change.besideDefault}: PostgreSQL scans ${change.besideDefault} under an exclusive lock, and the migration fails if it holds rows of the new bound. Move those rows out of ${change.besideDefault} first.`,
        },
      ]
    if (change.kind !== 'alterColumnType' || widens(change.from, change.to)) return []
    return [
      {
        rule: 'narrowing-type-change',
        severity: 'warning',
        message: `Changes ${change.table}.${change.to.name} from ${change.from.sqlType} to ${change.to.sqlType}: ${
          castChangesValues(change.from, change.to)
            ? 'PostgreSQL would cut or round existing values without an error, so the migration first checks every row and stops, changing nothing, if a value would change; '
            : 'existing values may not fit (the migration fails) or lose precision; '
        }the table is rewritten under an exclusive lock.`,
      },
    ]
  })
}

/**
 * Whether the cast of a narrowing type change can change an existing value without an error:
 * a shorter `varchar(n)` cuts text (an explicit cast does not fail as an assignment does), a
 * `numeric` with fewer digits after the point or an integer from a float or numeric rounds, a
 * `date` drops a timestamp's time. Such a change's migration checks the rows first
 * (change-sql.ts). Not checked: floats narrowed to `real` (nearly every value changes in its
 * last digits), and a timestamp with fewer fractional digits, which rounds as JavaScript's
 * Dates do (milliseconds): the retype of a snapshot from before timestamps had a precision.
 */
export function castChangesValues(from: ColumnIR, to: ColumnIR): boolean {
  if (widens(from, to) || from.type === 'custom' || from.type === 'enum') return false
  switch (to.type) {
    case 'varchar':
      return to.length !== null
    case 'numeric':
      return to.precision !== null
    case 'smallint':
    case 'integer':
    case 'bigint':
      return from.type === 'real' || from.type === 'double' || from.type === 'numeric'
    case 'date':
      return from.type === 'timestamp' || from.type === 'timestamptz'
    default:
      return false
  }
}

const WIDER: Record<string, readonly string[]> = {
  smallint: ['integer', 'bigint', 'numeric', 'real', 'double'],
  integer: ['bigint', 'numeric', 'double'],
  bigint: ['numeric'],
  real: ['double'],
  varchar: ['text'],
  timestamp: ['timestamptz'],
  json: ['jsonb', 'text'],
}

function widens(from: ColumnIR, to: ColumnIR): boolean {
  if (from.array !== to.array) return false
  if (to.type === 'text') return true
  if (from.type !== to.type && !WIDER[from.type]?.includes(to.type)) return false
  if (to.type === 'timestamp' || to.type === 'timestamptz')
    return secondDigits(to) >= secondDigits(from)
  if (from.type !== to.type) return to.type !== 'numeric' || to.precision === null
  if (from.type === 'varchar')
    return to.length === null || (from.length !== null && to.length >= from.length)
  if (from.type === 'numeric') {
    if (to.precision === null) return true
    if (from.precision === null) return false
    return (
      to.precision - (to.scale ?? 0) >= from.precision - (from.scale ?? 0) &&
      (to.scale ?? 0) >= (from.scale ?? 0)
    )
  }
  return false
}

/** The fractional-second digits a timestamp keeps: an unqualified one (an old snapshot's) keeps 6. */
function secondDigits(column: ColumnIR): number {
  return column.precision ?? 6
}
