import type { TriggerIR } from '../schema/object-ir.ts'
import { columnList } from './create-table-sql.ts'
import { quoteIdent } from './identifier.ts'

/**
 * `CREATE TRIGGER` on the table, after it and its function exist.
 *
 * ```sql
 * CREATE TRIGGER posts_touch BEFORE UPDATE ON posts FOR EACH ROW EXECUTE FUNCTION touch_updated_at()
 * ```
 */
export function createTriggerSql(table: string, trigger: TriggerIR): string {
  const events = trigger.events
    .map((event) =>
      event === 'update' && trigger.of !== undefined
        ? `UPDATE OF ${columnList(trigger.of)}`
        : event.toUpperCase(),
    )
    .join(' OR ')
  return [
    `CREATE TRIGGER ${quoteIdent(trigger.name)} ${trigger.timing.toUpperCase()} ${events}`,
    `ON ${quoteIdent(table)} FOR EACH ${trigger.forEach.toUpperCase()}`,
    ...(trigger.when === undefined ? [] : [`WHEN (${trigger.when})`]),
    `EXECUTE FUNCTION ${quoteIdent(trigger.function)}()`,
  ].join(' ')
}

export function dropTriggerSql(table: string, trigger: TriggerIR): string {
  return `DROP TRIGGER IF EXISTS ${quoteIdent(trigger.name)} ON ${quoteIdent(table)}`
}
