import type { PGlite } from '@electric-sql/pglite'
import { type ColumnType, scalarColumnTsType } from '@fluentorm/core'
import { type DescribedField, describeStatement } from './describe-statement.ts'
import { lineColumn, type ParsedStatement, parseSqlFile } from './parse-sql-file.ts'

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
}

export type TypedSqlFile =
  | { readonly ok: true; readonly statements: readonly TypedStatement[] }
  | { readonly ok: false; readonly error: SqlFileError }

/**
 * Types every statement of a `.sql` file by preparing it on `db` (a database at the project's
 * schema): parameter and result types are PostgreSQL's own; a result column is non-null when it
 * is a NOT NULL table column read outside an outer join's nullable side, or named by
 * `-- @notnull`; everything else may be null.
 */
export async function typeSqlFile(db: PGlite, source: string): Promise<TypedSqlFile> {
  const parsed = parseSqlFile(source)
  if (!parsed.ok) return fail(source, parsed.problem.message, parsed.problem.offset)
  const statements: TypedStatement[] = []
  for (const statement of parsed.statements) {
    const described = await describeStatement(db, statement.text)
    if (!described.ok) {
      const at = described.position === null ? 0 : described.position - 1
      const offset = statement.sourceOffsets[at] ?? statement.sourceOffsets[0] ?? 0
      return fail(source, `${statement.name}: ${described.message}`, offset)
    }
    const fields = described.fields ?? []
    const repeated = fields.find((f, i) => fields.findIndex((g) => g.name === f.name) !== i)
    if (repeated) {
      const message = `${statement.name}: two result columns are named ${repeated.name}: give one another name with AS`
      return fail(source, message, statement.sourceOffsets[0] ?? 0)
    }
    const oids = [...described.paramTypes, ...fields.map((f) => f.typeOid)]
    const types = await typeNames(db, oids)
    const nonNull = await nonNullColumns(db, statement, fields)
    const value = (name: string, oid: number, nullable: boolean): TypedValue => {
      const type = types.get(oid) ?? { ts: 'string', sql: `oid ${oid}` }
      const tsType = nullable && type.ts !== 'unknown' ? `${type.ts} | null` : type.ts
      return { name, tsType, sqlType: type.sql, ...(type.textArray && { textArray: true }) }
    }
    const param = (name: string, oid: number): TypedValue => {
      const typed = value(name, oid, false)
      const tsType = PARAM_TYPES[oid] ?? typed.tsType
      const nullable = statement.nullable.has(name) && tsType !== 'unknown'
      return { ...typed, tsType: nullable ? `${tsType} | null` : tsType }
    }
    statements.push({
      name: statement.name,
      text: statement.text,
      params: statement.params.map((name, i) => param(name, described.paramTypes[i] ?? 25)),
      columns:
        described.fields === null
          ? null
          : fields.map((f, i) => value(f.name, f.typeOid, !nonNull[i])),
    })
  }
  return { ok: true, statements }
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
  return { ok: false, error: { message, ...lineColumn(source, offset) } }
}

/** Whether each result column is known non-null. */
async function nonNullColumns(
  db: PGlite,
  statement: ParsedStatement,
  fields: readonly DescribedField[],
): Promise<boolean[]> {
  const tables = [...new Set(fields.map((f) => f.tableOid).filter((oid) => oid !== 0))]
  const notNull = new Set<string>()
  if (tables.length > 0) {
    const { rows } = await db.query<{ key: string }>(
      `SELECT attrelid::int8::text || ':' || attnum AS key FROM pg_attribute
        WHERE attrelid = ANY($1::oid[]) AND attnum > 0 AND attnotnull`,
      [tables],
    )
    for (const row of rows) notNull.add(row.key)
  }
  const outer = await outerJoined(db, statement.text)
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
 * The tables read on the nullable side of a LEFT JOIN (every mention of that table counts:
 * the columns say their table, not which mention of it), or 'all' when a RIGHT or FULL join
 * or a LEFT JOIN of a subquery makes that unclear.
 */
async function outerJoined(db: PGlite, text: string): Promise<Set<number> | 'all'> {
  const code = text
    .replace(/'(?:[^']|'')*'/g, "''")
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
  if (/\b(?:right|full)\s+(?:outer\s+)?join\b/i.test(code)) return 'all'
  const names: string[] = []
  for (const match of code.matchAll(/\bleft\s+(?:outer\s+)?join\s+(?:only\s+)?([^\s(]+)/gi)) {
    const name = match[1] ?? ''
    if (/^lateral$/i.test(name)) return 'all'
    names.push(name)
  }
  if (/\bleft\s+(?:outer\s+)?join\s*\(/i.test(code)) return 'all'
  if (names.length === 0) return new Set()
  const { rows } = await db.query<{ oid: number | null }>(
    'SELECT to_regclass(name)::oid::int AS oid FROM unnest($1::text[]) AS name',
    [names],
  )
  // A CTE name is no table: its columns say the tables inside it, which are then unknown.
  if (rows.some((row) => row.oid === null)) return 'all'
  return new Set(rows.map((row) => row.oid as number))
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

interface TypeRow {
  oid: number
  typname: string
  typtype: string
  typelem: number
  typcategory: string
  typbasetype: number
  labels: string[] | null
}

/** The TypeScript type of each type OID, decoded as the runtime decodes it. */
async function typeNames(db: PGlite, oids: readonly number[]): Promise<Map<number, TypeName>> {
  const rows = new Map<number, TypeRow>()
  let wanted = [...new Set(oids)]
  while (wanted.length > 0) {
    const result = await db.query<TypeRow>(
      `SELECT t.oid::int AS oid, t.typname, t.typtype, t.typelem::int AS typelem, t.typcategory,
              t.typbasetype::int AS typbasetype,
              (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e
                WHERE e.enumtypid = t.oid) AS labels
         FROM pg_type t WHERE t.oid = ANY($1::oid[])`,
      [wanted],
    )
    for (const row of result.rows) rows.set(row.oid, row)
    wanted = result.rows
      .flatMap((row) => [row.typelem, row.typbasetype])
      .filter((oid) => oid !== 0 && !rows.has(oid))
  }
  const name = (oid: number): TypeName => {
    const row = rows.get(oid)
    if (row === undefined) return { ts: 'string', sql: `oid ${oid}` }
    if (row.typtype === 'd') return { ...name(row.typbasetype), sql: row.typname }
    if (row.typcategory === 'A' && row.typelem !== 0) {
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
  return new Map(oids.map((oid) => [oid, name(oid)]))
}
