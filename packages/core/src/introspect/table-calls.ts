import { columnList } from '../sql/create-table-sql.ts'
import { quoteIdent } from '../sql/identifier.ts'
import {
  type Context,
  type ForeignKey,
  rawConstraint,
  rawIndex,
  type Table,
} from './adopt-table.ts'
import type { ColumnRow, ConstraintRow } from './catalog-queries.ts'
import { type ColumnBuilder, defaultOption } from './column-builder.ts'
import { belongsToCalls, inverseRelations } from './foreign-keys.ts'
import { indexEntry, unwrap } from './index-calls.ts'
import type { OptionValue, SchemaCall, UnexpressedObject } from './pulled-schema.ts'
import { ownSequenceName } from './unexpressed-sql.ts'

/**
 * The builder calls of one table's schema file: columns (with the timestamps and softDelete
 * helpers where the columns are exactly theirs), keys, uniques, checks, relations, indexes.
 * What the DSL cannot say about the table goes to `unexpressed`.
 */
export function tableCalls(
  table: Table,
  builders: ReadonlyMap<string, ColumnBuilder>,
  keys: readonly ForeignKey[],
  unexpressed: UnexpressedObject[],
  context: Context,
): SchemaCall[] {
  const { schema } = context
  const name = table.row.name
  const calls: SchemaCall[] = []
  const fix = (object: string, reason: string, sql: string) =>
    unexpressed.push({ stage: 'column-fix', object, reason, sql })
  const keyColumns = table.primaryKey?.columns ?? []
  const ownKeys = keys.filter((k) => k.table === name).sort((a, b) => a.position - b.position)
  const constraintsLeft = new Set(table.constraints.filter((c) => c.type !== 'f'))
  const columnUnique = new Map<string, ConstraintRow>()
  const columnCheck = new Map<string, ConstraintRow>()
  for (const c of constraintsLeft) {
    const [only] = c.columns
    if (c.columns.length !== 1 || only === undefined) continue
    if (
      c.type === 'u' &&
      c.name === `${name}_${only}_key` &&
      c.definition === `UNIQUE (${quoteIdent(only)})`
    )
      columnUnique.set(only, c)
    if (
      c.type === 'c' &&
      c.name === `${name}_${only}_check` &&
      /^CHECK \(.*\)$/s.test(c.definition) &&
      !c.definition.endsWith('NOT VALID')
    )
      columnCheck.set(only, c)
  }
  const has = (column: string) => table.columns.find((c) => c.name === column)
  const helperColumn = (
    column: ColumnRow | undefined,
    nullable: boolean,
    defaultSql: string | null,
  ) =>
    column !== undefined &&
    column.comment === null &&
    column.type === 'timestamp(3) with time zone' &&
    column.not_null === !nullable &&
    column.default_sql === defaultSql &&
    builders.has(column.name)
  const created = has('created_at')
  const updated = has('updated_at')
  const timestamps =
    helperColumn(created, false, 'CURRENT_TIMESTAMP') &&
    helperColumn(updated, false, 'CURRENT_TIMESTAMP') &&
    (updated?.position ?? 0) === (created?.position ?? 0) + 1
  const softDelete = helperColumn(has('deleted_at'), true, null)

  const extensions = new Set(
    table.columns.flatMap((c) =>
      builders.get(c.name)?.method === 'custom' && c.base_extension !== null
        ? [c.base_extension]
        : [],
    ),
  )
  for (const extension of extensions) calls.push({ method: 'extension', args: [extension] })
  if (table.row.comment !== null) calls.push({ method: 'comment', args: [table.row.comment] })
  for (const column of table.columns) {
    const builder = builders.get(column.name)
    if (builder === undefined) continue
    if (timestamps && column.name === 'created_at') {
      calls.push({ method: 'timestamps', args: [] })
      continue
    }
    if (timestamps && column.name === 'updated_at') continue
    if (softDelete && column.name === 'deleted_at') {
      calls.push({ method: 'softDelete', args: [] })
      continue
    }
    const options: Record<string, OptionValue> = { name: column.name }
    let method = builder.method
    const soleKey = keyColumns.length === 1 && keyColumns[0] === column.name
    if (
      column.identity !== '' &&
      (method === 'integer' || method === 'bigInt') &&
      builder.options.array !== true
    ) {
      method = method === 'integer' ? 'increments' : 'bigIncrements'
    } else if (column.identity !== '') {
      fix(
        `column ${name}.${column.name}`,
        `it is an identity column of type ${column.type}`,
        `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} ADD GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`,
      )
    }
    if (soleKey) options.primaryKey = true
    if (column.identity === 'd' && (method === 'increments' || method === 'bigIncrements'))
      options.identity = 'byDefault'
    if (!column.not_null) options.nullable = true
    if (columnUnique.has(column.name)) {
      options.unique = true
      constraintsLeft.delete(columnUnique.get(column.name) as ConstraintRow)
    }
    Object.assign(options, builder.options)
    const generatedUuid =
      method === 'uuid' &&
      soleKey &&
      builder.options.array !== true &&
      !ownKeys.some((k) => k.column === column.name)
    if (column.generated === 's') {
      options.generatedAs = column.default_sql ?? ''
    } else if (column.default_sql !== null && column.identity === '') {
      if (!(generatedUuid && column.default_sql === 'gen_random_uuid()'))
        options.defaultValue = defaultOption(column.default_sql, builder)
    } else if (generatedUuid) {
      fix(
        `column ${name}.${column.name}`,
        'a uuid primary key without a default (the DSL gives it gen_random_uuid())',
        `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} DROP DEFAULT`,
      )
    }
    const identityDefaults = `START WITH 1 INCREMENT BY 1 MINVALUE 1 MAXVALUE ${column.base_type === 'int8' ? '9223372036854775807' : column.base_type === 'int2' ? '32767' : '2147483647'} CACHE 1 NO CYCLE`
    if (column.identity_options !== null && column.identity_options !== identityDefaults) {
      const options = column.identity_options.replace(
        /(START WITH|INCREMENT BY|MINVALUE|MAXVALUE|CACHE|NO CYCLE|(?<!NO )CYCLE)/g,
        'SET $1',
      )
      fix(
        `column ${name}.${column.name}`,
        `its identity sequence is ${column.identity_options}`,
        `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} ${options} RESTART`,
      )
    }
    if (ownSequenceName(name, column))
      fix(
        `column ${name}.${column.name}`,
        `its identity sequence is named ${column.identity_sequence}`,
        `ALTER SEQUENCE ${quoteIdent(`${name}_${column.name}_seq`)} RENAME TO ${quoteIdent(column.identity_sequence!)}`,
      )
    if (builder.retype !== undefined)
      fix(
        `column ${name}.${column.name}`,
        `it is ${builder.retype} without a precision`,
        `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} TYPE ${builder.retype}`,
      )
    if (column.comment !== null) options.comment = column.comment
    const check = columnCheck.get(column.name)
    if (check !== undefined) {
      options.check = checkExpression(check.definition)
      constraintsLeft.delete(check)
    }
    calls.push({ method, args: [options] })
  }

  if (table.primaryKey !== undefined) {
    constraintsLeft.delete(table.primaryKey)
    if (keyColumns.length > 1) calls.push({ method: 'primaryKey', args: [[...keyColumns]] })
    if (table.primaryKey.name !== `${name}_pkey`)
      fix(
        `primary key ${table.primaryKey.name}`,
        `it is not named ${name}_pkey`,
        `ALTER TABLE ${quoteIdent(name)} RENAME CONSTRAINT ${quoteIdent(`${name}_pkey`)} TO ${quoteIdent(table.primaryKey.name)}`,
      )
  }
  const inSql = (columns: readonly string[]) => columns.some((c) => !builders.has(c))
  for (const constraint of constraintsLeft) {
    if (inSql(constraint.columns)) {
      unexpressed.push(rawConstraint(name, constraint, 'it is over a column written in SQL'))
    } else if (
      constraint.type === 'u' &&
      constraint.definition === `UNIQUE (${columnList(constraint.columns)})`
    ) {
      const named =
        constraint.name === `${name}_${constraint.columns.join('_')}_key`
          ? []
          : [{ name: constraint.name }]
      calls.push({ method: 'unique', args: [[...constraint.columns], ...named] })
    } else if (constraint.type === 'c' && /^CHECK \(.*\)$/s.test(constraint.definition)) {
      calls.push({
        method: 'check',
        args: [constraint.name, checkExpression(constraint.definition)],
      })
    } else {
      const why =
        constraint.type === 'x'
          ? 'it is an exclusion constraint'
          : `the DSL cannot write ${constraint.definition}`
      unexpressed.push(rawConstraint(name, constraint, why))
    }
  }

  const indexes: Record<string, OptionValue>[] = []
  for (const index of table.indexes.filter((i) => !i.of_constraint)) {
    const pulled = indexEntry(table, index, schema, builders)
    if ('reason' in pulled) unexpressed.push(rawIndex(schema, index, pulled.reason))
    else indexes.push(pulled.entry)
  }

  calls.push(...belongsToCalls(name, ownKeys, context))
  calls.push(...inverseRelations(table, keys, context))
  if (indexes.length > 0) calls.push({ method: 'addIndexes', args: [indexes] })
  return calls
}

/** `CHECK ((price >= 0))` → `price >= 0`. */
export function checkExpression(definition: string): string {
  return unwrap(definition.slice('CHECK '.length))
}
