import type { DomainIR, FunctionIR, TriggerIR } from '../schema/object-ir.ts'
import type {
  BelongsToIR,
  CheckIR,
  ColumnIR,
  Deferrable,
  EnumIR,
  IndexIR,
  PartitionIR,
  PartitioningIR,
  TableIR,
} from '../schema/schema-ir.ts'
import type { IdentityGeneration } from '../sql/create-table-sql.ts'
import type { ViewTable } from '../sql/view-sql.ts'

/** Where `ALTER TYPE … ADD VALUE` puts a new enum value, so the order matches the schema. */
export type EnumValuePosition = { readonly before: string } | { readonly after: string } | null

/** A column that uses an enum type, for recreating the type when values are removed. */
export interface EnumColumnRef {
  readonly table: string
  readonly column: ColumnIR
}

/**
 * One difference between two schemas, as plain data. The diff produces these; the migration
 * plan renders them into SQL (up and down) and lints them. Table and column names are the
 * names after the change, except in `rename*` and `drop*` nodes, which carry the old names.
 */
export type SchemaChange =
  | { readonly kind: 'createEnum'; readonly enum: EnumIR }
  | { readonly kind: 'dropEnum'; readonly enum: EnumIR }
  | {
      readonly kind: 'addEnumValue'
      readonly enumName: string
      readonly value: string
      readonly position: EnumValuePosition
    }
  | {
      readonly kind: 'renameEnumValue'
      readonly enumName: string
      readonly from: string
      readonly to: string
    }
  | {
      readonly kind: 'recreateEnum'
      readonly from: EnumIR
      readonly to: EnumIR
      readonly removed: readonly string[]
      readonly columns: readonly EnumColumnRef[]
    }
  | {
      /**
       * A view made (with a materialized view's indexes) after every table change, or dropped
       * before any: a changed view is both, its body never altered in place.
       */
      readonly kind: 'createView' | 'dropView'
      readonly table: ViewTable
    }
  | {
      /** `orReplace`: the same arguments and return type, so CREATE OR REPLACE keeps its triggers. */
      readonly kind: 'createFunction'
      readonly function: FunctionIR
      readonly orReplace: boolean
    }
  | {
      /** `replaced`: created again under its name, so dropped before the functions are created. */
      readonly kind: 'dropFunction'
      readonly function: FunctionIR
      readonly replaced: boolean
    }
  | {
      readonly kind: 'createTrigger' | 'dropTrigger'
      readonly table: string
      readonly trigger: TriggerIR
    }
  | { readonly kind: 'createDomain'; readonly domain: DomainIR }
  | { readonly kind: 'dropDomain'; readonly domain: DomainIR; readonly replaced: boolean }
  | { readonly kind: 'alterDomain'; readonly from: DomainIR; readonly to: DomainIR }
  | { readonly kind: 'createTable'; readonly table: TableIR }
  | { readonly kind: 'dropTable'; readonly table: TableIR }
  | { readonly kind: 'renameTable'; readonly from: string; readonly to: string }
  | { readonly kind: 'addColumn'; readonly table: string; readonly column: ColumnIR }
  | { readonly kind: 'dropColumn'; readonly table: string; readonly column: ColumnIR }
  | {
      /**
       * Dropped and added again under its name: what PostgreSQL cannot alter in place (a
       * generated column's expression, a column becoming generated). Its indexes and
       * constraints are re-made by their own changes.
       */
      readonly kind: 'replaceColumn'
      readonly table: string
      readonly from: ColumnIR
      readonly to: ColumnIR
    }
  | {
      /** A generated column becomes a plain one, keeping its values (`DROP EXPRESSION`). */
      readonly kind: 'dropExpression'
      readonly table: string
      readonly column: string
    }
  | {
      readonly kind: 'renameColumn'
      readonly table: string
      readonly from: string
      readonly to: string
    }
  | {
      readonly kind: 'alterColumnType'
      readonly table: string
      readonly from: ColumnIR
      readonly to: ColumnIR
    }
  | { readonly kind: 'setNotNull' | 'dropNotNull'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'setDefault'
      readonly table: string
      readonly column: string
      readonly defaultSql: string
    }
  | { readonly kind: 'dropDefault'; readonly table: string; readonly column: string }
  | {
      /** `addIdentity`: made an identity column; `setIdentityGeneration`: ALWAYS ⇄ BY DEFAULT. */
      readonly kind: 'addIdentity' | 'setIdentityGeneration'
      readonly table: string
      readonly column: string
      readonly generation: IdentityGeneration
    }
  | { readonly kind: 'dropIdentity'; readonly table: string; readonly column: string }
  | {
      readonly kind: 'addPrimaryKey' | 'dropPrimaryKey' | 'addUnique' | 'dropUnique'
      readonly table: string
      readonly name: string
      readonly columns: readonly string[]
    }
  | {
      readonly kind: 'renameConstraint'
      readonly table: string
      readonly from: string
      readonly to: string
    }
  | { readonly kind: 'addCheck' | 'dropCheck'; readonly table: string; readonly check: CheckIR }
  | {
      readonly kind: 'addIndex' | 'dropIndex'
      readonly table: string
      readonly index: IndexIR
      /** The table is created in the same migration (no concurrent build needed). */
      readonly newTable: boolean
    }
  | {
      readonly kind: 'addForeignKey' | 'dropForeignKey'
      readonly table: string
      readonly fk: BelongsToIR
      readonly newTable: boolean
    }
  | {
      /** Only the deferrability changed: `ALTER CONSTRAINT`, the key kept (no drop, no re-validation). */
      readonly kind: 'alterForeignKeyDeferrable'
      readonly table: string
      /** The key after the change. */
      readonly fk: BelongsToIR
      /** Its deferrability before; absent: NOT DEFERRABLE. */
      readonly from?: Deferrable
    }
  | {
      /** A partition created (`PARTITION OF`), or detached and dropped with its rows. */
      readonly kind: 'createPartition' | 'dropPartition'
      readonly table: string
      readonly partition: PartitionIR
      /** A created partition's table keeps its default partition, of this name, which may hold its rows. */
      readonly besideDefault?: string
    }
  | {
      /** A partition renamed as declared (`renamedFrom`), its bound the same: its rows stay. */
      readonly kind: 'renamePartition'
      readonly table: string
      readonly from: string
      readonly to: string
    }
  | {
      /**
       * The partition key changed, or the table became or stopped being partitioned: PostgreSQL
       * cannot do it in place, so the migration refuses to run until it is written by hand.
       */
      readonly kind: 'changePartitionKey'
      readonly table: string
      readonly from: PartitioningIR | null
      readonly to: PartitioningIR | null
    }

export type SchemaChangeKind = SchemaChange['kind']
