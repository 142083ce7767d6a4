import type { ColumnIR, TableIR } from '@fluentorm/core'
import { quoteIdent } from '../query/sql-ident.ts'
import { usageError } from './usage-error.ts'

/**
 * What the runtime derives once from a table's IR: quoted names, a column lookup and the
 * explicit column list every statement returns (never `*`, so a prepared statement's result
 * shape is fixed and rows only carry schema columns).
 */
export interface TableInfo {
  readonly table: TableIR
  readonly modelName: string
  readonly quoted: string
  readonly columns: ReadonlyMap<string, ColumnIR>
  /** `"id", "email", …` in schema order. */
  readonly returning: string
  /** `"users"."id", "users"."email", …`: the select list of a query on the table. */
  readonly qualifiedColumns: string
  readonly primaryKey: readonly ColumnIR[]
  readonly softDelete: boolean
}

export function tableInfo(table: TableIR): TableInfo {
  const columns = new Map(table.columns.map((column) => [column.name, column]))
  const quoted = quoteIdent(table.name)
  return Object.freeze({
    table,
    modelName: table.modelName,
    quoted,
    columns,
    returning: table.columns.map((column) => selectedColumnSql('', column)).join(', '),
    qualifiedColumns: table.columns
      .map((column) => selectedColumnSql(`${quoted}.`, column))
      .join(', '),
    primaryKey: table.primaryKey.map((name) => columns.get(name)!),
    softDelete: table.softDelete,
  })
}

/**
 * A column in a select list or RETURNING, `prefix` (`"users".`) before its name. An array
 * of an enum comes back as text (`{a,b}`) because its type's OID is the database's own, which
 * no parser knows; cast to `TEXT[]` it arrives as an array of its labels. `key` renames it
 * in the row (`AS "key"`).
 */
export function selectedColumnSql(prefix: string, column: ColumnIR, key = column.name): string {
  const sql = `${prefix}${quoteIdent(column.name)}`
  const cast = column.array && column.type === 'enum' ? `${sql}::TEXT[]` : sql
  return cast === sql && key === column.name ? sql : `${cast} AS ${quoteIdent(key)}`
}

/** The column named `name`, or a clear error listing the table's columns. */
export function requireColumn(info: TableInfo, name: string, operation: string): ColumnIR {
  const column = info.columns.get(name)
  if (column) return column
  throw usageError(
    { model: info.modelName, operation },
    `unknown column "${name}" on table ${info.table.name}`,
    `Use one of: ${[...info.columns.keys()].join(', ')}.`,
  )
}
