import type { ColumnIR, TableIR } from '@fluentorm/core'
import type { Database, Model } from '@fluentorm/runtime'
import type { Cell, Filter, FilterOp, RowsAnswer } from './api-types.ts'
import { cellValue, inputValue } from './column-values.ts'
import { StudioError } from './http.ts'

/**
 * The Data view's reads and writes, through the application's own models: a read leaves out
 * soft-deleted rows and redacted columns and decodes values exactly as the app's queries do;
 * a write goes through the model's insert, update, softDelete or hardDelete, so its input
 * rules (createInput, updateInput, required columns, value checks) apply, one transaction
 * per change. Redacted columns are never read, filtered or sorted on.
 */
export interface DataSource {
  /** The models the app imports now (`virtual:fluentorm/models`). */
  models(): Promise<Record<string, Model<any>>>
  database(): Promise<Database>
}

export interface RowsQuery {
  readonly table: string
  readonly page: number
  readonly perPage: number
  readonly sort: string | null
  readonly direction: 'asc' | 'desc'
  readonly filters: readonly Filter[]
  readonly deleted: 'exclude' | 'include' | 'only'
}

const FILTER_OPS: ReadonlySet<FilterOp> = new Set([
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'startsWith',
  'null',
  'not null',
])
const TEXT_TYPES = new Set(['text', 'varchar'])
export const MAX_PER_PAGE = 200
/** Past any dev table's last page, and its offset still a safe integer. */
const MAX_PAGE = 1_000_000_000

export async function readRows(source: DataSource, query: RowsQuery): Promise<RowsAnswer> {
  const model = await modelOf(source, query.table)
  const table = model.meta.table
  const visible = table.columns.filter((column) => !column.redacted)
  let q = model.query()
  if (query.deleted !== 'exclude') {
    if (!table.softDelete) throw new StudioError(400, `table ${table.name} has no soft delete`)
    q = query.deleted === 'include' ? q.withDeleted() : q.onlyDeleted()
  }
  for (const filter of query.filters) {
    const column = shownColumn(table, filter.column)
    if (!FILTER_OPS.has(filter.op)) {
      throw new StudioError(400, `unknown filter ${JSON.stringify(filter.op)}`)
    }
    if (filter.op === 'null') q = q.whereNull(column.name)
    else if (filter.op === 'not null') q = q.whereNotNull(column.name)
    else if (filter.op === 'contains' || filter.op === 'startsWith') {
      if (!TEXT_TYPES.has(column.type) || column.array) {
        throw new StudioError(400, `column ${column.name} is not text: filter it with = or <, >`)
      }
      // Any case, as a search box is expected to match.
      const op = filter.op === 'contains' ? 'icontains' : 'istartsWith'
      q = q.where(column.name, op, String(filter.value ?? ''))
    } else {
      if (filter.value === undefined) {
        throw new StudioError(400, `the filter on ${column.name} needs a value`)
      }
      q = q.where(column.name, filter.op, inputValue(column, filter.value, table.name))
    }
  }
  if (query.sort !== null) q = q.orderBy(shownColumn(table, query.sort).name, query.direction)
  // The primary key breaks ties, so a page holds the same rows each time it is read.
  for (const key of table.primaryKey) {
    if (key !== query.sort) q = q.orderBy(key, 'asc')
  }
  const db = await source.database()
  const perPage = Math.min(MAX_PER_PAGE, Math.max(1, Math.trunc(query.perPage) || 25))
  const pageNumber = Math.min(MAX_PAGE, Math.max(1, Math.trunc(query.page) || 1))
  const page = await q.paginate(db, pageNumber, perPage)
  const count = await model.count(db)
  return {
    table: table.name,
    columns: visible.map((column) => column.name),
    hidden: table.columns.filter((column) => column.redacted).map((column) => column.name),
    rows: page.rows.map((row) => shownRow(visible, row as Record<string, unknown>)),
    total: page.total,
    count,
    page: page.page,
    perPage: page.perPage,
    pages: page.pages,
    primaryKey: table.primaryKey,
  }
}

/** Inserts one row from the browser's inputs; the row as the model returns it. */
export async function insertRow(
  source: DataSource,
  tableName: string,
  values: unknown,
): Promise<Record<string, Cell>> {
  const model = await modelOf(source, tableName)
  const table = model.meta.table
  const data: Record<string, unknown> = {}
  for (const [name, raw] of Object.entries(objectOf(values, 'values'))) {
    const column = columnOf(table, name)
    if (column.createInput === 'excluded') {
      throw new StudioError(400, `column ${name} of ${table.name} is set by the database on insert`)
    }
    data[name] = inputValue(column, raw, table.name)
  }
  const db = await source.database()
  const row = await db.transaction((tx) => model.insert(tx, data))
  return shownRow(visibleColumns(table), row as Record<string, unknown>)
}

/** Updates the row with this key; the row as the model returns it. */
export async function updateRow(
  source: DataSource,
  tableName: string,
  key: unknown,
  values: unknown,
): Promise<Record<string, Cell>> {
  const model = await modelOf(source, tableName)
  const table = model.meta.table
  const id = keyOf(table, key)
  const data: Record<string, unknown> = {}
  for (const [name, raw] of Object.entries(objectOf(values, 'values'))) {
    const column = columnOf(table, name)
    if (column.redacted) {
      throw new StudioError(
        400,
        `column ${name} of ${table.name} is redacted: the studio does not edit it`,
      )
    }
    if (!column.updateInput || column.identity) {
      throw new StudioError(400, `column ${name} of ${table.name} cannot be updated`)
    }
    data[name] = inputValue(column, raw, table.name)
  }
  const db = await source.database()
  const row = await db.transaction((tx) => model.update(tx, id, data))
  if (row === null) throw new StudioError(404, `no row of ${table.name} has that key`)
  return shownRow(visibleColumns(table), row as Record<string, unknown>)
}

/**
 * Deletes the row with this key as the app would: soft delete for a table that has it (the
 * row stays, with deleted_at set), unless `hard`; a hard delete otherwise.
 */
export async function deleteRow(
  source: DataSource,
  tableName: string,
  key: unknown,
  hard: boolean,
): Promise<{ deleted: 'soft' | 'hard' }> {
  const model = await modelOf(source, tableName)
  const table = model.meta.table
  const id = keyOf(table, key)
  const soft = table.softDelete && !hard
  const db = await source.database()
  const done = await db.transaction((tx) =>
    soft ? model.softDelete(tx, id) : model.hardDelete(tx, id),
  )
  if (!done) throw new StudioError(404, `no row of ${table.name} has that key`)
  return { deleted: soft ? 'soft' : 'hard' }
}

async function modelOf(source: DataSource, table: unknown): Promise<Model<any>> {
  if (typeof table !== 'string') throw new StudioError(400, 'name the table')
  const models = await source.models()
  const model = Object.values(models).find((m) => m.tableName() === table)
  if (!model) throw new StudioError(404, `no model has table ${JSON.stringify(table)}`)
  return model
}

function columnOf(table: TableIR, name: string): ColumnIR {
  const column = table.columns.find((c) => c.name === name)
  if (!column)
    throw new StudioError(400, `table ${table.name} has no column ${JSON.stringify(name)}`)
  return column
}

/** A column the studio may show, filter and sort on: any but a redacted one. */
function shownColumn(table: TableIR, name: unknown): ColumnIR {
  const column = columnOf(table, String(name))
  if (column.redacted) {
    throw new StudioError(
      400,
      `column ${column.name} of ${table.name} is redacted: it is never shown`,
    )
  }
  return column
}

function visibleColumns(table: TableIR): ColumnIR[] {
  return table.columns.filter((column) => !column.redacted)
}

/** The primary key value the model takes: one value, or an object for a composite key. */
function keyOf(table: TableIR, key: unknown): unknown {
  if (table.primaryKey.length === 0) {
    throw new StudioError(
      400,
      `table ${table.name} has no primary key: its rows cannot be addressed`,
    )
  }
  const given = objectOf(key, 'key')
  const values = table.primaryKey.map((name) => {
    if (!Object.hasOwn(given, name)) throw new StudioError(400, `the key needs ${name}`)
    return inputValue(columnOf(table, name), given[name], table.name)
  })
  if (values.length === 1) return values[0]
  return Object.fromEntries(table.primaryKey.map((name, i) => [name, values[i]]))
}

function objectOf(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new StudioError(400, `${what} must be an object of column values`)
  }
  return value as Record<string, unknown>
}

/** Only the visible columns: a redacted value a query returned anyway never leaves the server. */
function shownRow(
  columns: readonly ColumnIR[],
  row: Record<string, unknown>,
): Record<string, Cell> {
  return Object.fromEntries(columns.map((column) => [column.name, cellValue(row[column.name])]))
}

/** Each table's row count as the app counts it (`Model.count`: soft-deleted rows left out). */
export async function tableCounts(source: DataSource): Promise<Record<string, number>> {
  const models = Object.values(await source.models())
  const db = await source.database()
  const counts: Record<string, number> = {}
  for (const model of models) counts[model.tableName()] = await model.count(db)
  return counts
}
