import type { SchemaChange } from '../diff/schema-change.ts'
import type { BelongsToIR, ColumnIR, IndexIR } from '../schema/schema-ir.ts'
import {
  createEnumSql,
  deferrabilitySql,
  deferrableSql,
  indexTargetSql,
} from '../sql/constraint-sql.ts'
import { columnList, columnSql, createTableSql } from '../sql/create-table-sql.ts'
import { alterDomainSql, createDomainSql, dropDomainSql } from '../sql/domain-sql.ts'
import { createFunctionSql, dropFunctionSql } from '../sql/function-sql.ts'
import { quoteIdent, quoteLiteral } from '../sql/identifier.ts'
import { createPartitionSql, dropPartitionSql } from '../sql/partition-sql.ts'
import { createTriggerSql, dropTriggerSql } from '../sql/trigger-sql.ts'
import { createViewSql, dropViewSql } from '../sql/view-sql.ts'
import { castChangesValues } from './migration-lint.ts'
import { partitionKeyChangeSql } from './partition-change-sql.ts'

/** How a plan renders index changes on tables that already exist. */
export interface ChangeSqlOptions {
  /** `CREATE/DROP INDEX CONCURRENTLY`: only in a migration that runs without a transaction. */
  readonly concurrently: boolean
}

const q = quoteIdent
const list = columnList
const alterTable = (table: string) => `ALTER TABLE ${q(table)}`
const alterColumn = (table: string, column: string) =>
  `${alterTable(table)} ALTER COLUMN ${q(column)}`

/**
 * The SQL statements of one change, each ending with `;`. Guards (`IF [NOT] EXISTS`) are
 * used where PostgreSQL has them; an FK on a table that already holds rows is added
 * `NOT VALID` and validated in a second statement.
 */
export function changeSql(change: SchemaChange, options: ChangeSqlOptions): string[] {
  switch (change.kind) {
    case 'createEnum':
      return [`${createEnumSql(change.enum)};`]
    case 'dropEnum':
      return [`DROP TYPE IF EXISTS ${q(change.enum.name)};`]
    case 'addEnumValue': {
      const { position } = change
      const where = !position
        ? ''
        : 'before' in position
          ? ` BEFORE ${quoteLiteral(position.before)}`
          : ` AFTER ${quoteLiteral(position.after)}`
      return [
        `ALTER TYPE ${q(change.enumName)} ADD VALUE IF NOT EXISTS ${quoteLiteral(change.value)}${where};`,
      ]
    }
    case 'renameEnumValue':
      return [
        `ALTER TYPE ${q(change.enumName)} RENAME VALUE ${quoteLiteral(change.from)} TO ${quoteLiteral(change.to)};`,
      ]
    case 'recreateEnum': {
      const old = `${change.to.name.slice(0, 50)}_fluentorm_old`
      return [
        `ALTER TYPE ${q(change.to.name)} RENAME TO ${q(old)};`,
        `CREATE TYPE ${q(change.to.name)} AS ENUM (${change.to.values.map(quoteLiteral).join(', ')});`,
        ...change.columns.flatMap(({ table, column }) =>
          retypeColumnSql(table, column, column, true),
        ),
        `DROP TYPE ${q(old)};`,
      ]
    }
    case 'createView':
      return [
        `${createViewSql(change.table, false)};`,
        ...change.table.indexes.map((index) => createIndexSql(change.table.name, index, false)),
      ]
    case 'dropView':
      return [`${dropViewSql(change.table)};`]
    case 'createFunction':
      return [`${createFunctionSql(change.function, change.orReplace)};`]
    case 'dropFunction':
      return [`${dropFunctionSql(change.function)};`]
    case 'createTrigger':
      return [`${createTriggerSql(change.table, change.trigger)};`]
    case 'dropTrigger':
      return [`${dropTriggerSql(change.table, change.trigger)};`]
    case 'createDomain':
      return [`${createDomainSql(change.domain)};`]
    case 'dropDomain':
      return [`${dropDomainSql(change.domain)};`]
    case 'alterDomain':
      return alterDomainSql(change.from, change.to).map((statement) => `${statement};`)
    case 'createTable':
      return [`${createTableSql(change.table)};`]
    case 'dropTable':
      return [`DROP TABLE IF EXISTS ${q(change.table.name)};`]
    case 'renameTable':
      return [`${alterTable(change.from)} RENAME TO ${q(change.to)};`]
    case 'addColumn':
      return [`${alterTable(change.table)} ADD COLUMN IF NOT EXISTS ${columnSql(change.column)};`]
    case 'dropColumn':
      return [`${alterTable(change.table)} DROP COLUMN IF EXISTS ${q(change.column.name)};`]
    case 'replaceColumn': {
      const { drop, add } = replaceColumnSql(change)
      return [drop, add]
    }
    case 'dropExpression':
      return [`${alterColumn(change.table, change.column)} DROP EXPRESSION IF EXISTS;`]
    case 'renameColumn':
      return [`${alterTable(change.table)} RENAME COLUMN ${q(change.from)} TO ${q(change.to)};`]
    case 'alterColumnType': {
      const throughText = change.from.type === 'enum' || change.to.type === 'enum'
      return retypeColumnSql(change.table, change.from, change.to, throughText)
    }
    case 'setNotNull':
      return [`${alterColumn(change.table, change.column)} SET NOT NULL;`]
    case 'dropNotNull':
      return [`${alterColumn(change.table, change.column)} DROP NOT NULL;`]
    case 'setDefault':
      return [`${alterColumn(change.table, change.column)} SET DEFAULT ${change.defaultSql};`]
    case 'dropDefault':
      return [`${alterColumn(change.table, change.column)} DROP DEFAULT;`]
    case 'addIdentity':
      // The identity's sequence starts at 1 whatever the rows hold: moved past their largest
      // key, else the next insert collides with it (an empty table keeps 1).
      return [
        `${alterColumn(change.table, change.column)} ADD GENERATED ${change.generation} AS IDENTITY;`,
        `SELECT setval(pg_get_serial_sequence(${quoteLiteral(q(change.table))}, ${quoteLiteral(change.column)}), max(${q(change.column)})) FROM ${q(change.table)} HAVING max(${q(change.column)}) > 0;`,
      ]
    case 'setIdentityGeneration':
      return [`${alterColumn(change.table, change.column)} SET GENERATED ${change.generation};`]
    case 'dropIdentity':
      return [`${alterColumn(change.table, change.column)} DROP IDENTITY IF EXISTS;`]
    case 'addPrimaryKey':
      return [
        `${alterTable(change.table)} ADD CONSTRAINT ${q(change.name)} PRIMARY KEY (${list(change.columns)});`,
      ]
    case 'addUnique':
      return [
        `${alterTable(change.table)} ADD CONSTRAINT ${q(change.name)} UNIQUE (${list(change.columns)});`,
      ]
    case 'dropPrimaryKey':
    case 'dropUnique':
      return [`${alterTable(change.table)} DROP CONSTRAINT IF EXISTS ${q(change.name)};`]
    case 'renameConstraint':
      return [`${alterTable(change.table)} RENAME CONSTRAINT ${q(change.from)} TO ${q(change.to)};`]
    case 'addCheck':
      return [
        `${alterTable(change.table)} ADD CONSTRAINT ${q(change.check.name)} CHECK (${change.check.expression});`,
      ]
    case 'dropCheck':
      return [`${alterTable(change.table)} DROP CONSTRAINT IF EXISTS ${q(change.check.name)};`]
    case 'addIndex':
      return [createIndexSql(change.table, change.index, options.concurrently && !change.newTable)]
    case 'dropIndex':
      return [
        `DROP INDEX ${options.concurrently ? 'CONCURRENTLY ' : ''}IF EXISTS ${q(change.index.name)};`,
      ]
    case 'addForeignKey': {
      if (change.newTable) return [`${foreignKeySql(change.table, change.fk)};`]
      return [
        `${foreignKeySql(change.table, change.fk)} NOT VALID;`,
        `${alterTable(change.table)} VALIDATE CONSTRAINT ${q(change.fk.constraintName)};`,
      ]
    }
    case 'dropForeignKey':
      return [
        `${alterTable(change.table)} DROP CONSTRAINT IF EXISTS ${q(change.fk.constraintName)};`,
      ]
    case 'alterForeignKeyDeferrable':
      return [
        `${alterTable(change.table)} ALTER CONSTRAINT ${q(change.fk.constraintName)} ${deferrabilitySql(change.fk.deferrable)};`,
      ]
    case 'createPartition':
      return [`${createPartitionSql(change.table, change.partition, false)};`]
    case 'dropPartition':
      return dropPartitionSql(change.table, change.partition).map((statement) => `${statement};`)
    case 'renamePartition':
      return [`${alterTable(change.from)} RENAME TO ${q(change.to)};`]
    case 'changePartitionKey':
      return [partitionKeyChangeSql(change.table, change.from, change.to)]
  }
}

/**
 * A replaced column's two statements, which the plan runs apart: the drop before the column
 * changes, the add after the retypes (the new column may use a retyped one).
 */
export function replaceColumnSql(change: Extract<SchemaChange, { kind: 'replaceColumn' }>): {
  readonly drop: string
  readonly add: string
} {
  return {
    // Under its new name: a rename in the same migration runs first.
    drop: `${alterTable(change.table)} DROP COLUMN IF EXISTS ${q(change.to.name)};`,
    add: `${alterTable(change.table)} ADD COLUMN ${columnSql(change.to)};`,
  }
}

/**
 * A plain `ALTER TABLE … ADD CONSTRAINT … FOREIGN KEY` (the per-table files' DO-block guard
 * is not needed: a migration runs once, and on existing tables it gets `NOT VALID`).
 */
function foreignKeySql(table: string, fk: BelongsToIR): string {
  return (
    `${alterTable(table)} ADD CONSTRAINT ${q(fk.constraintName)} FOREIGN KEY (${q(fk.column)}) ` +
    `REFERENCES ${q(fk.referencesTable)} (${q(fk.referencesColumn)}) ` +
    `ON DELETE ${fk.onDelete.toUpperCase()} ON UPDATE ${fk.onUpdate.toUpperCase()}${deferrableSql(fk)}`
  )
}

/**
 * `ALTER COLUMN … TYPE … USING col::type`, with the default dropped first and restored
 * after (an old default often cannot be cast). Enums cast through text. A cast that would cut
 * or round values silently (castChangesValues) is preceded by a check of every row: a value
 * that does not come back the same from the new type stops the migration before anything
 * changes (the message names the column, never a value).
 */
function retypeColumnSql(
  table: string,
  from: ColumnIR,
  to: ColumnIR,
  throughText: boolean,
): string[] {
  const via = throughText ? (to.array ? '::text[]' : '::text') : ''
  const using = `${q(to.name)}${via}::${to.sqlType}`
  return [
    ...(throughText || !castChangesValues(from, to) ? [] : [unchangedValuesCheck(table, from, to)]),
    ...(from.defaultSql === null ? [] : [`${alterColumn(table, to.name)} DROP DEFAULT;`]),
    `${alterColumn(table, to.name)} TYPE ${to.sqlType} USING ${using};`,
    ...(to.defaultSql === null
      ? []
      : [`${alterColumn(table, to.name)} SET DEFAULT ${to.defaultSql};`]),
  ]
}

/** A DO block that stops the migration when a value of `from` would change in `to`'s type. */
function unchangedValuesCheck(table: string, from: ColumnIR, to: ColumnIR): string {
  const column = q(to.name)
  const message =
    `fluentorm: ${table}.${to.name} holds values that ${to.sqlType} would cut or round; ` +
    'the migration stopped before changing anything. Change those rows first (an UPDATE ' +
    'before this statement in the migration), or delete this check to accept the change.'
  const body =
    `IF EXISTS (SELECT FROM ${q(table)} WHERE ${column}::${to.sqlType}::${from.sqlType} IS DISTINCT FROM ${column}) ` +
    `THEN RAISE EXCEPTION ${quoteLiteral(message)}; END IF;`
  let tag = '$fluentorm_check$'
  while (body.includes(tag)) tag = `${tag.slice(0, -1)}_$`
  return `DO ${tag} BEGIN ${body} END ${tag};`
}

/**
 * An index changed in place (the same name, a new definition) in a migration that runs
 * outside a transaction: built under a name of its own first, then the old one dropped and
 * the new one renamed, so the table always has one of them. Dropping first left it with
 * neither when the build failed (a unique index over duplicates). Each statement can run
 * again: a failed build's invalid index is dropped by the runner and built again.
 */
export function rebuildIndexSql(table: string, index: IndexIR): string[] {
  const building = `${index.name.slice(0, 48)}_fluentorm_new`
  return [
    createIndexSql(table, { ...index, name: building }, true),
    `DROP INDEX CONCURRENTLY IF EXISTS ${q(index.name)};`,
    `ALTER INDEX IF EXISTS ${q(building)} RENAME TO ${q(index.name)};`,
  ]
}

/** Like the per-table files' index, plus CONCURRENTLY for a migration that runs outside a transaction. */
function createIndexSql(table: string, index: IndexIR, concurrently: boolean): string {
  return `CREATE ${index.unique ? 'UNIQUE ' : ''}INDEX ${concurrently ? 'CONCURRENTLY ' : ''}IF NOT EXISTS ${q(index.name)} ${indexTargetSql(table, index)};`
}
