import type { ColumnIR, ModelMeta } from '@fluentorm/core'
import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Executor, QueryConfig } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { columnRef } from '../query/column-ref.ts'
import { QueryBuilder } from '../query/query-builder.ts'
import { statementName } from '../query/statement-name.ts'
import { columnValue } from './column-value.ts'
import {
  countSql,
  findAllSql,
  findByIdSql,
  hardDeleteSql,
  insertSql,
  restoreSql,
  softDeleteSql,
  tableExistsSql,
  truncateSql,
  updateSql,
  upsertSql,
} from './crud-sql.ts'
import { columnsKey, createColumns, updateColumns } from './input-columns.ts'
import { insertMany } from './insert-many.ts'
import { type ModelRuntime, registerRuntime } from './model-runtime.ts'
import type { FindOptions, InsertManyOptions, Model, UpsertOptions } from './model-types.ts'
import { primaryKeyValues } from './primary-key.ts'
import { requireColumn, type TableInfo } from './table-info.ts'
import { usageError } from './usage-error.ts'

type Row = Record<string, unknown>

/**
 * Builds one model object. Fixed statements are built once here (or once per column set,
 * cached) and run as named prepared statements; a call only builds its values array.
 */
export function createModel(meta: ModelMeta, runtime: ModelRuntime): Model<any> {
  const info = runtime.info
  const name = info.modelName
  const fixed = fixedStatements(info)
  const insertCache = new Map<string, QueryConfig>()
  const updateCache = new Map<string, QueryConfig>()
  const upsertCache = new Map<string, QueryConfig>()
  const unnestCache = new Map<string, QueryConfig>()

  async function run(db: Executor, operation: string, config: QueryConfig): Promise<Row[]> {
    try {
      const { rows } = await toDriver(db).query<Row>(config)
      return rows
    } catch (error) {
      throw toFluentError(error, { model: name, operation, sql: config.text })
    }
  }

  async function runCount(db: Executor, operation: string, config: QueryConfig): Promise<number> {
    try {
      const { rowCount } = await toDriver(db).query(config)
      return rowCount
    } catch (error) {
      throw toFluentError(error, { model: name, operation, sql: config.text })
    }
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
    column: (column: string) => columnRef(info, requireColumn(info, column, 'column')),
    query: () => QueryBuilder.from(runtime),

    createTable: (db) =>
      exec(db, 'createTable', [
        ...meta.ddl.createTypes,
        meta.ddl.createTable,
        ...meta.ddl.foreignKeys,
      ]),
    createIndexes: (db) => exec(db, 'createIndexes', meta.ddl.createIndexes),
    dropTable: (db) => exec(db, 'dropTable', [meta.ddl.dropTable]),
    truncate: (db) => exec(db, 'truncate', [truncateSql(info)]),
    async tableExists(db) {
      const rows = await run(db, 'tableExists', { ...fixed.tableExists(), values: [info.quoted] })
      return rows[0]?.exists === true
    },

    async insert(db, data) {
      const columns = createColumns(info, data, 'insert')
      const config = cached(insertCache, columns, () => insertSql(info, columns))
      const values = columns.map((column) => columnValue(column, (data as Row)[column.name]))
      const rows = await run(db, 'insert', { ...config, values })
      return rows[0]!
    },

    // One implementation behind the overloads: rows, or their count with { returning: false }.
    insertMany: (async (db: Executor, input: readonly object[], options?: InsertManyOptions) => {
      const returning = options?.returning ?? true
      if (input.length === 0) return returning ? [] : 0
      return insertMany(info, unnestCache, db, input as readonly Row[], returning)
    }) as Model<any>['insertMany'],

    async findById(db, id, options?: FindOptions) {
      const values = primaryKeyValues(info, id, 'findById')
      const config = options?.withDeleted ? fixed.findByIdWithDeleted() : fixed.findById()
      const rows = await run(db, 'findById', { ...config, values })
      return rows[0] ?? null
    },

    findAll: (db, options?: FindOptions) =>
      run(db, 'findAll', options?.withDeleted ? fixed.findAllWithDeleted() : fixed.findAll()),

    async count(db, options?: FindOptions) {
      const config = options?.withDeleted ? fixed.countWithDeleted() : fixed.count()
      const rows = await run(db, 'count', config)
      return Number(rows[0]?.count ?? 0)
    },

    async update(db, id, data) {
      const key = primaryKeyValues(info, id, 'update')
      const columns = updateColumns(info, data, 'update')
      if (columns.length === 0 && !info.table.updatedAt) return model.findById(db, id)
      const config = cached(updateCache, columns, () => updateSql(info, columns))
      const values = [
        ...key,
        ...columns.map((column) => columnValue(column, (data as Row)[column.name])),
      ]
      const rows = await run(db, 'update', { ...config, values })
      return rows[0] ?? null
    },

    async upsert(db, data, options?: UpsertOptions<any>) {
      const columns = createColumns(info, data, 'upsert')
      const conflict = conflictColumns(info, options?.conflict)
      const cacheKey = `${columnsKey(columns)}|${columnsKey(conflict)}`
      let config = upsertCache.get(cacheKey)
      if (!config) {
        config = named(upsertSql(info, columns, conflict))
        upsertCache.set(cacheKey, config)
      }
      const values = columns.map((column) => columnValue(column, (data as Row)[column.name]))
      const rows = await run(db, 'upsert', { ...config, values })
      return rows[0]!
    },

    async softDelete(db, id) {
      requireSoftDelete('softDelete')
      const values = primaryKeyValues(info, id, 'softDelete')
      return (await runCount(db, 'softDelete', { ...fixed.softDelete(), values })) > 0
    },

    async restore(db, id) {
      requireSoftDelete('restore')
      const values = primaryKeyValues(info, id, 'restore')
      return (await runCount(db, 'restore', { ...fixed.restore(), values })) > 0
    },

    async hardDelete(db, id) {
      const values = primaryKeyValues(info, id, 'hardDelete')
      return (await runCount(db, 'hardDelete', { ...fixed.hardDelete(), values })) > 0
    },
  }
  registerRuntime(model, runtime)
  return Object.freeze(model)
}

function named(text: string): QueryConfig {
  return Object.freeze({ text, name: statementName(text) })
}

function cached(
  cache: Map<string, QueryConfig>,
  columns: readonly ColumnIR[],
  build: () => string,
): QueryConfig {
  const key = columnsKey(columns)
  let config = cache.get(key)
  if (!config) {
    config = named(build())
    cache.set(key, config)
  }
  return config
}

/** Statements that depend only on the table, each built on first use. */
function fixedStatements(info: TableInfo) {
  return {
    findById: once(() => findByIdSql(info, false)),
    findByIdWithDeleted: once(() => findByIdSql(info, true)),
    findAll: once(() => findAllSql(info, false)),
    findAllWithDeleted: once(() => findAllSql(info, true)),
    count: once(() => countSql(info, false)),
    countWithDeleted: once(() => countSql(info, true)),
    softDelete: once(() => softDeleteSql(info)),
    restore: once(() => restoreSql(info)),
    hardDelete: once(() => hardDeleteSql(info)),
    tableExists: once(() => tableExistsSql),
  }
}

function once(build: () => string): () => QueryConfig {
  let config: QueryConfig | undefined
  return () => {
    config ??= named(build())
    return config
  }
}

/**
 * The upsert conflict target: the given columns, else the first unique column, else the
 * first unique constraint, else the primary key.
 */
function conflictColumns(info: TableInfo, given: readonly string[] | undefined): ColumnIR[] {
  if (given?.length) return given.map((column) => requireColumn(info, column, 'upsert'))
  const unique = info.table.columns.find((column) => column.unique && !column.primaryKey)
  if (unique) return [unique]
  const constraint = info.table.uniques[0]
  if (constraint) return constraint.columns.map((column) => info.columns.get(column)!)
  if (info.primaryKey.length) return [...info.primaryKey]
  throw usageError(
    { model: info.modelName, operation: 'upsert' },
    `table ${info.table.name} has no unique column or primary key to detect a conflict on`,
    'Pass { conflict: [columns] } naming columns under a unique constraint.',
  )
}
