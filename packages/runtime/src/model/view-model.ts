import type { TableIR } from '@fluentorm/core/ir'
import type { Executor } from '../executor/driver.ts'
import { quoteIdent } from '../sql/identifier.ts'
import { flag } from './input-columns.ts'
import type { Model, RefreshOptions } from './model-types.ts'
import { refusedWrite } from './refused-write.ts'
import { onlyOptions } from './usage-error.ts'

/** What a view's model refuses: every write, by key or of the whole table. */
const WRITES = [
  'insert',
  'insertMany',
  'update',
  'upsert',
  'upsertMany',
  'softDelete',
  'restore',
  'hardDelete',
  'truncate',
] as const

type Exec = (db: Executor, operation: string, statements: readonly string[]) => Promise<void>

/**
 * A view's model: the table model's reads, relations and DDL, every write refused before
 * anything is sent, and `refresh()` for a materialized view.
 *
 * ```ts
 * await PostTotal.refresh(db, { concurrently: true })
 * // REFRESH MATERIALIZED VIEW CONCURRENTLY post_totals
 * ```
 */
export function readOnlyModel(model: Model<any>, table: TableIR, exec: Exec): Model<any> {
  const view = table.view
  if (view === undefined) return model
  const refused = Object.fromEntries(
    WRITES.map((operation) => [
      operation,
      async () => {
        throw refusedWrite(table, operation)
      },
    ]),
  )
  if (!view.materialized) return { ...model, ...refused }
  const refresh = (db: Executor, options?: RefreshOptions) => {
    onlyOptions(options, ['concurrently'], { model: table.modelName, operation: 'refresh' })
    const concurrently = flag(options, 'concurrently', {
      model: table.modelName,
      operation: 'refresh',
    })
    const name = quoteIdent(table.name)
    return exec(db, 'refresh', [
      `REFRESH MATERIALIZED VIEW ${concurrently ? 'CONCURRENTLY ' : ''}${name}`,
    ])
  }
  return { ...model, ...refused, refresh } as Model<any>
}
