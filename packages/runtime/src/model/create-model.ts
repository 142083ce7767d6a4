import type { ColumnIR, ModelMeta } from '@fluentorm/core/ir'
import { quotedValue } from '../errors/shown-value.ts'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Executor, QueryConfig } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { QueryBuilder } from '../query/query-builder.ts'
import { bindValue } from '../sql/column-types.ts'
import { expressionOf } from '../sql/expressible.ts'
import { type Expr, valueExpr } from '../sql/expression.ts'
import { type DeletedRows, emptyQuery, type QueryNode } from '../sql/query-node.ts'
import { ColumnRef } from '../sql/sql-fragment.ts'
import {
  countStatement,
  type Statement,
  selectStatement,
  type Template,
  template,
  templateValues,
} from '../sql/statement.ts'
import {
  deleteStatement,
  insertStatement,
  keyQuery,
  type OnConflict,
  softDeleteStatement,
  tableExistsStatement,
  truncateStatement,
  updateStatement,
  upsertStatement,
} from '../sql/write-statements.ts'
import {
  columnsKey,
  createColumns,
  flag,
  ownValue,
  updateColumns,
  type WriteColumns,
} from './input-columns.ts'
import { insertMany, upsertMany } from './insert-many.ts'
import { missingFunctionError } from './missing-function-error.ts'
import { type ModelRuntime, registerRuntime } from './model-runtime.ts'
import type {
  FindOptions,
  InsertManyOptions,
  InsertOptions,
  Model,
  UpsertOptions,
} from './model-types.ts'
import { primaryKeyValues, requirePrimaryKey } from './primary-key.ts'
import { requireColumn, type TableInfo } from './table-info.ts'
import { onlyOptions, usageError } from './usage-error.ts'
import { readOnlyModel } from './view-model.ts'

type Row = Record<string, unknown>

/**
 * Builds one model object. Its statements are rendered by the compiler once (or once per
 * column set, cached) as templates with placeholders and run as named prepared statements;
 * a call only builds its values array. A write with a `sql` fragment among its values is
 * rendered for that call.
 */
export function createModel(meta: ModelMeta, runtime: ModelRuntime): Model<any> {
  const info = runtime.info
  const name = info.modelName
  const fixed = fixedTemplates(runtime)
  const insertCache = new Map<string, Template>()
  const updateCache = new Map<string, Template>()
  const upsertCache = new Map<string, Template>()
  const unnestCache = new Map<string, QueryConfig>()

  async function run(db: Executor, operation: string, config: QueryConfig) {
    try {
      return await toDriver(db).query<Row>(config)
    } catch (error) {
      throw toFluentError(error, { model: name, operation, sql: config.text })
    }
  }

  /**
   * Runs a template with `args`, or the statement `render` gives when a value is a fragment.
   * Binding a value runs the user's code (a toJSON, a getter): what it throws is told as a
   * FluentOrmError of this call, as a failing statement is.
   */
  async function runWrite(
    db: Executor,
    operation: string,
    cache: Map<string, Template>,
    cacheKey: string,
    write: WriteColumns,
    render: (values: readonly Expr[]) => Statement,
    after: readonly unknown[] = [],
  ) {
    let config: QueryConfig
    try {
      config = writeConfig(cache, cacheKey, write, render, after)
    } catch (error) {
      throw toFluentError(error, { model: name, operation })
    }
    return run(db, operation, config)
  }

  function writeConfig(
    cache: Map<string, Template>,
    cacheKey: string,
    write: WriteColumns,
    render: (values: readonly Expr[]) => Statement,
    after: readonly unknown[],
  ): QueryConfig {
    const { columns, values } = write
    if (values.some((value) => expressionOf(value) !== null)) {
      const exprs = values.map((value, i) => expressionOf(value) ?? valueExpr(value, columns[i]!))
      const statement = render([...exprs, ...after.map((value) => valueExpr(value))])
      return { text: statement.text, values: statement.values }
    }
    let t = cache.get(cacheKey)
    if (!t) {
      const statement = render(placeholders(columns.length + after.length))
      t = template(statement.text, statement.values)
      cache.set(cacheKey, t)
    }
    const args = [...columns.map((column, i) => bindValue(column, values[i])), ...after]
    return { text: t.text, name: t.name, values: templateValues(t, args) }
  }

  /** `readOnly`: a read a Database with replicas may send to one (findById, findAll, count). */
  async function runFixed(
    db: Executor,
    operation: string,
    t: Template,
    args: readonly unknown[],
    readOnly = false,
  ) {
    const values = templateValues(t, args)
    return run(db, operation, { text: t.text, name: t.name, values, readOnly })
  }

  async function exec(db: Executor, operation: string, statements: readonly string[]) {
    if (statements.length === 0) return
    const text = statements.map((statement) => statement.replace(/;\s*$/, '')).join(';\n')
    try {
      await toDriver(db).exec(text)
    } catch (error) {
      throw toFluentError(error, { model: name, operation, sql: text })
    }
  }

  function requireSoftDelete(operation: string): void {
    if (info.softDelete) return
    throw usageError(
      { model: name, operation },
      `table ${info.table.name} has no soft delete (no deleted_at column)`,
      'Add t.softDelete() to its schema, or use hardDelete().',
    )
  }

  const model: Model<any> = {
    meta,
    tableName: () => info.table.name,
    column: (column: string) =>
      new ColumnRef(info.table.name, requireColumn(info, column, 'column')),
    query: () => QueryBuilder.from(runtime),

    createTable: (db) =>
      exec(db, 'createTable', [
        ...meta.ddl.createTypes,
        meta.ddl.createTable,
        ...(meta.ddl.createPartitions ?? []),
        ...(meta.ddl.comments ?? []),
        ...meta.ddl.foreignKeys,
        ...(meta.ddl.createTriggers ?? []),
      ]).catch((error: unknown) => {
        throw missingFunctionError(info.table, error)
      }),
    createIndexes: (db) => exec(db, 'createIndexes', meta.ddl.createIndexes),
    dropTable: (db) => exec(db, 'dropTable', [meta.ddl.dropTable]),
    truncate: (db) => exec(db, 'truncate', [truncateStatement(runtime)]),
    async tableExists(db) {
      const { rows } = await runFixed(db, 'tableExists', tableExistsTemplate, [info.quoted])
      return rows[0]?.exists === true
    },

    // One implementation behind the overloads: the row, or with onConflict 'nothing' the row or null.
    insert: (async (db: Executor, data: object, options?: InsertOptions<any>) => {
      const write = createColumns(info, data, 'insert')
      onlyOptions(options, insertOptionNames, { model: name, operation: 'insert' })
      const skip = skipConflicts(info, options, 'insert')
      const render = (values: readonly Expr[]) =>
        insertStatement(runtime, write.columns, values, skip)
      const key = `${columnsKey(write.columns)}${skipKey(skip)}`
      const { rows } = await runWrite(db, 'insert', insertCache, key, write, render)
      return skip ? (rows[0] ?? null) : rows[0]!
    }) as Model<any>['insert'],

    // One implementation behind the overloads: rows, or their count with { returning: false }.
    insertMany: (async (
      db: Executor,
      input: readonly object[],
      options?: InsertManyOptions<any>,
    ) => {
      requireRowList(
        name,
        'insertMany',
        input,
        'Pass insertMany(db, [row, …]); for one row use insert(db, row).',
      )
      onlyOptions(options, insertManyOptionNames, { model: name, operation: 'insertMany' })
      const returning = !(
        options !== undefined &&
        Object.hasOwn(options, 'returning') &&
        options.returning === false
      )
      const skip = skipConflicts(info, options, 'insertMany')
      if (input.length === 0) return returning ? [] : 0
      return insertMany(runtime, unnestCache, db, input as readonly Row[], returning, skip)
    }) as Model<any>['insertMany'],

    async findById(db, id, options?: FindOptions) {
      const values = primaryKeyValues(info, id, 'findById')
      const t = withDeleted(options, name, 'findById')
        ? fixed.findByIdWithDeleted()
        : fixed.findById()
      const { rows } = await runFixed(db, 'findById', t, values, true)
      return rows[0] ?? null
    },

    async findAll(db, options?: FindOptions) {
      const t = withDeleted(options, name, 'findAll') ? fixed.findAllWithDeleted() : fixed.findAll()
      return (await runFixed(db, 'findAll', t, [], true)).rows
    },

    async count(db, options?: FindOptions) {
      const t = withDeleted(options, name, 'count') ? fixed.countWithDeleted() : fixed.count()
      const { rows } = await runFixed(db, 'count', t, [], true)
      return Number(rows[0]?.count ?? 0)
    },

    async update(db, id, data) {
      const key = primaryKeyValues(info, id, 'update')
      const write = updateColumns(info, data, 'update')
      if (write.columns.length === 0 && info.table.updatedAt.length === 0)
        return model.findById(db, id)
      const render = (values: readonly Expr[]) => {
        const where = keyQuery(runtime, values.slice(write.columns.length), 'exclude')
        return updateStatement(where, write.columns, values, true)
      }
      const cacheKey = columnsKey(write.columns)
      const { rows } = await runWrite(db, 'update', updateCache, cacheKey, write, render, key)
      return rows[0] ?? null
    },

    async upsert(db, data, options?: UpsertOptions<any>) {
      const write = createColumns(info, data, 'upsert')
      const conflict = upsertConflict(info, options, write.columns, 'upsert')
      const render = (values: readonly Expr[]) =>
        upsertStatement(runtime, write.columns, values, conflict)
      const cacheKey = `${columnsKey(write.columns)}|${conflictKey(conflict)}`
      const upsert = () => runWrite(db, 'upsert', upsertCache, cacheKey, write, render)
      // Without an update, a row another transaction committed after this statement's snapshot
      // is skipped by the insert yet unseen by the read: the second run sees it.
      const { rows } = await upsert()
      return rows[0] ?? (await upsert()).rows[0] ?? null
    },

    async upsertMany(db, input, options?: UpsertOptions<any>) {
      requireRowList(
        name,
        'upsertMany',
        input,
        'Pass upsertMany(db, [row, …], { conflict }); for one row use upsert(db, row).',
      )
      if (input.length === 0) return []
      return upsertMany(runtime, unnestCache, db, input as readonly Row[], (sent) =>
        upsertConflict(info, options, sent, 'upsertMany'),
      )
    },

    async softDelete(db, id) {
      requireSoftDelete('softDelete')
      const values = primaryKeyValues(info, id, 'softDelete')
      return (await runFixed(db, 'softDelete', fixed.softDelete(), values)).rowCount > 0
    },

    async restore(db, id) {
      requireSoftDelete('restore')
      const values = primaryKeyValues(info, id, 'restore')
      return (await runFixed(db, 'restore', fixed.restore(), values)).rowCount > 0
    },

    async hardDelete(db, id) {
      const values = primaryKeyValues(info, id, 'hardDelete')
      return (await runFixed(db, 'hardDelete', fixed.hardDelete(), values)).rowCount > 0
    },
  }
  const built = readOnlyModel(model, meta.table, exec)
  registerRuntime(built, runtime)
  return Object.freeze(built)
}

/** The rows argument of a bulk write: an array, or a clear error saying what to pass. */
function requireRowList(model: string, operation: string, input: unknown, hint: string): void {
  if (Array.isArray(input)) return
  throw usageError(
    { model, operation },
    `expected an array of rows, got ${input === null ? 'null' : typeof input}`,
    hint,
  )
}

function placeholders(count: number): Expr[] {
  return Array.from({ length: count }, (_, index) => ({
    kind: 'placeholder',
    key: index,
    column: null,
  }))
}

const tableExistsTemplate = (() => {
  const statement = tableExistsStatement()
  return template(statement.text, statement.values)
})()

/** Statements that depend only on the table, each rendered on first use. */
function fixedTemplates(runtime: ModelRuntime) {
  const byKey = (operation: string, deleted: DeletedRows): QueryNode => {
    const key = requirePrimaryKey(runtime.info, operation)
    return keyQuery(runtime, placeholders(key.length), deleted)
  }
  const all = (deleted: DeletedRows): QueryNode => {
    const orderBy = runtime.info.primaryKey.map((column) => ({
      by: { kind: 'column' as const, table: null, column },
      key: null,
      direction: 'asc' as const,
      nulls: null,
    }))
    return { ...emptyQuery(runtime), orderBy, deleted }
  }
  const of = (statement: Statement) => template(statement.text, statement.values)
  return {
    findById: once(() => of(selectStatement(byKey('findById', 'exclude')))),
    findByIdWithDeleted: once(() => of(selectStatement(byKey('findById', 'include')))),
    findAll: once(() => of(selectStatement(all('exclude')))),
    findAllWithDeleted: once(() => of(selectStatement(all('include')))),
    count: once(() => of(countStatement(all('exclude')))),
    countWithDeleted: once(() => of(countStatement(all('include')))),
    softDelete: once(() => of(softDeleteStatement(byKey('softDelete', 'exclude'), false))),
    restore: once(() => of(softDeleteStatement(byKey('restore', 'only'), true))),
    hardDelete: once(() => of(deleteStatement(byKey('hardDelete', 'include')))),
  }
}

function once<T>(build: () => T): () => T {
  let value: T | undefined
  return () => {
    value ??= build()
    return value
  }
}

/**
 * `{ onConflict: 'nothing', conflict? }` as the ON CONFLICT DO NOTHING it asks for, read from
 * the options' own properties; anything else is refused, never ignored.
 */
function skipConflicts(
  info: TableInfo,
  options: InsertOptions<any> | undefined,
  operation: string,
): OnConflict | undefined {
  const onConflict = ownValue(options, 'onConflict')
  const conflict = ownValue(options, 'conflict')
  const context = { model: info.modelName, operation }
  if (onConflict === undefined) {
    if (conflict === undefined) return undefined
    throw usageError(
      context,
      'conflict without onConflict',
      "Pass { onConflict: 'nothing', conflict: [...] }.",
    )
  }
  if (onConflict !== 'nothing') {
    throw usageError(
      context,
      `unknown onConflict ${quotedValue(onConflict)}`,
      "Use onConflict: 'nothing' (skip the rows that conflict), or upsert to update them.",
    )
  }
  return {
    target: columnList(info, conflict, 'conflict', operation) ?? [],
    update: null,
    touch: false,
  }
}

function skipKey(skip: OnConflict | undefined): string {
  return skip ? `|nothing:${columnsKey(skip.target)}` : ''
}

/** An option naming columns (`conflict`, `update`): an array of the table's column names. */
function columnList(
  info: TableInfo,
  value: unknown,
  option: string,
  operation: string,
): ColumnIR[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) {
    throw usageError(
      { model: info.modelName, operation },
      `${option} must be an array of column names, got ${typeof value === 'string' ? JSON.stringify(value) : typeof value}`,
      `Pass e.g. { ${option}: ['${info.table.columns.find((c) => c.unique)?.name ?? info.table.columns[0]?.name}'] }.`,
    )
  }
  return value.map((column: unknown) => requireColumn(info, column as string, operation))
}

/**
 * What an upsert's conflict does, from `{ conflict?, update? }` (own properties): the target
 * (conflictColumns), and the columns it updates — `update` as given, each sent and
 * updatable, or by default every sent column but the target and the primary key.
 */
function upsertConflict(
  info: TableInfo,
  options: UpsertOptions<any> | undefined,
  sent: readonly ColumnIR[],
  operation: string,
): OnConflict {
  const context = { model: info.modelName, operation }
  onlyOptions(options, upsertOptionNames, context)
  const target = conflictColumns(
    info,
    columnList(info, ownValue(options, 'conflict'), 'conflict', operation),
    operation,
  )
  const given = columnList(info, ownValue(options, 'update'), 'update', operation)
  if (given === undefined) {
    const keys = new Set([...target, ...info.primaryKey])
    const update = sent.filter((column) => !keys.has(column) && column.updateInput)
    return { target, update, touch: true }
  }
  for (const column of given) {
    if (!column.updateInput || column.identity) {
      throw usageError(
        context,
        `column "${column.name}" of table ${info.table.name} cannot be updated (updateInput: false)`,
        'Leave it out of update.',
      )
    }
    if (!sent.includes(column)) {
      throw usageError(
        context,
        `update names "${column.name}", which the row does not set`,
        `Pass ${column.name} in the data, or leave it out of update.`,
      )
    }
  }
  return { target, update: given, touch: given.length > 0 }
}

function conflictKey(conflict: OnConflict): string {
  return `${columnsKey(conflict.target)}|${conflict.update ? columnsKey(conflict.update) : ''}|${conflict.touch}`
}

/**
 * The upsert conflict target: the given columns, else the first unique column, else the
 * first unique constraint, else the primary key.
 */
function conflictColumns(
  info: TableInfo,
  given: readonly ColumnIR[] | undefined,
  operation: string,
): readonly ColumnIR[] {
  if (given?.length) return given
  const unique = info.table.columns.find((column) => column.unique && !column.primaryKey)
  if (unique) return [unique]
  const constraint = info.table.uniques[0]
  if (constraint) return constraint.columns.map((column) => info.columns.get(column)!)
  if (info.primaryKey.length) return [...info.primaryKey]
  throw usageError(
    { model: info.modelName, operation },
    `table ${info.table.name} has no unique column or primary key to detect a conflict on`,
    'Pass { conflict: [columns] } naming columns under a unique constraint.',
  )
}

/**
 * `{ withDeleted }` read strictly: a flag that arrives as the string 'false' (a query string)
 * must not return deleted rows, so anything but a boolean is refused.
 */
function withDeleted(options: FindOptions | undefined, model: string, operation: string): boolean {
  if (options === undefined) return false
  onlyOptions(options, findOptionNames, { model, operation })
  return flag(options, 'withDeleted', { model, operation })
}

const insertOptionNames = ['onConflict', 'conflict']
const insertManyOptionNames = ['onConflict', 'conflict', 'returning']
const upsertOptionNames = ['conflict', 'update']
const findOptionNames = ['withDeleted']
