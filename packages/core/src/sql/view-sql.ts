import type { TableIR, ViewIR } from '../schema/schema-ir.ts'
import { quoteIdent } from './identifier.ts'

/** A table that is a view (`t.view`). */
export type ViewTable = TableIR & { readonly view: ViewIR }

export function isView(table: TableIR): table is ViewTable {
  return table.view !== undefined
}

/**
 * The view's CREATE, filled at once when materialized (`WITH DATA`). `rerunnable` (the
 * per-table files and `createTable()`): a plain view with `OR REPLACE`, a materialized one with
 * `IF NOT EXISTS`; a migration creates it plainly, so a view it does not know is no silent replace.
 *
 * ```sql
 * CREATE OR REPLACE VIEW post_stats AS
 * SELECT p.id, count(c.id)::int AS comments FROM …
 * ```
 */
export function createViewSql(table: ViewTable, rerunnable: boolean): string {
  const name = quoteIdent(table.name)
  return table.view.materialized
    ? `CREATE MATERIALIZED VIEW ${rerunnable ? 'IF NOT EXISTS ' : ''}${name} AS\n${table.view.sql}\nWITH DATA`
    : `CREATE ${rerunnable ? 'OR REPLACE ' : ''}VIEW ${name} AS\n${table.view.sql}`
}

/**
 * `DROP [MATERIALIZED] VIEW IF EXISTS`, without CASCADE unless asked: a migration that would
 * drop a view of the database it does not know fails, saying which, instead of dropping it.
 */
export function dropViewSql(table: ViewTable, cascade = false): string {
  return `DROP ${viewKeyword(table)} IF EXISTS ${quoteIdent(table.name)}${cascade ? ' CASCADE' : ''}`
}

/** `VIEW` or `MATERIALIZED VIEW`. */
export function viewKeyword(table: ViewTable): string {
  return table.view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'
}

/**
 * Whether SQL text names `name` as a whole word, quoted or not. A word that only looks like the
 * name (in a string, as a column) matches too: callers use it where a match costs little.
 */
export function namesWord(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|[^\\w$])${escaped}($|[^\\w$])`, 'i').test(text)
}
