import { describeKey } from '../diff/partition-diff.ts'
import type { PartitioningIR } from '../schema/schema-ir.ts'
import { dollarQuote } from '../sql/dollar-quote.ts'
import { quoteLiteral } from '../sql/identifier.ts'

/**
 * What a migration holds for a changed partition key: a statement that fails, saying what to
 * write instead. PostgreSQL cannot re-partition a table in place, and the way to move its rows
 * (copy, swap, the downtime they cost) is the user's choice, never a guess.
 *
 * ```sql
 * DO $fluentorm$
 * BEGIN RAISE EXCEPTION '%', 'fluentorm: the partition key of events changed …'; END
 * $fluentorm$;
 * ```
 */
export function partitionKeyChangeSql(
  table: string,
  from: PartitioningIR | null,
  to: PartitioningIR | null,
): string {
  return `DO ${dollarQuote(`BEGIN RAISE EXCEPTION '%', ${quoteLiteral(partitionKeyChangeMessage(table, from, to))}; END`)};`
}

const REFUSAL = /^DO (\$fluentorm\w*\$)\nBEGIN RAISE EXCEPTION '%', '((?:[^']|'')*)'; END\n\1;?$/

/**
 * The message of a statement `partitionKeyChangeSql` wrote, or null for any other: the lint
 * of a pending file (`check`, `migrate`) reports it, though the statement's text is a string.
 */
export function partitionKeyChangeRefusal(statement: string): string | null {
  const match = REFUSAL.exec(statement.trim())
  return match === null ? null : (match[2] ?? '').replaceAll("''", "'")
}

/** Why the change cannot be generated and what to write by hand: the lint finding and the error say it. */
export function partitionKeyChangeMessage(
  table: string,
  from: PartitioningIR | null,
  to: PartitioningIR | null,
): string {
  return `fluentorm: the partitioning of table ${table} changes from ${describeKey(from)} to ${describeKey(to)}, which PostgreSQL cannot do in place. Replace this statement by hand: create the new table as the schema declares it, copy the rows (INSERT … SELECT), drop the old table and rename the new one.`
}
