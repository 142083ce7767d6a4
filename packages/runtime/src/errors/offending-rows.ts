import { quoteIdent } from '../sql/identifier.ts'

/** The fields of a driver's error the advice reads. */
interface ServerError {
  readonly message: string
  readonly constraint?: string
  readonly table?: string
  readonly column?: string
  readonly detail?: string
}

const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$.]*)`
const RETYPE = new RegExp(
  String.raw`^ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?(${IDENT})\s+ALTER\s+(?:COLUMN\s+)?(${IDENT})\s+(?:SET\s+DATA\s+)?TYPE\b`,
  'i',
)
const REFERENCES = new RegExp(String.raw`\bREFERENCES\s+${IDENT}\s*\(([^)]*)\)`, 'i')

/**
 * How to find the rows that made DDL fail (a migration's `ALTER TABLE … VALIDATE CONSTRAINT`,
 * `ADD CONSTRAINT`, `CREATE UNIQUE INDEX`, a column retyped to an enum): the query that lists
 * them, and where to fix them. Errors carry no row values (docs/SECURITY.md), so the query
 * stands in for the value PostgreSQL would quote. Null for any other statement: an insert's
 * offending row is the one it sent.
 *
 * ```ts
 * offendingRows('foreign_key_violation', pgError, 'ALTER TABLE posts VALIDATE CONSTRAINT fk_posts_author')
 * // 'find the rows with SELECT user_id FROM posts WHERE user_id NOT IN (SELECT <the column(s) fk_posts_author references> FROM users), …'
 * ```
 */
export function offendingRows(
  kind: string,
  source: ServerError,
  sql: string | undefined,
): string | null {
  const statement = (sql ?? '').replace(LEADING_COMMENTS, '')
  const ddl = /^(ALTER\s+TABLE|CREATE\s+UNIQUE\s+INDEX)\b/i.test(statement)
  if (!ddl) return null
  // A retype's error names no table: the statement does, as SQL.
  const retyped = RETYPE.exec(statement)
  const table = source.table === undefined ? retyped?.[1] : sqlName(source.table)
  if (table === undefined) return null
  const fix = 'fix them in the migration, before this statement (errors show no row values)'
  // PostgreSQL prints the key's columns as SQL: `user_id`, `tenant_id, email`, `lower(email)`.
  const columns = /^Key \((.*?)\)=\(/s.exec(source.detail ?? '')?.[1]
  switch (kind) {
    case 'foreign_key_violation': {
      const target = /is not present in table "((?:[^"]|"")*)"\.$/.exec(source.detail ?? '')?.[1]
      if (columns === undefined || target === undefined) return null
      const referenced =
        REFERENCES.exec(statement)?.[1]?.trim() ??
        `<the column(s) ${source.constraint ?? 'the foreign key'} references>`
      const key = columns.includes(',') ? `(${columns})` : columns
      return `find the rows with SELECT ${columns} FROM ${table} WHERE ${key} NOT IN (SELECT ${referenced} FROM ${sqlName(target.replaceAll('""', '"'))}), and ${fix}`
    }
    case 'unique_violation':
      if (columns === undefined) return null
      return `find the rows with SELECT ${columns}, count(*) FROM ${table} GROUP BY ${columns} HAVING count(*) > 1, and ${fix}`
    case 'check_violation': {
      const expression = checkExpression(statement) ?? `<the expression of ${source.constraint}>`
      return `find the rows with SELECT * FROM ${table} WHERE NOT (${expression}), and ${fix}`
    }
    case 'invalid_input': {
      const column = retyped?.[2]
      const enumType = /invalid input value for enum ([^\s:]+)/.exec(source.message)?.[1]
      if (column === undefined || enumType === undefined) return null
      return `rows of ${table} hold a value of ${column} that enum ${enumType} does not have; list the values in use with SELECT DISTINCT ${column} FROM ${table}, and ${fix}`
    }
    default:
      return null
  }
}

/** The expression of the statement's `CHECK (…)`, up to its closing parenthesis, or null. */
function checkExpression(statement: string): string | null {
  const start = /\bCHECK\s*\(/i.exec(statement)
  if (!start) return null
  let depth = 1
  for (let i = start.index + start[0].length; i < statement.length; i++) {
    if (statement[i] === '(') depth++
    else if (statement[i] === ')' && --depth === 0)
      return statement.slice(start.index + start[0].length, i).trim()
  }
  return null
}

/**
 * DDL that makes a column NOT NULL over rows without a value. A new column's DEFAULT fills
 * the rows there; SET NOT NULL (or a primary key over the column) needs the NULLs filled
 * first, since a DEFAULT only covers rows inserted later.
 */
export function nullRowsReason(source: ServerError, sql: string | undefined): string {
  const table = source.table ?? ''
  const column = source.column ?? ''
  const named = `"?${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}"?`
  const added = new RegExp(`\\bADD\\s+(?:COLUMN\\s+)?(?:IF\\s+NOT\\s+EXISTS\\s+)?${named}\\s`, 'i')
  if (added.test(sql ?? '')) {
    return `column ${table}.${column} cannot be NOT NULL: rows of the table have no value in it. Give the column a DEFAULT, or fill it in (UPDATE ${table} SET ${column} = …) before SET NOT NULL`
  }
  const [t, c] = [sqlName(table), sqlName(column)]
  return `column ${table}.${column} cannot be NOT NULL: rows of the table hold NULL in it (SELECT count(*) FROM ${t} WHERE ${c} IS NULL counts them). A DEFAULT only covers rows inserted later: fill these in the migration, before SET NOT NULL (UPDATE ${t} SET ${c} = … WHERE ${c} IS NULL)`
}

/** A name as the advice's SQL writes it: as is when PostgreSQL reads it back unchanged, else quoted. */
function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name)
}
