import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import type { Model, ModelTypes } from '../model/model-types.ts'
import { bindValue } from '../sql/column-types.ts'
import type { Executor } from './driver.ts'
import { toDriver } from './to-driver.ts'

/**
 * Bulk-loads rows into a model's table with `COPY … FROM STDIN`: for large batches several
 * times faster than `insertMany` (measured in test/bench/RESULTS.md), at the price of
 * returning only the count, not the rows. Every row must set the same columns, the first
 * row's: COPY has no per-row DEFAULT, so a column left out of one row would silently become
 * NULL. Inside `transaction(db, …)` the load commits or rolls back with the rest.
 *
 * @example
 * await copyRows(db, Event, events)   // [{ name: 'signup', value: 1 }, …]
 * // COPY "events" ("name", "value") FROM STDIN   (PGlite: FROM '/dev/blob')
 */
export async function copyRows<T extends ModelTypes>(
  db: Executor,
  model: Model<T>,
  rows: readonly T['create'][],
): Promise<number> {
  const first = rows[0] as Record<string, unknown> | undefined
  if (first === undefined) return 0
  const table = model.meta.table
  const known = new Set(table.columns.map((column) => column.name))
  const columns = Object.keys(first)
  for (const column of columns) {
    if (!known.has(column)) {
      throw usageError(
        `${table.name} has no column ${column}; the columns are ${[...known].join(', ')}`,
      )
    }
  }
  const targets = columns.map((name) => table.columns.find((column) => column.name === name)!)
  // One pass, no allocation but the value array: this runs once per row of a bulk load.
  const values = rows.map((input, index) => {
    const row = input as Record<string, unknown>
    if (!setsExactly(row, columns)) {
      throw usageError(
        `row ${index} sets ${Object.keys(row).join(', ')} but the first row sets ${columns.join(', ')}; every row of a COPY must set the same columns (use insertMany to let some rows take defaults)`,
      )
    }
    const value = new Array<unknown>(targets.length)
    for (let c = 0; c < targets.length; c++) {
      value[c] = bindValue(targets[c]!, row[targets[c]!.name])
    }
    return value
  })
  const driver = toDriver(db)
  if (!driver.copyFrom) {
    throw usageError(
      'this executor has no copyFrom; pass a pg Pool or Client, PGlite, or connect()',
    )
  }
  return driver.copyFrom({ table: table.name, columns, types: targets }, values)
}

/** Whether the row's own enumerable keys are exactly `columns` (in any order). */
function setsExactly(row: Record<string, unknown>, columns: readonly string[]): boolean {
  let count = 0
  for (const key in row) if (Object.hasOwn(row, key)) count++
  return count === columns.length && columns.every((column) => Object.hasOwn(row, column))
}

function usageError(reason: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason,
    operation: 'copyRows',
  })
}
