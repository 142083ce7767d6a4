import type { TableIR } from '@fluentorm/core/ir'
import { usageError } from './usage-error.ts'

/** Why a write to a view's model is refused, said before any SQL runs. */
export function refusedWrite(table: TableIR, operation: string) {
  const materialized = table.view?.materialized === true
  return usageError(
    { model: table.modelName, operation },
    `${table.name} is a ${materialized ? 'materialized ' : ''}view: its rows come from its SELECT and cannot be written`,
    `Write to the tables it reads${materialized ? `, then ${table.modelName}.refresh(db)` : ''}.`,
  )
}
