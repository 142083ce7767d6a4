import { toFluentError } from '../errors/to-fluent-error.ts'
import type { Executor } from '../executor/driver.ts'
import { toDriver } from '../executor/to-driver.ts'
import { withPlaceholders } from '../sql/placeholder.ts'
import type { QueryNode } from '../sql/query-node.ts'
import type { Statement } from '../sql/statement.ts'
import { statementName } from '../sql/statement-name.ts'

type Row = Record<string, unknown>

/** The terminals that only read (a Database with replicas may run them on one), unless they lock rows. */
const reads = new Set(['fetch', 'count', 'exists', 'pluck', 'sum', 'avg', 'min', 'max'])

/**
 * Runs a statement a query built. The text is the same for every call of the same query
 * shape (values are all bound), so it runs as a named prepared statement too.
 */
export async function runStatement(
  db: Executor,
  query: QueryNode,
  operation: string,
  statement: Statement,
  params?: object,
): Promise<{ rows: Row[]; rowCount: number }> {
  const text = statement.text
  try {
    const values =
      statement.placeholders || params !== undefined
        ? withPlaceholders(statement.values, params, operation)
        : statement.values
    const readOnly = reads.has(operation) && query.lock === null
    return await toDriver(db).query<Row>({ text, values, name: statementName(text), readOnly })
  } catch (error) {
    throw toFluentError(error, {
      model: query.runtime.info.modelName,
      operation: `query.${operation}`,
      sql: text,
    })
  }
}
