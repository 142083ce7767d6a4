import { singularTableName } from '../schema/model-name.ts'
import type { ReferentialAction } from '../schema/schema-ir.ts'
import { columnList } from '../sql/create-table-sql.ts'
import { quoteIdent } from '../sql/identifier.ts'
import type {
  ColumnRow,
  ConstraintRow,
  DatabaseCatalog,
  IndexRow,
  TableRow,
} from './catalog-queries.ts'
import { type ColumnBuilder, columnBuilder, defaultOption } from './column-builder.ts'
import type { OptionValue, PulledSchema, SchemaCall, UnexpressedObject } from './pulled-schema.ts'
import { schemaFileName } from './schema-file-writer.ts'
import { columnDefinition, definitionObjects, rawTableSql, stripSchema } from './unexpressed-sql.ts'

const ACTIONS: Readonly<Record<string, ReferentialAction>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

interface Table {
  readonly row: TableRow
  readonly columns: readonly ColumnRow[]
  readonly constraints: readonly ConstraintRow[]
  readonly indexes: readonly IndexRow[]
  readonly primaryKey: ConstraintRow | undefined
}

interface ForeignKey {
  readonly table: string
  readonly constraint: ConstraintRow
  readonly column: string
  readonly name: string
  readonly target: string
  readonly targetColumn: string
  readonly unique: boolean
  readonly nullable: boolean
  readonly position: number
}

/**
 * Turns a catalog into schema files' builder calls and the hand-written rest. Pure: the
 * same catalog, the same files.
 */
export function adoptCatalog(catalog: DatabaseCatalog): PulledSchema {
  const unexpressed: UnexpressedObject[] = []
  const notes: string[] = []
  const schema = catalog.schema
  const enums = new Map(catalog.enums.map((item) => [item.name, item]))
  const tables = catalog.tables.map((row): Table => {
    const constraints = catalog.constraints.filter((c) => c.table_oid === row.oid)
    return {
      row,
      columns: catalog.columns.filter((c) => c.table_oid === row.oid),
      constraints,
      indexes: catalog.indexes.filter((i) => i.table_oid === row.oid),
      primaryKey: constraints.find((c) => c.type === 'p'),
    }
  })
  const rawReason = (table: Table): string | null =>
    table.row.partition_of !== null
      ? `it is a partition of ${table.row.partition_of}`
      : table.row.relkind === 'p'
        ? `it is partitioned (PARTITION BY ${table.row.partition_key})`
        : table.primaryKey === undefined
          ? 'it has no primary key (models need one)'
          : null

  // Columns the DSL can write, per table; the others are added by the migration.
  const builders = new Map<string, Map<string, ColumnBuilder>>()
  const expressible: Table[] = []
  for (const table of tables) {
    const name = table.row.name
    const reason = rawReason(table)
    if (reason !== null) {
      unexpressed.push({
        stage: 'table',
        object: `table ${name}`,
        reason,
        sql: rawTableSql(table.row, table.columns),
      })
      for (const constraint of table.constraints.filter((c) => !c.inherited)) {
        unexpressed.push(rawConstraint(name, constraint, 'it belongs to a table written in SQL'))
      }
      for (const index of table.indexes.filter((i) => !i.of_constraint && !i.inherited)) {
        unexpressed.push(rawIndex(schema, index, 'it belongs to a table written in SQL'))
      }
      continue
    }
    const columns = new Map<string, ColumnBuilder>()
    for (const column of table.columns) {
      const builder = columnBuilder(name, column, enums, schema)
      if ('unsupported' in builder) {
        unexpressed.push({
          stage: 'column',
          object: `column ${name}.${column.name}`,
          reason: `${builder.unsupported}; models do not see it`,
          sql: `ALTER TABLE ${quoteIdent(name)} ADD COLUMN ${columnDefinition(column)}`,
        })
      } else {
        columns.set(column.name, builder)
        if (builder.note !== undefined) notes.push(`${name}.${column.name}: ${builder.note}`)
      }
    }
    const keyColumns = table.primaryKey?.columns ?? []
    if (!keyColumns.every((column) => columns.has(column))) {
      // The key is over a column the DSL cannot type: the whole table is SQL.
      unexpressed.push({
        stage: 'table',
        object: `table ${name}`,
        reason: 'its primary key is over a column without a schema builder',
        sql: rawTableSql(table.row, table.columns),
      })
      for (const constraint of table.constraints)
        unexpressed.push(rawConstraint(name, constraint, 'it belongs to a table written in SQL'))
      for (const index of table.indexes.filter((i) => !i.of_constraint))
        unexpressed.push(rawIndex(schema, index, 'it belongs to a table written in SQL'))
      for (let i = unexpressed.length - 1; i >= 0; i--) {
        if (unexpressed[i]?.object.startsWith(`column ${name}.`)) unexpressed.splice(i, 1)
      }
      continue
    }
    builders.set(name, columns)
    expressible.push(table)
  }

  const foreignKeys = expressibleForeignKeys(expressible, builders, unexpressed, schema)
  const context: Context = {
    schema,
    soleKeys: new Map(
      expressible.flatMap((t) =>
        t.primaryKey?.columns.length === 1 ? [[t.row.name, t.primaryKey.columns[0] as string]] : [],
      ),
    ),
    junctions: new Set(
      expressible.filter((t) => isJunction(t, foreignKeys)).map((t) => t.row.name),
    ),
  }
  const order = foreignKeyOrder(
    expressible.map((t) => t.row.name),
    foreignKeys,
  )
  const width = String(order.length).length < 2 ? 2 : String(order.length).length
  const pulled = order.map((name, index) => {
    const table = expressible.find((t) => t.row.name === name) as Table
    const calls = tableCalls(
      table,
      builders.get(name) as Map<string, ColumnBuilder>,
      foreignKeys,
      unexpressed,
      context,
    )
    return { name, file: schemaFileName(String(index + 1).padStart(width, '0'), name), calls }
  })
  const usedEnums = new Set(
    [...builders.values()].flatMap((columns) =>
      [...columns.values()].flatMap((b) =>
        b.method === 'enum' ? [String(b.options.enumName ?? '')] : [],
      ),
    ),
  )
  for (const table of expressible) {
    for (const column of table.columns) {
      if (builders.get(table.row.name)?.get(column.name)?.method === 'enum')
        usedEnums.add(column.base_type)
    }
  }
  unexpressed.push(...definitionObjects(catalog, usedEnums))
  return { schema, tables: pulled, unexpressed, notes }
}

function rawConstraint(
  table: string,
  constraint: ConstraintRow,
  reason: string,
): UnexpressedObject {
  return {
    stage: constraint.type === 'f' ? 'foreign-key' : 'constraint',
    object: `constraint ${constraint.name} on ${table}`,
    reason,
    sql: `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`,
  }
}

function rawIndex(schema: string, index: IndexRow, reason: string): UnexpressedObject {
  return {
    stage: 'index',
    object: `index ${index.name}`,
    reason,
    sql: stripSchema(index.definition, schema),
  }
}

function expressibleForeignKeys(
  tables: readonly Table[],
  builders: ReadonlyMap<string, ReadonlyMap<string, ColumnBuilder>>,
  unexpressed: UnexpressedObject[],
  schema: string,
): ForeignKey[] {
  const byName = new Map(tables.map((t) => [t.row.name, t]))
  const keys: ForeignKey[] = []
  for (const table of tables) {
    const name = table.row.name
    const taken = new Set(table.columns.map((c) => c.name))
    for (const constraint of table.constraints.filter((c) => c.type === 'f')) {
      const [column] = constraint.columns
      const [targetColumn] = constraint.references_columns ?? []
      const target =
        constraint.references_table === null ? undefined : byName.get(constraint.references_table)
      const local = table.columns.find((c) => c.name === column)
      const referenced = target?.columns.find((c) => c.name === targetColumn)
      const reason =
        constraint.columns.length !== 1
          ? 'it is over several columns (belongsTo takes one)'
          : constraint.deferrable
            ? 'it is DEFERRABLE'
            : !constraint.validated
              ? 'it is NOT VALID'
              : / MATCH FULL| SET (NULL|DEFAULT) \(/.test(constraint.definition)
                ? 'it uses MATCH FULL or a column list in its action'
                : target === undefined || constraint.references_schema !== schema
                  ? `it references ${constraint.references_table}, which is not a schema file's table`
                  : column === undefined ||
                      !builders.get(name)?.has(column) ||
                      !builders.get(target.row.name)?.has(targetColumn ?? '')
                    ? 'its column is written in SQL'
                    : local?.type !== referenced?.type
                      ? `its column is ${local?.type} but the referenced column is ${referenced?.type}`
                      : constraint.on_delete === 'n' && local?.not_null
                        ? 'ON DELETE SET NULL on a NOT NULL column'
                        : !isKeyOf(target, targetColumn ?? '')
                          ? `${target.row.name}.${targetColumn} is neither its primary key nor unique`
                          : null
      if (
        reason !== null ||
        column === undefined ||
        target === undefined ||
        targetColumn === undefined
      ) {
        unexpressed.push(
          rawConstraint(name, constraint, reason ?? 'it cannot be written as belongsTo'),
        )
        continue
      }
      const base =
        column.endsWith('_id') && column.length > 3 ? column.slice(0, -3) : `${column}_ref`
      const relation = freeName(base, taken)
      keys.push({
        table: name,
        constraint,
        column,
        name: relation,
        target: target.row.name,
        targetColumn,
        unique: isKeyOf(table, column),
        nullable: local?.not_null !== true,
        position: local?.position ?? 0,
      })
    }
  }
  return keys
}

function isKeyOf(table: Table, column: string): boolean {
  const single = (c: ConstraintRow) => c.columns.length === 1 && c.columns[0] === column
  return (
    table.constraints.some((c) => (c.type === 'p' || c.type === 'u') && single(c)) ||
    table.indexes.some(
      (i) =>
        i.unique &&
        i.predicate === null &&
        !i.has_expressions &&
        i.columns.length === 1 &&
        i.columns[0] === column,
    )
  )
}

function freeName(base: string, taken: Set<string>): string {
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`
  taken.add(name)
  return name
}

/**
 * Referenced tables first, ties by name. A cycle is broken at a table whose FKs still
 * pointing ahead are nullable (else at the first by name), as generate breaks it: that FK
 * is added in the later table's file.
 */
export function foreignKeyOrder(names: readonly string[], keys: readonly ForeignKey[]): string[] {
  const pending = [...names].sort()
  const placed = new Set<string>()
  const ordered: string[] = []
  const ahead = (name: string) =>
    keys.filter((k) => k.table === name && k.target !== name && !placed.has(k.target))
  while (pending.length > 0) {
    const ready = pending.findIndex((name) => ahead(name).length === 0)
    const breaks = pending.findIndex((name) => ahead(name).every((k) => k.nullable))
    const [next] = pending.splice(ready !== -1 ? ready : breaks !== -1 ? breaks : 0, 1)
    if (next === undefined) break
    placed.add(next)
    ordered.push(next)
  }
  return ordered
}

function tableCalls(
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
      if (column.identity === 'd')
        fix(
          `column ${name}.${column.name}`,
          'it is GENERATED BY DEFAULT AS IDENTITY (the DSL writes ALWAYS)',
          `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} SET GENERATED BY DEFAULT`,
        )
    } else if (column.identity !== '') {
      fix(
        `column ${name}.${column.name}`,
        `it is an identity column of type ${column.type}`,
        `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} ADD GENERATED ${column.identity === 'a' ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY`,
      )
    }
    if (soleKey) options.primaryKey = true
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
    const serial =
      column.default_sql === null
        ? null
        : /^nextval\('([^']+)'::regclass\)$/.exec(column.default_sql)
    if (serial !== null) {
      const sequence = serial[1] ?? ''
      fix(
        `column ${name}.${column.name}`,
        `its default takes the owned sequence ${sequence} (serial); consider increments (identity)`,
        `CREATE SEQUENCE IF NOT EXISTS ${sequence} AS ${column.type} OWNED BY ${quoteIdent(name)}.${quoteIdent(column.name)};\nALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} SET DEFAULT ${column.default_sql}`,
      )
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
    if (builder.retype !== undefined)
      fix(
        `column ${name}.${column.name}`,
        `it is ${builder.retype} without a precision`,
        `ALTER TABLE ${quoteIdent(name)} ALTER COLUMN ${quoteIdent(column.name)} TYPE ${builder.retype}`,
      )
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
    const reason = indexReason(index, schema, builders)
    if (reason !== null) {
      unexpressed.push(rawIndex(schema, index, reason))
      continue
    }
    const entry: Record<string, OptionValue> = {}
    if (index.name !== `idx_${name}_${index.columns.join('_')}`) entry.name = index.name
    entry.columns = [...index.columns]
    if (index.unique) entry.unique = true
    if (index.predicate !== null) entry.where = unwrap(index.predicate)
    if (index.method !== 'btree') entry.method = index.method
    indexes.push(entry)
  }

  for (const key of ownKeys) {
    const options: Record<string, OptionValue> = {
      name: key.name,
      column: key.column,
      referencesTable: key.target,
    }
    if (context.soleKeys.get(key.target) !== key.targetColumn)
      options.referencesColumn = key.targetColumn
    if (key.constraint.on_delete !== 'a')
      options.onDelete = ACTIONS[key.constraint.on_delete] ?? 'no action'
    if (key.constraint.on_update !== 'a')
      options.onUpdate = ACTIONS[key.constraint.on_update] ?? 'no action'
    if (key.constraint.name !== `fk_${name}_${key.name}`)
      options.constraintName = key.constraint.name
    calls.push({ method: 'belongsTo', args: [options] })
  }
  calls.push(...inverseRelations(table, keys, context))
  if (indexes.length > 0) calls.push({ method: 'addIndexes', args: [indexes] })
  return calls
}

interface Context {
  readonly schema: string
  /** Each table's single-column primary key. */
  readonly soleKeys: ReadonlyMap<string, string>
  readonly junctions: ReadonlySet<string>
}

const TIMESTAMP_COLUMNS = new Set(['created_at', 'updated_at'])

function isJunction(table: Table, keys: readonly ForeignKey[]): boolean {
  const own = keys.filter((k) => k.table === table.row.name)
  const keyColumns = table.primaryKey?.columns ?? []
  return (
    own.length === 2 &&
    keyColumns.length === 2 &&
    own.every((k) => keyColumns.includes(k.column)) &&
    table.columns.every((c) => keyColumns.includes(c.name) || TIMESTAMP_COLUMNS.has(c.name)) &&
    table.constraints.every((c) => c.type === 'p' || c.type === 'f')
  )
}

function indexReason(
  index: IndexRow,
  schema: string,
  builders: ReadonlyMap<string, ColumnBuilder>,
): string | null {
  if (index.has_expressions) return 'it is an expression index'
  if (index.columns.some((c) => !builders.has(c))) return 'it is over a column written in SQL'
  const expected = `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${quoteIdent(index.name)} ON `
  const definition = stripSchema(index.definition, schema)
  const columns = ` USING ${index.method} (${columnList(index.columns)})`
  const rest = definition.startsWith(expected) ? definition.slice(definition.indexOf(columns)) : ''
  if (!rest.startsWith(columns))
    return `the DSL cannot write ${definition} (operator classes, order, INCLUDE or collations)`
  const tail = rest.slice(columns.length)
  if (tail !== '' && !tail.startsWith(' WHERE ')) return `the DSL cannot write ${definition}`
  return null
}

/** `CHECK ((price >= 0))` → `price >= 0`. */
function checkExpression(definition: string): string {
  return unwrap(definition.slice('CHECK '.length))
}

/** Removes one pair of parentheses around the whole text, when they enclose all of it. */
function unwrap(text: string): string {
  let current = text.trim()
  for (let pass = 0; pass < 2; pass++) {
    if (!current.startsWith('(') || !current.endsWith(')')) break
    let depth = 0
    let closesEarly = false
    for (let i = 0; i < current.length - 1; i++) {
      if (current[i] === '(') depth++
      else if (current[i] === ')') depth--
      if (depth === 0) {
        closesEarly = true
        break
      }
    }
    if (closesEarly) break
    current = current.slice(1, -1).trim()
  }
  return current
}

/**
 * The other side of each FK: hasMany (hasOne when the FK column is unique) on the referenced
 * table, and manyToMany through each pure junction table (two FKs that are its primary key,
 * and nothing else but timestamps).
 */
function inverseRelations(
  table: Table,
  keys: readonly ForeignKey[],
  context: Context,
): SchemaCall[] {
  const { soleKeys } = context
  const name = table.row.name
  const taken = new Set([
    ...table.columns.map((c) => c.name),
    ...keys.filter((k) => k.table === name).map((k) => k.name),
  ])
  const calls: SchemaCall[] = []
  for (const key of keys.filter((k) => k.target === name)) {
    const junction = context.junctions.has(key.table)
      ? (keys.find((k) => k.table === key.table && k !== key) ?? null)
      : null
    if (junction !== null) {
      const other = junction
      const through = key.table
      const options: Record<string, OptionValue> = {
        name: freeName(
          other.target === name ? `${other.name}_${other.target}` : other.target,
          taken,
        ),
        targetTable: other.target,
      }
      if (through !== [name, other.target].sort().join('_')) options.through = through
      if (key.column !== `${singularTableName(name)}_id`) options.throughLocalColumn = key.column
      if (other.column !== `${singularTableName(other.target)}_id`)
        options.throughForeignColumn = other.column
      if (key.targetColumn !== soleKeys.get(name)) options.localColumn = key.targetColumn
      if (other.targetColumn !== soleKeys.get(other.target))
        options.targetColumn = other.targetColumn
      calls.push({ method: 'manyToMany', args: [options] })
      continue
    }
    const several = keys.filter((k) => k.table === key.table && k.target === name).length > 1
    const base = key.unique ? singularTableName(key.table) : key.table
    const relationName = freeName(
      several || key.table === name ? `${base}_as_${key.name}` : base,
      taken,
    )
    const options: Record<string, OptionValue> = {
      name: relationName,
      foreignTable: key.table,
      foreignColumn: key.column,
    }
    if (key.targetColumn !== soleKeys.get(name)) options.localColumn = key.targetColumn
    calls.push({ method: key.unique ? 'hasOne' : 'hasMany', args: [options] })
  }
  return calls
}
