import { commentStatements } from '../diff/comment-diff.ts'
import { declaredRenames, invertRenames } from '../diff/declared-renames.ts'
import { addedExtensions } from '../diff/extension-diff.ts'
import { partitionedTables } from '../diff/partition-diff.ts'
import type { SchemaChange, SchemaChangeKind } from '../diff/schema-change.ts'
import { diffSchemas } from '../diff/schema-diff.ts'
import type { SchemaIR } from '../schema/schema-ir.ts'
import { createExtensionSql } from '../sql/constraint-sql.ts'
import {
  type ChangeSqlOptions,
  changeSql,
  rebuildIndexSql,
  replaceColumnSql,
} from './change-sql.ts'
import { type LintFinding, lintChanges, lintStatements } from './migration-lint.ts'
import { migrationName } from './migration-name.ts'
import { EMPTY_SCHEMA_HASH, schemaHash } from './schema-snapshot.ts'

/** One generated migration: what to run, how to undo it, and what to look at before running it. */
export interface MigrationPlan {
  /** Descriptive file name part: `add_phone_to_users`, `create_tags`, … */
  readonly name: string
  readonly changes: readonly SchemaChange[]
  /** Up statements, each ending with `;`. Empty when the schemas match. */
  readonly up: readonly string[]
  /** Rollback statements, or null when a step cannot be undone (see `irreversible`). */
  readonly down: readonly string[] | null
  /** Why the rollback is refused: data that a drop destroys cannot be brought back. */
  readonly irreversible: readonly string[]
  /** False for an index-only migration on existing tables, built CONCURRENTLY outside a transaction. */
  readonly transactional: boolean
  readonly findings: readonly LintFinding[]
  readonly fromHash: string
  readonly toHash: string
}

// Statement order inside a migration: what later steps depend on comes first (types before
// columns, every CREATE TABLE before any FK, FKs dropped before their tables).
const PHASE: Record<SchemaChangeKind, number> = {
  // First: the statement that refuses to run until the migration is written by hand.
  changePartitionKey: -3,
  renamePartition: 1,
  // Triggers before their tables and functions change, made again after everything.
  dropTrigger: -2,
  // Views first out and last in: every table and type change runs with no view over it.
  dropView: -1,
  // Before everything, extensions included: the runner commits a file's leading ADD VALUE
  // statements first, since PostgreSQL uses a new enum value only once its ADD VALUE committed.
  addEnumValue: -4,
  createEnum: 0,
  renameEnumValue: 0,
  // Domains and functions after the enum types they may use, before the tables using them.
  createDomain: 0.5,
  alterDomain: 0.5,
  createFunction: 0.7,
  renameTable: 1,
  renameColumn: 2,
  renameConstraint: 2,
  dropForeignKey: 3,
  dropIndex: 4,
  dropCheck: 4,
  dropUnique: 4,
  dropPrimaryKey: 4,
  createTable: 5,
  // After the drops (a new bound may overlap an old one), each after its table (one phase, diff order).
  dropPartition: 4,
  createPartition: 5,
  addColumn: 6,
  dropColumn: 7,
  replaceColumn: 7,
  dropExpression: 7,
  alterColumnType: 8,
  setDefault: 8,
  dropDefault: 8,
  dropNotNull: 8,
  setNotNull: 8,
  addIdentity: 8,
  dropIdentity: 8,
  setIdentityGeneration: 8,
  recreateEnum: 9,
  addPrimaryKey: 10,
  addUnique: 10,
  addCheck: 10,
  addIndex: 11,
  addForeignKey: 12,
  alterForeignKeyDeferrable: 12,
  dropTable: 13,
  // A removed function and domain after whatever used them is gone.
  dropFunction: 13.5,
  dropDomain: 13.7,
  dropEnum: 14,
  createView: 15,
  createTrigger: 16,
}

// A generated column, added or replaced, comes after the retypes (recreated enums too), before
// the constraints and indexes over it: PostgreSQL retypes no column a generated column uses. A
// replaced column's drop stays at replaceColumn's phase, before them.
const GENERATED_COLUMN_PHASE = 9.5

/**
 * A change's phase. A function that reads a table is created after the tables (before the
 * views that may call it); a function or domain made again under its name is dropped before
 * its new version is created.
 */
function phaseOf(change: SchemaChange): number {
  if (change.kind === 'createFunction' && change.function.afterTables === true) return 14.5
  if (change.kind === 'addColumn' && change.column.generatedSql !== undefined)
    return GENERATED_COLUMN_PHASE
  if ((change.kind === 'dropFunction' || change.kind === 'dropDomain') && change.replaced)
    return 0.4
  return PHASE[change.kind]
}

/**
 * Plans the migration from the committed schema (`null`: the empty database) to the current
 * one. Pure and deterministic: the same schemas give the same statements, byte for byte.
 *
 * ```ts
 * planMigration(before, after).up
 * // ['ALTER TABLE users ADD COLUMN IF NOT EXISTS phone TEXT;']
 * ```
 */
export function planMigration(from: SchemaIR | null, to: SchemaIR): MigrationPlan {
  const renames = from ? declaredRenames(from, to) : undefined
  const changes = ordered(diffSchemas(from, to, renames))
  const empty: SchemaIR = { kind: 'schema', tables: [], enums: [] }
  const reverseRenames = renames ? invertRenames(renames) : undefined
  const reverse = ordered(diffSchemas(to, from ?? empty, reverseRenames))
  const noRenames = { tables: new Map(), columns: new Map(), enumValues: new Map() }
  const comments = commentStatements(from, to, renames ?? noRenames, changes)
  const reverseComments = commentStatements(to, from ?? empty, reverseRenames ?? noRenames, reverse)
  // PostgreSQL builds no index of a partitioned table CONCURRENTLY.
  const partitioned = partitionedTables(from, to)
  const concurrently =
    changes.length > 0 &&
    changes.every(
      (c) =>
        (c.kind === 'addIndex' || c.kind === 'dropIndex') &&
        !c.newTable &&
        !partitioned.has(c.table),
    )
  const options = { concurrently }
  // Extensions first: the types and tables after them may use them. A rollback keeps them.
  const extensions = addedExtensions(from, to).map((name) => `${createExtensionSql(name)};`)
  const enumValues = changes.filter((c) => c.kind === 'addEnumValue')
  const rest = changes.filter((c) => c.kind !== 'addEnumValue')
  const up = [
    ...enumValues.flatMap((c) => changeSql(c, options)),
    ...extensions,
    ...statementsOf(rest, options),
    ...comments,
  ]
  const irreversible = changes.flatMap(irreversibleReason)
  return {
    // Comments and extensions are no SchemaChange: a migration of only those is named for them.
    name:
      changes.length > 0
        ? migrationName(changes)
        : comments.length > 0
          ? 'change_comments'
          : extensions.length > 0
            ? 'create_extensions'
            : migrationName(changes),
    changes,
    up,
    down: irreversible.length > 0 ? null : [...statementsOf(reverse, options), ...reverseComments],
    irreversible,
    transactional: !concurrently,
    findings: [...lintStatements(up, { transactional: !concurrently }), ...lintChanges(changes)],
    fromHash: from ? schemaHash(from) : EMPTY_SCHEMA_HASH,
    toHash: schemaHash(to),
  }
}

function ordered(changes: readonly SchemaChange[]): SchemaChange[] {
  return [...changes].sort((a, b) => phaseOf(a) - phaseOf(b))
}

/** The SQL of ordered changes, a replaced column's drop and add each at its own phase. */
function statementsOf(changes: readonly SchemaChange[], options: ChangeSqlOptions): string[] {
  // Outside a transaction an index changed in place is built beside the old one, which is
  // dropped only once the new one stands (rebuildIndexSql).
  const indexKey = (table: string, name: string) => `${table}\0${name}`
  const rebuilt = new Set(
    options.concurrently
      ? changes.flatMap((c) =>
          c.kind === 'addIndex' &&
          changes.some(
            (d) => d.kind === 'dropIndex' && d.table === c.table && d.index.name === c.index.name,
          )
            ? [indexKey(c.table, c.index.name)]
            : [],
        )
      : [],
  )
  const steps = changes.flatMap((change) => {
    if (
      (change.kind === 'addIndex' || change.kind === 'dropIndex') &&
      rebuilt.has(indexKey(change.table, change.index.name))
    ) {
      const statements =
        change.kind === 'addIndex' ? rebuildIndexSql(change.table, change.index) : []
      return [{ phase: phaseOf(change), statements }]
    }
    if (change.kind !== 'replaceColumn')
      return [{ phase: phaseOf(change), statements: changeSql(change, options) }]
    const { drop, add } = replaceColumnSql(change)
    return [
      { phase: phaseOf(change), statements: [drop] },
      { phase: GENERATED_COLUMN_PHASE, statements: [add] },
    ]
  })
  return steps.sort((a, b) => a.phase - b.phase).flatMap((step) => step.statements)
}

function irreversibleReason(change: SchemaChange): string[] {
  switch (change.kind) {
    case 'dropTable':
      return [`drops table ${change.table.name}: its rows cannot be restored`]
    case 'dropPartition':
      return [
        `drops partition ${change.partition.name} of ${change.table}: its rows cannot be restored`,
      ]
    case 'changePartitionKey':
      return [`changes the partitioning of ${change.table}: the migration is written by hand`]
    case 'dropColumn':
      // A generated column's values come back: the database computes them again.
      return change.column.generatedSql === undefined
        ? [`drops column ${change.table}.${change.column.name}: its values cannot be restored`]
        : []
    case 'replaceColumn':
      return change.from.generatedSql === undefined
        ? [
            `replaces column ${change.table}.${change.from.name} by a generated one: its values cannot be restored`,
          ]
        : []
    case 'recreateEnum':
      return change.removed.length === 0
        ? []
        : [
            `removes ${change.removed.join(', ')} from enum ${change.to.name}: rows holding them cannot be restored`,
          ]
    default:
      return []
  }
}
