import { singularTableName } from '../schema/model-name.ts'
import type { ReferentialAction } from '../schema/schema-ir.ts'
import {
  type Context,
  type ForeignKey,
  freeName,
  isKeyOf,
  rawConstraint,
  type Table,
} from './adopt-table.ts'
import type { ColumnBuilder } from './column-builder.ts'
import type { OptionValue, SchemaCall, UnexpressedObject } from './pulled-schema.ts'

const ACTIONS: Readonly<Record<string, ReferentialAction>> = {
  a: 'no action',
  r: 'restrict',
  c: 'cascade',
  n: 'set null',
  d: 'set default',
}

export function expressibleForeignKeys(
  tables: readonly Table[],
  builders: ReadonlyMap<string, ReadonlyMap<string, ColumnBuilder>>,
  unexpressed: UnexpressedObject[],
  schema: string,
): ForeignKey[] {
  const byName = new Map(tables.map((t) => [t.row.name, t]))
  const keys: ForeignKey[] = []
  for (const table of tables) {
    const name = table.row.name
    const taken = new Set(table.columns.map((c) => c.name))
    // A clone PostgreSQL keeps per partition of a referenced partitioned table is the parent's.
    for (const constraint of table.constraints.filter((c) => c.type === 'f' && !c.inherited)) {
      const [column] = constraint.columns
      const [targetColumn] = constraint.references_columns ?? []
      const target =
        constraint.references_table === null ? undefined : byName.get(constraint.references_table)
      const local = table.columns.find((c) => c.name === column)
      const referenced = target?.columns.find((c) => c.name === targetColumn)
      const reason =
        constraint.columns.length !== 1
          ? 'it is over several columns (belongsTo takes one)'
          : !constraint.validated
            ? 'it is NOT VALID'
            : / MATCH FULL| SET (NULL|DEFAULT) \(/.test(constraint.definition)
              ? 'it uses MATCH FULL or a column list in its action'
              : constraint.references_schema !== null && constraint.references_schema !== schema
                ? `it references ${constraint.references_schema}.${constraint.references_table}, a table of another schema, which pull does not adopt: on an empty database, make that schema and table before migrate`
                : target === undefined
                  ? `it references ${constraint.references_table}, which is not a schema file's table`
                  : column === undefined ||
                      !builders.get(name)?.has(column) ||
                      !builders.get(target.row.name)?.has(targetColumn ?? '')
                    ? 'its column is written in SQL'
                    : local?.type !== referenced?.type
                      ? `its column is ${local?.type} but the referenced column is ${referenced?.type}`
                      : constraint.on_delete === 'n' && local?.not_null
                        ? 'ON DELETE SET NULL on a NOT NULL column'
                        : !isKeyOf(target, targetColumn ?? '')
                          ? `${target.row.name}.${targetColumn} is neither its primary key nor unique`
                          : null
      if (
        reason !== null ||
        column === undefined ||
        target === undefined ||
        targetColumn === undefined
      ) {
        unexpressed.push(
          rawConstraint(name, constraint, reason ?? 'it cannot be written as belongsTo'),
        )
        continue
      }
      // author_id → author; a key not named <x>_id: the target's singular, else <column>_ref.
      const singular = singularTableName(target.row.name)
      const base =
        column.endsWith('_id') && column.length > 3
          ? column.slice(0, -3)
          : taken.has(singular)
            ? `${column}_ref`
            : singular
      const relation = freeName(base, taken)
      keys.push({
        table: name,
        constraint,
        column,
        name: relation,
        target: target.row.name,
        targetColumn,
        unique: isKeyOf(table, column),
        nullable: local?.not_null !== true,
        position: local?.position ?? 0,
      })
    }
  }
  return keys
}
/**
 * Referenced tables first, ties by name. A cycle is broken at a table whose FKs still
 * pointing ahead are nullable (else at the first by name), as generate breaks it: that FK
 * is added in the later table's file.
 */
export function foreignKeyOrder(
  names: readonly string[],
  keys: readonly ForeignKey[],
): { readonly order: string[]; readonly cyclic: ForeignKey[] } {
  const pending = [...names].sort()
  const placed = new Set<string>()
  const order: string[] = []
  const cyclic: ForeignKey[] = []
  const ahead = (name: string) =>
    keys.filter((k) => k.table === name && k.target !== name && !placed.has(k.target))
  while (pending.length > 0) {
    const ready = pending.findIndex((name) => ahead(name).length === 0)
    const breaks = pending.findIndex((name) => ahead(name).every((k) => k.nullable))
    const [next] = pending.splice(ready !== -1 ? ready : breaks !== -1 ? breaks : 0, 1)
    if (next === undefined) break
    // A cycle of NOT NULL FKs, which the DSL refuses: these FKs are left to the SQL migration.
    if (ready === -1 && breaks === -1) cyclic.push(...ahead(next).filter((k) => !k.nullable))
    placed.add(next)
    order.push(next)
  }
  return { order, cyclic }
}

const TIMESTAMP_COLUMNS = new Set(['created_at', 'updated_at'])

export function isJunction(table: Table, keys: readonly ForeignKey[]): boolean {
  const own = keys.filter((k) => k.table === table.row.name)
  const keyColumns = table.primaryKey?.columns ?? []
  return (
    own.length === 2 &&
    keyColumns.length === 2 &&
    own.every((k) => keyColumns.includes(k.column)) &&
    table.columns.every((c) => keyColumns.includes(c.name) || TIMESTAMP_COLUMNS.has(c.name)) &&
    table.constraints.every((c) => c.type === 'p' || c.type === 'f')
  )
}
/** A belongsTo per FK of the table, keeping the database's constraint name. */
export function belongsToCalls(
  name: string,
  ownKeys: readonly ForeignKey[],
  context: Context,
): SchemaCall[] {
  const calls: SchemaCall[] = []
  for (const key of ownKeys) {
    const options: Record<string, OptionValue> = {
      name: key.name,
      column: key.column,
      referencesTable: key.target,
    }
    if (context.soleKeys.get(key.target) !== key.targetColumn)
      options.referencesColumn = key.targetColumn
    if (key.constraint.on_delete !== 'a')
      options.onDelete = ACTIONS[key.constraint.on_delete] ?? 'no action'
    if (key.constraint.on_update !== 'a')
      options.onUpdate = ACTIONS[key.constraint.on_update] ?? 'no action'
    if (key.constraint.name !== `fk_${name}_${key.name}`)
      options.constraintName = key.constraint.name
    if (key.constraint.deferrable)
      options.deferrable = key.constraint.deferred ? 'deferred' : 'immediate'
    calls.push({ method: 'belongsTo', args: [options] })
  }
  return calls
}

/**
 * The other side of each FK: hasMany (hasOne when the FK column is unique) on the referenced
 * table, and manyToMany through each pure junction table (two FKs that are its primary key,
 * and nothing else but timestamps).
 */
export function inverseRelations(
  table: Table,
  keys: readonly ForeignKey[],
  context: Context,
): SchemaCall[] {
  const { soleKeys } = context
  const name = table.row.name
  const taken = new Set([
    ...table.columns.map((c) => c.name),
    ...keys.filter((k) => k.table === name).map((k) => k.name),
  ])
  const calls: SchemaCall[] = []
  for (const key of keys.filter((k) => k.target === name)) {
    const junction = context.junctions.has(key.table)
      ? (keys.find((k) => k.table === key.table && k !== key) ?? null)
      : null
    if (junction !== null) {
      const other = junction
      const through = key.table
      const options: Record<string, OptionValue> = {
        name: freeName(
          other.target === name ? `${other.name}_${other.target}` : other.target,
          taken,
        ),
        targetTable: other.target,
      }
      if (through !== [name, other.target].sort().join('_')) options.through = through
      if (key.column !== `${singularTableName(name)}_id`) options.throughLocalColumn = key.column
      if (other.column !== `${singularTableName(other.target)}_id`)
        options.throughForeignColumn = other.column
      if (key.targetColumn !== soleKeys.get(name)) options.localColumn = key.targetColumn
      if (other.targetColumn !== soleKeys.get(other.target))
        options.targetColumn = other.targetColumn
      calls.push({ method: 'manyToMany', args: [options] })
      continue
    }
    const several = keys.filter((k) => k.table === key.table && k.target === name).length > 1
    const base = key.unique ? singularTableName(key.table) : key.table
    const relationName = freeName(
      several || key.table === name ? `${base}_as_${key.name}` : base,
      taken,
    )
    const options: Record<string, OptionValue> = {
      name: relationName,
      foreignTable: key.table,
      foreignColumn: key.column,
    }
    if (key.targetColumn !== soleKeys.get(name)) options.localColumn = key.targetColumn
    calls.push({ method: key.unique ? 'hasOne' : 'hasMany', args: [options] })
  }
  return calls
}
