import type { SqlSource } from './field-options.ts'

/** How rows are spread over the partitions: by ranges, by lists of values, or by a hash. */
export type PartitionStrategy = 'range' | 'list' | 'hash'

/**
 * One value of a partition bound: a literal of the key column's type, checked and quoted as a
 * default is. In a range, `'MINVALUE'` and `'MAXVALUE'` (in capitals) are PostgreSQL's
 * unbounded ends; in a list, `null` holds the rows whose key is NULL.
 */
export type PartitionValue = string | number | bigint | boolean | null

/** `t.partitionBy(…)`: the table is partitioned on its key, columns or one expression. */
export interface PartitionByOptions {
  kind: PartitionStrategy
  /** The key columns, in key order (a list key has one). */
  columns?: readonly string[]
  /** An expression key instead of columns: text, or sql`…` without interpolated values. */
  expression?: SqlSource
}

/** What every partition has: its table name, and the names it had before. */
export interface PartitionName {
  name: string
  /** The partition's earlier name: the migration renames it (`ALTER TABLE … RENAME TO`) when its bound is the same. */
  renamedFrom?: string
}

/** `t.partition(…)`: one partition of the table, a table of its own named `name`. */
export type PartitionOptions = PartitionName &
  (
    | {
        /** The range's lower end, included: one value per key column (or the one value). */
        from: PartitionValue | readonly PartitionValue[]
        /** The range's upper end, excluded. */
        to: PartitionValue | readonly PartitionValue[]
      }
    | {
        /** The key values of the list partition's rows. */
        in: readonly PartitionValue[]
      }
    | {
        /** A hash partition holds the rows whose key hashes to `remainder` modulo `modulus`. */
        modulus: number
        remainder: number
      }
    | {
        /** The rows no other partition takes (range and list). */
        default: true
      }
  )
