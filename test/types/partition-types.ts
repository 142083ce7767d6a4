/**
 * Type tests of the partitioning DSL: each t.partition takes one bound form (range, list,
 * hash or default), t.partitionBy one of the three kinds.
 */
import type { TableSchema } from '@fluentorm/core'

export function build(t: TableSchema): void {
  t.partitionBy({ kind: 'range', columns: ['happened_on'] })
  t.partitionBy({ kind: 'list', expression: 'lower(region)' })
  // @ts-expect-error a kind PostgreSQL has not
  t.partitionBy({ kind: 'ranges', columns: ['happened_on'] })

  t.partition({ name: 'events_2024', from: '2024-01-01', to: '2025-01-01' })
  t.partition({ name: 'readings_h1', from: [2024, 1], to: [2024, 7] })
  t.partition({ name: 'events_old', from: 'MINVALUE', to: '2024-01-01', renamedFrom: 'old' })
  t.partition({ name: 'customers_eu', in: ['de', 'fr', null] })
  t.partition({ name: 'accounts_0', modulus: 4, remainder: 0 })
  t.partition({ name: 'events_rest', default: true })
  // @ts-expect-error a range needs both ends
  t.partition({ name: 'events_2024', from: '2024-01-01' })
  // @ts-expect-error a hash partition needs its remainder
  t.partition({ name: 'accounts_1', modulus: 4 })
  // @ts-expect-error a bound value is a literal, never an object
  t.partition({ name: 'customers_x', in: [{ sql: 'now()' }] })
  // @ts-expect-error every partition has a name
  t.partition({ default: true })
}
