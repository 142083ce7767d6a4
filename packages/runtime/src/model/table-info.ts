import type { ColumnIR, TableIR } from '@fluentorm/core/ir'
import { quotedValue } from '../errors/shown-value.ts'
import { quoteIdent } from '../sql/identifier.ts'
import { usageError } from './usage-error.ts'

/**
 * What the runtime derives once from a table's IR: its quoted name, a column lookup and its
 * primary key.
 */
export interface TableInfo {
  readonly table: TableIR
  readonly modelName: string
  readonly quoted: string
  readonly columns: ReadonlyMap<string, ColumnIR>
  readonly primaryKey: readonly ColumnIR[]
  readonly softDelete: boolean
  /**
   * The columns a row has unless a query names others: every column but the `redacted` ones
   * (password hashes, tokens), which are read only when selected by name.
   */
  readonly visible: readonly ColumnIR[]
}

export function tableInfo(table: TableIR): TableInfo {
  const columns = new Map(table.columns.map((column) => [column.name, column]))
  return Object.freeze({
    table,
    modelName: table.modelName,
    quoted: quoteIdent(table.name),
    columns,
    primaryKey: table.primaryKey.map((name) => columns.get(name)!),
    softDelete: table.softDelete,
    visible: Object.freeze(table.columns.filter((column) => !column.redacted)),
  })
}

/** The column named `name`, or a clear error listing the table's columns. */
export function requireColumn(info: TableInfo, name: string, operation: string): ColumnIR {
  const column = typeof name === 'string' ? info.columns.get(name) : undefined
  if (column) return column
  throw usageError(
    { model: info.modelName, operation },
    `unknown column ${quotedValue(name)} on table ${info.table.name}`,
    `Use one of: ${[...info.columns.keys()].join(', ')}.`,
  )
}
