import { describeKey } from '../diff/partition-diff.ts'
import type { SchemaChange } from '../diff/schema-change.ts'
import type { ColumnIR, SchemaIR, TableIR } from '../schema/schema-ir.ts'
import { deferrabilitySql } from '../sql/constraint-sql.ts'
import { columnSql } from '../sql/create-table-sql.ts'
import { describeObjectChange } from './object-drift.ts'

/** One way the database differs from the schema it should have. */
export interface DriftDifference {
  /** `column users.phone`, `index idx_posts_user on posts`, `table tags`. */
  readonly object: string
  /** What the snapshot says, as DDL; `(none)` when it has no such object. */
  readonly expected: string
  /** What the database has; `(none)` when it lacks the object. */
  readonly found: string
}

const NONE = '(none)'

/**
 * One change of the diff from the expected schema to the database's, as what differs: the
 * object, and each side as DDL (a column's definition, an index's columns), `(none)` for the
 * side without it.
 */
export function describeChange(
  change: SchemaChange,
  expected: SchemaIR,
  found: SchemaIR,
): DriftDifference[] {
  const table = (schema: SchemaIR, name: string) => schema.tables.find((t) => t.name === name)
  const column = (schema: SchemaIR, t: string, c: string) =>
    table(schema, t)?.columns.find((col) => col.name === c)
  const columnText = (col: ColumnIR | undefined) => (col ? columnSql(col) : NONE)
  const enumText = (schema: SchemaIR, name: string) => {
    const item = [...schema.enums, ...schema.tables.flatMap((t) => t.enums)].find(
      (e) => e.name === name,
    )
    return item ? `ENUM (${item.values.map((v) => `'${v}'`).join(', ')})` : NONE
  }
  const pair = (object: string, before: string, after: string) => [
    { object, expected: before, found: after },
  ]
  switch (change.kind) {
    case 'createTable':
      return pair(`table ${change.table.name}`, NONE, tableText(change.table))
    case 'dropTable':
      return pair(`table ${change.table.name}`, tableText(change.table), NONE)
    case 'addColumn':
    case 'dropColumn':
    case 'replaceColumn':
    case 'alterColumnType':
    case 'dropExpression':
    case 'setNotNull':
    case 'dropNotNull':
    case 'setDefault':
    case 'dropDefault':
    case 'addIdentity':
    case 'setIdentityGeneration':
    case 'dropIdentity': {
      const name =
        'column' in change
          ? typeof change.column === 'string'
            ? change.column
            : change.column.name
          : change.to.name
      return pair(
        `column ${change.table}.${name}`,
        columnText(column(expected, change.table, name)),
        columnText(column(found, change.table, name)),
      )
    }
    case 'addIndex':
    case 'dropIndex': {
      const text = `${change.index.unique ? 'UNIQUE ' : ''}INDEX${change.index.method ? ` USING ${change.index.method}` : ''} (${change.index.columns.join(', ')})${change.index.where ? ` WHERE ${change.index.where}` : ''}`
      const added = change.kind === 'addIndex'
      return pair(
        `index ${change.index.name} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'addPrimaryKey':
    case 'dropPrimaryKey':
    case 'addUnique':
    case 'dropUnique': {
      const primary = change.kind === 'addPrimaryKey' || change.kind === 'dropPrimaryKey'
      const text = `${primary ? 'PRIMARY KEY' : 'UNIQUE'} (${change.columns.join(', ')})`
      const added = change.kind === 'addPrimaryKey' || change.kind === 'addUnique'
      return pair(
        `${primary ? 'primary key' : 'unique constraint'} ${change.name} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'addCheck':
    case 'dropCheck': {
      const text = `CHECK (${change.check.expression})`
      const added = change.kind === 'addCheck'
      return pair(
        `check ${change.check.name} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'addForeignKey':
    case 'dropForeignKey': {
      const fk = change.fk
      const text = `FOREIGN KEY (${fk.column}) REFERENCES ${fk.referencesTable} (${fk.referencesColumn}) ON DELETE ${fk.onDelete} ON UPDATE ${fk.onUpdate}`
      const added = change.kind === 'addForeignKey'
      return pair(
        `foreign key ${fk.constraintName} on ${change.table}`,
        added ? NONE : text,
        added ? text : NONE,
      )
    }
    case 'alterForeignKeyDeferrable':
      return pair(
        `foreign key ${change.fk.constraintName} on ${change.table}`,
        deferrabilitySql(change.from),
        deferrabilitySql(change.fk.deferrable),
      )
    case 'renameConstraint':
      return pair(`constraint ${change.from} on ${change.table}`, change.from, change.to)
    case 'createEnum':
    case 'dropEnum':
      return pair(
        `enum type ${change.enum.name}`,
        enumText(expected, change.enum.name),
        enumText(found, change.enum.name),
      )
    case 'addEnumValue':
    case 'renameEnumValue':
      return pair(
        `enum type ${change.enumName}`,
        enumText(expected, change.enumName),
        enumText(found, change.enumName),
      )
    case 'recreateEnum':
      return pair(
        `enum type ${change.to.name}`,
        enumText(expected, change.from.name),
        enumText(found, change.to.name),
      )
    case 'createView':
      return pair(
        `view ${change.table.name}`,
        viewText(table(expected, change.table.name)),
        viewText(change.table),
      )
    case 'dropView':
      // A view found with another body is told once, by its createView.
      return table(found, change.table.name)?.view === undefined
        ? pair(`view ${change.table.name}`, viewText(change.table), NONE)
        : []
    case 'createPartition':
    case 'dropPartition': {
      // A partition found with another bound is told once, by its createPartition.
      const bound = (schema: SchemaIR) =>
        table(schema, change.table)?.partitionBy?.partitions.find(
          (p) => p.name === change.partition.name,
        )?.bound ?? NONE
      if (change.kind === 'dropPartition' && bound(found) !== NONE) return []
      return pair(
        `partition ${change.partition.name} of ${change.table}`,
        bound(expected),
        bound(found),
      )
    }
    case 'changePartitionKey':
      return pair(
        `partitioning of ${change.table}`,
        describeKey(change.from),
        describeKey(change.to),
      )
    case 'createFunction':
    case 'dropFunction':
    case 'createTrigger':
    case 'dropTrigger':
    case 'createDomain':
    case 'dropDomain':
    case 'alterDomain':
      return describeObjectChange(change, expected, found)
    case 'renameTable':
    case 'renameColumn':
    case 'renamePartition':
      // Only declared renames are diffed, and a database declares none.
      return []
    default: {
      // A kind of change this list does not know yet is still a difference.
      const kind = (change as SchemaChange).kind
      return pair(
        kind.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`),
        'as migrations/ makes it',
        'different',
      )
    }
  }
}

function tableText(table: TableIR): string {
  return `TABLE (${table.columns.map((c) => c.name).join(', ')})`
}

/** `MATERIALIZED VIEW AS SELECT …`, or (none) for a table or nothing. */
function viewText(table: TableIR | undefined): string {
  if (table?.view === undefined) return NONE
  return `${table.view.materialized ? 'MATERIALIZED VIEW' : 'VIEW'} AS ${table.view.sql}`
}
