import { requireColumn } from '../model/table-info.ts'
import { usageError } from '../model/usage-error.ts'
import type { ColumnExpr } from '../sql/expression.ts'
import type { QueryNode } from '../sql/query-node.ts'

/**
 * Resolves a column name as the user wrote it: `title` (own table), `posts.title`, or
 * `users.name` of a joined table. Anything else is a clear error, so no name that is not
 * in the schema ever reaches SQL.
 */
export function resolveColumn(query: QueryNode, name: string, operation: string): ColumnExpr {
  const info = query.runtime.info
  if (typeof name !== 'string') {
    throw usageError(
      { model: info.modelName, operation },
      `expected a column name, got ${name === null ? 'null' : typeof name}`,
      `Use one of: ${[...info.columns.keys()].join(', ')}, or a sql fragment.`,
    )
  }
  const dot = name.indexOf('.')
  if (dot === -1) return own(query, requireColumn(info, name, operation), operation)
  const table = name.slice(0, dot)
  const rest = name.slice(dot + 1)
  if (table === info.table.name) return own(query, requireColumn(info, rest, operation), operation)
  const join = query.joins.find((candidate) => candidate.info.table.name === table)
  if (join) {
    const ir = requireColumn(join.info, rest, operation)
    checkRedacted(query, join.info.modelName, ir, operation)
    return column(table, ir)
  }
  throw usageError(
    { model: info.modelName, operation },
    `unknown table "${table}" in column "${name}"`,
    `Qualify columns with ${[info.table.name, ...query.joins.map((j) => j.info.table.name)].join(' or ')}, or join the table first.`,
  )
}

/** A column of the query's own rows, which a union of narrower selects may not carry. */
function own(query: QueryNode, ir: ColumnExpr['column'], operation: string): ColumnExpr {
  requireSourceColumn(query, ir.name, operation)
  checkRedacted(query, query.runtime.info.modelName, ir, operation)
  return column(null, ir)
}

/** Where a redacted column may be named as a string without allowRedacted(): reading it. */
const READS: ReadonlySet<string> = new Set(['select', 'pluck'])

/**
 * A redacted column (a password hash, a token) named as a string outside a select is refused
 * unless the query called allowRedacted(): a column name that came from a request (a sort
 * key, a filter field) must not let a caller filter or order by a secret — an exists() over
 * `like 'a%'`, `'ab%'`, … reads it one character at a time. `Model.column()` (written in code)
 * is not checked.
 */
function checkRedacted(
  query: QueryNode,
  model: string,
  ir: ColumnExpr['column'],
  operation: string,
): void {
  if (!ir.redacted || query.redacted || READS.has(operation)) return
  throw usageError(
    { model, operation },
    `column "${ir.name}" is redacted: it cannot be named in ${operation}() as a string`,
    `If the code (not a request) chose it, call allowRedacted() on the query, or use ${model}.column('${ir.name}').`,
  )
}

/**
 * Refuses a column the rows of the query's source do not have: a union's parts selected
 * other values (a CTE gives whole rows).
 */
export function requireSourceColumn(query: QueryNode, name: string, operation: string): void {
  const source = query.source
  if (source?.kind === 'cte' && query.runtime.info.columns.get(name)?.redacted) {
    throw usageError(
      { model: query.runtime.info.modelName, operation },
      `column "${name}" is redacted, and a CTE's rows carry the visible columns only`,
      'Read it in a query on the table itself.',
    )
  }
  if (source?.kind !== 'set' || source.first.select === null) return
  const keys = source.first.select.map((item) => item.key)
  if (keys.includes(name)) return
  throw usageError(
    { model: query.runtime.info.modelName, operation },
    `column "${name}" is not among the values the combined queries select (${keys.join(', ')})`,
    `Select ${name} in each of the combined queries.`,
  )
}

function column(table: string | null, ir: ColumnExpr['column']): ColumnExpr {
  return { kind: 'column', table, column: ir }
}
