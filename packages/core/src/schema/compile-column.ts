import { quoteIdent } from '../sql/identifier.ts'
import { compileTsType, customType, generatedExpression } from './column-options.ts'
import { commentProblem } from './comment-text.ts'
import { renderDefault } from './default-sql.ts'
import type { ColumnIR, ColumnType, CreateInputMode, EnumIR } from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'
import type { ColumnDraft } from './table-schema.ts'
import { timestampPrecision } from './timestamp-precision.ts'

/** What a column needs to know about its table. */
export interface ColumnContext {
  readonly table: string
  /** The column that alone is the primary key, if the key has one column. */
  readonly solePrimaryKey: string | null
  /** Every primary-key column, simple or composite: not updatable unless the schema says so. */
  readonly primaryKey: readonly string[]
  /** Columns that a belongsTo on this table uses as its FK. */
  readonly foreignKeyColumns: ReadonlySet<string>
  readonly problems: SchemaProblem[]
}

const SQL_TYPES: Record<Exclude<ColumnType, 'varchar' | 'numeric' | 'enum' | 'custom'>, string> = {
  uuid: 'UUID',
  text: 'TEXT',
  boolean: 'BOOLEAN',
  smallint: 'SMALLINT',
  integer: 'INTEGER',
  bigint: 'BIGINT',
  real: 'REAL',
  double: 'DOUBLE PRECISION',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  date: 'DATE',
  time: 'TIME',
  interval: 'INTERVAL',
  json: 'JSON',
  jsonb: 'JSONB',
  bytea: 'BYTEA',
}

const VARCHAR_MAX = 10_485_760
const NUMERIC_MAX_PRECISION = 1000
const CREATE_INPUTS: readonly string[] = ['required', 'optional', 'excluded']

/**
 * Turns one builder call into a column: SQL type, nullability, default, inputs.
 * `t.varchar({ name: 'code', length: 8, defaultValue: "it's" })` →
 * `{ sqlType: 'VARCHAR(8)', nullable: false, defaultSql: "'it''s'", createInput: 'optional', … }`.
 */
export function compileColumn(
  draft: ColumnDraft,
  context: ColumnContext,
): { column: ColumnIR; enum: EnumIR | null } {
  const { options, source, site } = draft
  const name = options.name
  const report = (message: string, hint: string) =>
    context.problems.push({
      file: source,
      table: context.table,
      column: name,
      message,
      hint,
      ...(site === undefined ? {} : { site }),
    })

  if (options.notNull === true && options.nullable === true) {
    report('The column sets both notNull: true and nullable: true.', 'Keep one of them.')
  }
  const nullable = options.nullable === true || options.notNull === false
  const inPrimaryKey = options.primaryKey === true || context.solePrimaryKey === name
  if (nullable && inPrimaryKey) {
    report(
      'A primary-key column cannot be nullable.',
      'Remove nullable / notNull: false from this column.',
    )
  }
  if (draft.identity && options.defaultValue !== undefined) {
    report(
      'An identity column (increments / bigIncrements) cannot have a defaultValue: the database numbers the rows.',
      'Remove defaultValue, or use integer() / bigInt() with a default.',
    )
  }
  const byDefault = draft.identity && options.identity === 'byDefault'
  if (
    draft.identity &&
    options.identity !== undefined &&
    options.identity !== 'always' &&
    options.identity !== 'byDefault'
  ) {
    report(
      `identity '${String(options.identity)}' is not 'always' or 'byDefault'.`,
      "Use identity: 'byDefault' to let inserts give the id, or leave it out (ALWAYS).",
    )
  }
  if (options.onUpdate !== undefined && options.onUpdate !== 'now') {
    report(
      `onUpdate '${String(options.onUpdate)}' is not 'now'.`,
      "Write onUpdate: 'now' to set the column on every update, or leave it out.",
    )
  }
  if (options.createInput !== undefined && !CREATE_INPUTS.includes(options.createInput)) {
    report(
      `createInput '${options.createInput}' is not one of ${CREATE_INPUTS.join(', ')}.`,
      `Use one of ${CREATE_INPUTS.join(', ')}.`,
    )
  }

  const generatedSql = generatedExpression(draft, report)
  const generated = generatedSql !== null
  const length = draft.type === 'varchar' ? varcharLength(options.length, report) : null
  const timestamp =
    draft.type === 'timestamp' || draft.type === 'timestamptz'
      ? timestampPrecision(draft.type, options, report)
      : null
  const [precision, scale] =
    draft.type === 'numeric'
      ? numericSize(options.precision, options.scale, report)
      : [timestamp?.precision ?? null, null]
  const enumIR = draft.type === 'enum' ? compileEnum(draft, context.table, report) : null
  const custom = draft.type === 'custom' ? customType(options, report) : null
  const array = options.array === true || custom?.array === true
  const baseType = custom?.base ?? baseSqlType(draft.type, length, precision, scale, enumIR)
  const tsType = options.tsType === undefined ? null : compileTsType(options.tsType, report)
  const comment = commentProblem(options.comment)
  if (comment !== null) report(comment, 'Write the comment as a string without NUL characters.')

  let defaultSql: string | null = null
  if (options.defaultValue !== undefined && !draft.identity) {
    const rendered = renderDefault(options.defaultValue, {
      type: draft.type,
      array,
      length,
      precision,
      scale,
      enumValues: enumIR?.values ?? [],
    })
    if (rendered.ok) defaultSql = rendered.sql
    else report(rendered.message, rendered.hint)
  }
  const generatesUuid =
    draft.type === 'uuid' &&
    !array &&
    context.solePrimaryKey === name &&
    !context.foreignKeyColumns.has(name) &&
    options.defaultValue === undefined
  if (generatesUuid) defaultSql = 'gen_random_uuid()'

  const autoGenerated = options.autoGenerated ?? (draft.identity || generatesUuid || generated)
  const column: ColumnIR = {
    kind: 'column',
    name,
    type: draft.type,
    sqlType: array ? `${baseType}[]` : baseType,
    array,
    length,
    precision,
    scale,
    timeMode: timestamp?.timeMode ?? null,
    enumName: enumIR?.name ?? null,
    nullable,
    primaryKey: context.solePrimaryKey === name,
    unique: options.unique === true,
    defaultSql,
    identity: draft.identity,
    ...(byDefault ? { identityGeneration: 'byDefault' as const } : {}),
    ...(generated ? { generatedSql } : {}),
    ...(tsType === null ? {} : { tsType }),
    ...(typeof options.comment === 'string' && comment === null
      ? { comment: options.comment }
      : {}),
    autoGenerated,
    createInput: createInput(
      (draft.identity && !byDefault) || generated,
      options.createInput,
      nullable || defaultSql !== null || autoGenerated,
    ),
    // A key identifies the row an update targets; changing it is opt-in (updateInput: true).
    updateInput:
      draft.identity || generated
        ? false
        : (options.updateInput ?? !context.primaryKey.includes(name)),
    redacted: options.redacted === true,
    renamedFrom: toList(options.renamedFrom),
    source,
  }
  return { column, enum: enumIR }
}

/** `VARCHAR(255)`, `NUMERIC(10, 2)`, `TIMESTAMPTZ(3)`, `"post_status"`: the type without `[]`. */
function baseSqlType(
  type: ColumnType,
  length: number | null,
  precision: number | null,
  scale: number | null,
  enumIR: EnumIR | null,
): string {
  switch (type) {
    case 'varchar':
      return `VARCHAR(${length})`
    case 'numeric':
      return precision === null ? 'NUMERIC' : `NUMERIC(${precision}, ${scale})`
    case 'timestamp':
    case 'timestamptz':
      return `${SQL_TYPES[type]}(${precision})`
    case 'enum':
      return quoteIdent(enumIR?.name ?? '')
    case 'custom':
      return ''
    default:
      return SQL_TYPES[type]
  }
}

/** A GENERATED ALWAYS identity or generated column: an insert cannot give it a value. */
function createInput(
  generatedAlways: boolean,
  given: CreateInputMode | undefined,
  hasFallback: boolean,
): CreateInputMode {
  if (generatedAlways) return 'excluded'
  return given ?? (hasFallback ? 'optional' : 'required')
}

type Report = (message: string, hint: string) => void

function varcharLength(given: number | undefined, report: Report): number {
  const length = given ?? 255
  if (!Number.isInteger(length) || length < 1 || length > VARCHAR_MAX) {
    report(
      `varchar length ${length} is out of range.`,
      `Use a whole number from 1 to ${VARCHAR_MAX}, or string() for unlimited text.`,
    )
    return 255
  }
  return length
}

function numericSize(
  precision: number | undefined,
  scale: number | undefined,
  report: Report,
): [number | null, number | null] {
  if (precision === undefined) {
    if (scale !== undefined)
      report(
        'numeric scale is set without a precision.',
        'Give precision too, e.g. { precision: 10, scale: 2 }.',
      )
    return [null, null]
  }
  if (!Number.isInteger(precision) || precision < 1 || precision > NUMERIC_MAX_PRECISION) {
    report(
      `numeric precision ${precision} is out of range.`,
      `Use a whole number from 1 to ${NUMERIC_MAX_PRECISION}.`,
    )
    return [null, null]
  }
  const effectiveScale = scale ?? 0
  if (!Number.isInteger(effectiveScale) || effectiveScale < 0 || effectiveScale > precision) {
    report(
      `numeric scale ${effectiveScale} is out of range for precision ${precision}.`,
      `Use a whole number from 0 to ${precision}.`,
    )
    return [precision, 0]
  }
  return [precision, effectiveScale]
}

function compileEnum(draft: ColumnDraft, table: string, report: Report): EnumIR {
  const { options } = draft
  const values = Array.isArray(options.values) ? [...options.values] : []
  if (values.length === 0) {
    report('The enum has no values.', "List the allowed values: values: ['draft', 'published'].")
  }
  const seen = new Set<string>()
  for (const value of values) {
    if (seen.has(value))
      report(`The enum value '${value}' is listed twice.`, 'Remove the duplicate value.')
    seen.add(value)
    const bytes = Buffer.byteLength(value)
    // An empty label is one PostgreSQL takes (CREATE TYPE … AS ENUM ('')); a database pull
    // adopts may have one.
    if (bytes > 63) {
      report(
        `The enum value '${value}' is ${bytes} bytes long; PostgreSQL allows at most 63.`,
        'Use a shorter value.',
      )
    }
  }
  const renamedValues = { ...(options.renamedValues ?? {}) }
  for (const renamed of Object.keys(renamedValues)) {
    if (!seen.has(renamed)) {
      report(
        `renamedValues names '${renamed}', which is not one of the enum's values.`,
        'Use the new value as the key and the old value as the value.',
      )
    }
  }
  return {
    kind: 'enum',
    name: options.enumName ?? `${table}_${options.name}`,
    values,
    renamedValues,
  }
}

function toList(names: string | readonly string[] | undefined): string[] {
  if (names === undefined) return []
  return typeof names === 'string' ? [names] : [...names]
}
