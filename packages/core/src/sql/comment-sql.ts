import type { TableIR } from '../schema/schema-ir.ts'
import { quoteIdent, quoteLiteral } from './identifier.ts'

/**
 * `COMMENT ON TABLE posts IS 'It''s…'` or, with a column, `COMMENT ON COLUMN posts.title IS …`;
 * `IS NULL` (a `null` text) removes it. The text is an escaped literal.
 */
export function commentSql(table: string, column: string | null, text: string | null): string {
  const target =
    column === null
      ? `TABLE ${quoteIdent(table)}`
      : `COLUMN ${quoteIdent(table)}.${quoteIdent(column)}`
  return `COMMENT ON ${target} IS ${text === null ? 'NULL' : quoteLiteral(text)}`
}

/** The comments of a table made from nothing: its own, then its columns', in column order. */
export function tableCommentsSql(table: TableIR): string[] {
  return [
    ...(table.comment === undefined ? [] : [commentSql(table.name, null, table.comment)]),
    ...table.columns.flatMap((column) =>
      column.comment === undefined ? [] : [commentSql(table.name, column.name, column.comment)],
    ),
  ]
}
