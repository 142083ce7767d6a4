import type { PGlite } from '@electric-sql/pglite'
import { type ColumnType, scalarColumnTsType } from '@fluentorm/core'
import { type Described, type DescribedField, describeStatements } from './describe-statement.ts'
import { lineColumn, type ParsedStatement, parseSqlFile } from './parse-sql-file.ts'
import { createTypingCatalog, type TypeRow, type TypingCatalog } from './typing-catalog.ts'

export interface TypedValue {
  readonly name: string
  /** The TypeScript type, `| null` included when the value can be null. */
  readonly tsType: string
  /** PostgreSQL's name of the type, for the declaration's comment. */
  readonly sqlType: string
  /**
   * An array whose elements the runtime's decoders do not know (an enum's, a domain's, an
   * extension type's): it arrives as PostgreSQL's array text, which the statement parses.
   */
  readonly textArray?: true
  /**
   * How the statement sends a parameter of this type: `json` as JSON text (a JS array would
   * go as a PostgreSQL array), `array` as an array literal (PGlite serializes no arrays of
   * types it does not know, an enum's or a domain's).
   */
  readonly encode?: 'json' | 'array'
}

export interface TypedStatement {
  readonly name: string
  readonly text: string
  readonly params: readonly TypedValue[]
  /** null: the statement returns no rows; its function resolves to the affected row count. */
  readonly columns: readonly TypedValue[] | null
}

/** A SQL error at its place in the file: 1-based line and column. */
export interface SqlFileError {
  readonly message: string
  readonly line: number
  readonly column: number
  /** The file's other statements PostgreSQL refused, each at its place (all are described at once). */
  readonly more?: readonly Omit<SqlFileError, 'more'>[]
}

export type TypedSqlFile =
  | { readonly ok: true; readonly statements: readonly TypedStatement[] }
  | { readonly ok: false; readonly error: SqlFileError }

/**
 * Types every statement of a `.sql` file by preparing it on `db` (a database at the project's
 * schema): parameter and result types are PostgreSQL's own; a result column is non-null when it
 * is a NOT NULL table column read outside an outer join's nullable side, or named by
 * `-- @notnull`; everything else may be null. `catalog` remembers what it read of `db`'s
 * catalog for the next file (pass the same one only while `db`'s schema does not change).
 */
export async function typeSqlFile(
  db: PGlite,
  source: string,
  catalog: TypingCatalog = createTypingCatalog(db),
): Promise<TypedSqlFile> {
  const parsed = parseSqlFile(source)
  if (!parsed.ok) return fail(source, parsed.problem.message, parsed.problem.offset)
  const described = await describeStatements(
    db,
    parsed.statements.map((s) => s.text),
  )
  const prepared: Prepared[] = []
  const refused: SqlFileError[] = []
  for (const [i, statement] of parsed.statements.entries()) {
    const result = described[i] as Described
    if (!result.ok) {
      const at = result.position === null ? 0 : result.position - 1
      const offset = statement.sourceOffsets[at] ?? statement.sourceOffsets[0] ?? 0
      refused.push(placed(source, `${statement.name}: ${result.message}`, offset))
      continue
    }
    const fields = result.fields ?? []
    const repeated = fields.find((f, i) => fields.findIndex((g) => g.name === f.name) !== i)
    if (repeated) {
      const message = `${statement.name}: two result columns are named ${repeated.name}: give one another name with AS`
      refused.push(placed(source, message, statement.sourceOffsets[0] ?? 0))
      continue
    }
    prepared.push({
      statement,
      paramTypes: result.paramTypes,
      fields: result.fields,
      outer: outerJoins(statement.code),
    })
  }
  const [first, ...more] = refused
  if (first !== undefined) return { ok: false, error: more.length > 0 ? { ...first, more } : first }
  const joined = prepared.flatMap((p) => (p.outer === 'all' ? [] : p.outer))
  const [typeRows, notNull, relations] = await Promise.all([
    catalog.types(
      prepared.flatMap((p) => [...p.paramTypes, ...(p.fields ?? []).map((f) => f.typeOid)]),
    ),
    catalog.notNullColumns(
      prepared.flatMap((p) => (p.fields ?? []).map((f) => f.tableOid).filter((oid) => oid !== 0)),
    ),
    catalog.relations(joined),
  ])
  const relation = new Map(joined.map((name, i) => [name, relations[i] ?? null]))
  const types = typeNames(typeRows)
  const statements = prepared.map(({ statement, paramTypes, fields, outer }): TypedStatement => {
    const nonNull = nonNullColumns(statement, fields ?? [], notNull, outerJoined(outer, relation))
    const value = (name: string, oid: number, nullable: boolean): TypedValue => {
      const type = types(oid)
      const tsType = nullable && type.ts !== 'unknown' ? `${type.ts} | null` : type.ts
      return { name, tsType, sqlType: type.sql, ...(type.textArray && { textArray: true }) }
    }
    const param = (name: string, oid: number): TypedValue => {
      const typed = value(name, oid, false)
      // A domain takes what its base type takes.
      let base = oid
      for (let row = typeRows.get(base); row?.typtype === 'd'; row = typeRows.get(base)) {
        base = row.typbasetype
      }
      const tsType = PARAM_TYPES[base] ?? typed.tsType
      const nullable = statement.nullable.has(name) && tsType !== 'unknown'
      const row = typeRows.get(base)
      const encode =
        row?.typname === 'json' || row?.typname === 'jsonb'
          ? 'json'
          : row?.typcategory === 'A' && row.typelem !== 0 && row.array_in
            ? 'array'
            : undefined
      return { ...typed, tsType: nullable ? `${tsType} | null` : tsType, ...(encode && { encode }) }
    }
    return {
      name: statement.name,
      text: statement.text,
      params: statement.params.map((name, i) => param(name, paramTypes[i] ?? 25)),
      columns: fields === null ? null : fields.map((f, i) => value(f.name, f.typeOid, !nonNull[i])),
    }
  })
  return { ok: true, statements }
}

/** A statement PostgreSQL described, before its types are looked up. */
interface Prepared {
  readonly statement: ParsedStatement
  readonly paramTypes: readonly number[]
  readonly fields: readonly DescribedField[] | null
  readonly outer: readonly string[] | 'all'
}

/**
 * Parameters take what binds to their type without loss: a JS number for int8 and numeric (a
 * count from JS code), besides the bigint and string rows decode them to.
 */
const PARAM_TYPES: Readonly<Record<number, string>> = {
  20: 'bigint | number',
  1700: 'string | number',
}

function fail(source: string, message: string, offset: number): TypedSqlFile {
  return { ok: false, error: placed(source, message, offset) }
}

function placed(source: string, message: string, offset: number): SqlFileError {
  return { message, ...lineColumn(source, offset) }
}

/** Whether each result column is known non-null. */
function nonNullColumns(
  statement: ParsedStatement,
  fields: readonly DescribedField[],
  notNull: ReadonlySet<string>,
  outer: ReadonlySet<number> | 'all',
): boolean[] {
  return fields.map(
    (f) =>
      statement.notNull.has(f.name) ||
      (f.tableOid !== 0 &&
        outer !== 'all' &&
        !outer.has(f.tableOid) &&
        notNull.has(`${f.tableOid}:${f.columnNumber}`)),
  )
}

/**
 * The names of the tables on the nullable side of a LEFT JOIN, or 'all' when that is unclear:
 * a RIGHT or FULL join, a LEFT JOIN of a subquery or LATERAL, or of a join nested without
 * parentheses (`LEFT JOIN a JOIN b ON … ON …`), a join target that a CTE's name shadows; and
 * wherever a table column can be null without an outer join: ROLLUP, CUBE and GROUPING SETS
 * (the total rows), MERGE (its unmatched side), a RETURNING of `old.`/`new.` (PostgreSQL 18:
 * `old` of an inserted row, `new` of a deleted one). `code` is the statement with comments
 * and literals blanked (ParsedStatement.code).
 */
function outerJoins(code: string): readonly string[] | 'all' {
  if (/\b(?:right|full)\s+(?:outer\s+)?join\b/i.test(code)) return 'all'
  if (/\b(?:rollup|cube|grouping\s+sets)\s*\(/i.test(code)) return 'all'
  if (/^\s*(?:with\b[\s\S]*\b)?merge\s+into\b/i.test(code)) return 'all'
  if (/\breturning\b/i.test(code) && /\b(?:old|new)\s*\./i.test(code)) return 'all'
  const ctes = new Set(
    [
      ...code.matchAll(
        /(?:\bwith\s+(?:recursive\s+)?|,)\s*("[^"]+"|[A-Za-z_][\w$]*)\s*(?:\([^)]*\)\s*)?as\s*(?:not\s+)?(?:materialized\s+)?\(/gi,
      ),
    ].map((m) => unquoted(m[1] ?? '')),
  )
  const names: string[] = []
  for (const match of code.matchAll(/\bleft\s+(?:outer\s+)?join\s+(?:only\s+)?([^\s(]+)/gi)) {
    const name = match[1] ?? ''
    if (/^lateral$/i.test(name)) return 'all'
    if (ctes.has(unquoted(name))) return 'all'
    // The next of ON, USING and JOIN after the target: a JOIN first nests a join inside this one.
    const after = code.slice((match.index ?? 0) + match[0].length)
    if (/^[\s\S]*?\b(on|using|join)\b/i.exec(after)?.[1]?.toLowerCase() === 'join') return 'all'
    names.push(name)
  }
  if (/\bleft\s+(?:outer\s+)?join\s*\(/i.test(code)) return 'all'
  return names
}

/** A name as PostgreSQL folds it: `"Name"` as written, `Name` in lower case. */
function unquoted(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase()
}

/**
 * The tables read on the nullable side of a LEFT JOIN (every mention of that table counts:
 * the columns say their table, not which mention of it), or 'all' when that is unclear.
 * `relation` holds what each joined name resolves to.
 */
function outerJoined(
  joins: readonly string[] | 'all',
  relation: ReadonlyMap<string, number | null>,
): ReadonlySet<number> | 'all' {
  if (joins === 'all') return 'all'
  const oids = joins.map((name) => relation.get(name) ?? null)
  // A CTE name is no table: its columns say the tables inside it, which are then unknown.
  if (oids.some((oid) => oid === null)) return 'all'
  return new Set(oids as number[])
}

interface TypeName {
  readonly ts: string
  readonly sql: string
  readonly textArray?: true
}

/** PostgreSQL type names and the column type the models use for them. */
const COLUMN_TYPES: Readonly<Record<string, Exclude<ColumnType, 'enum'>>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  oid: 'integer',
  float4: 'real',
  float8: 'double',
  numeric: 'numeric',
  bool: 'boolean',
  text: 'text',
  varchar: 'varchar',
  bpchar: 'text',
  name: 'text',
  uuid: 'uuid',
  date: 'date',
  time: 'time',
  timetz: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamptz',
  interval: 'interval',
  json: 'json',
  jsonb: 'jsonb',
  bytea: 'bytea',
}

/** The TypeScript type of a type OID, decoded as the runtime decodes it. */
function typeNames(rows: ReadonlyMap<number, TypeRow>): (oid: number) => TypeName {
  const name = (oid: number): TypeName => {
    const row = rows.get(oid)
    if (row === undefined) return { ts: 'string', sql: `oid ${oid}` }
    if (row.typtype === 'd') return { ...name(row.typbasetype), sql: row.typname }
    if (row.typcategory === 'A' && row.typelem !== 0 && row.array_in) {
      const element = name(row.typelem)
      const elementRow = rows.get(row.typelem)
      // The decoders know built-in element types; the statement parses the others' array
      // text into strings (an enum's are its labels; a domain's are not its base type's).
      const decoded = elementRow !== undefined && COLUMN_TYPES[elementRow.typname] !== undefined
      const ts = decoded || elementRow?.typtype === 'e' ? element.ts : 'string'
      const array = ts.includes(' | ') ? `(${ts})[]` : `${ts}[]`
      return { ts: array, sql: `${element.sql}[]`, ...(!decoded && { textArray: true as const }) }
    }
    if (row.typtype === 'e') {
      const labels = row.labels ?? []
      const ts = labels.length === 0 ? 'string' : labels.map((l) => JSON.stringify(l)).join(' | ')
      return { ts, sql: row.typname }
    }
    const type = COLUMN_TYPES[row.typname]
    return { ts: type === undefined ? 'string' : scalarColumnTsType(type), sql: row.typname }
  }
  return name
}
