import type { BelongsToIR, ColumnIR, IndexIR, TableIR } from '../schema/schema-ir.ts'
import { constrainedForeignKeys } from '../sql/constraint-sql.ts'
import { identityGeneration } from '../sql/create-table-sql.ts'
import type { RenameMap } from './declared-renames.ts'
import type { SchemaChange } from './schema-change.ts'

interface KeyConstraint {
  readonly name: string
  readonly columns: readonly string[]
}

/**
 * The changes inside one table that exists on both sides (possibly renamed). `previous`
 * carries the old names; every column list of `previous` is translated to the new column
 * names before comparing, so a rename alone produces only the rename.
 */
export function diffTable(previous: TableIR, next: TableIR, renames: RenameMap): SchemaChange[] {
  const table = next.name
  const renamed = renames.columns.get(table) ?? new Map<string, string>()
  const oldToNew = new Map([...renamed].map(([to, from]) => [from, to]))
  const newName = (column: string) => oldToNew.get(column) ?? column
  const changes: SchemaChange[] = []

  const previousColumns = new Map(previous.columns.map((c) => [c.name, c]))
  const matched = new Set<string>()
  // Columns dropped and added again: PostgreSQL drops their indexes and constraints with them.
  const replaced = new Set<string>()
  const touches = (columns: readonly string[]) => columns.some((c) => replaced.has(c))
  // PostgreSQL retypes no column a generated column uses: that one is dropped and added again.
  const retyped = next.columns.filter((column) => {
    const old = previousColumns.get(renamed.get(column.name) ?? column.name)
    return old !== undefined && !mustReplace(old, column) && old.sqlType !== column.sqlType
  })
  const usesRetyped = (column: ColumnIR) =>
    column.generatedSql !== undefined && retyped.some((r) => mentions(column.generatedSql!, r.name))
  for (const column of next.columns) {
    const oldName = renamed.get(column.name) ?? column.name
    const old = previousColumns.get(oldName)
    if (!old) {
      changes.push({ kind: 'addColumn', table, column })
      continue
    }
    matched.add(oldName)
    if (oldName !== column.name) {
      changes.push({ kind: 'renameColumn', table, from: oldName, to: column.name })
    }
    if (mustReplace(old, column) || usesRetyped(column)) {
      changes.push({ kind: 'replaceColumn', table, from: old, to: column })
      replaced.add(column.name)
    } else changes.push(...diffColumn(table, old, column))
  }
  for (const column of previous.columns) {
    if (!matched.has(column.name)) changes.push({ kind: 'dropColumn', table, column })
  }

  // An added column brings its inline UNIQUE / PRIMARY KEY; a dropped one takes its keys along.
  const added = new Set(changes.flatMap((c) => (c.kind === 'addColumn' ? [c.column.name] : [])))
  const dropped = new Set(changes.flatMap((c) => (c.kind === 'dropColumn' ? [c.column.name] : [])))
  const keyChanges = [
    ...diffKeys(
      table,
      'PrimaryKey',
      primaryKeyOf(previous, newName),
      primaryKeyOf(next, (c) => c),
    ),
    ...diffKeys(
      table,
      'Unique',
      uniquesOf(previous, newName),
      uniquesOf(next, (c) => c),
    ),
  ].filter((c) => {
    if (c.kind === 'addUnique' || c.kind === 'addPrimaryKey') {
      return !(
        c.columns.length === 1 &&
        added.has(c.columns[0]!) &&
        isInlineKey(next, c.columns[0]!)
      )
    }
    if (c.kind === 'dropUnique' || c.kind === 'dropPrimaryKey')
      return !c.columns.some((col) => dropped.has(col))
    return true
  })
  changes.push(...keyChanges)
  for (const unique of next.uniques) {
    const kept = !keyChanges.some((c) => 'name' in c && c.name === unique.name)
    if (kept && touches(unique.columns)) {
      const { name, columns } = unique
      changes.push({ kind: 'dropUnique', table, name, columns })
      changes.push({ kind: 'addUnique', table, name, columns })
    }
  }

  const previousChecks = new Map(previous.checks.map((c) => [c.name, c]))
  const nextChecks = new Map(next.checks.map((c) => [c.name, c]))
  const checkTouched = (expression: string) => [...replaced].some((c) => mentions(expression, c))
  for (const check of previous.checks) {
    const same = nextChecks.get(check.name)?.expression === check.expression
    if (!same || checkTouched(check.expression)) changes.push({ kind: 'dropCheck', table, check })
  }
  for (const check of next.checks) {
    const same = previousChecks.get(check.name)?.expression === check.expression
    if (!same || checkTouched(check.expression)) changes.push({ kind: 'addCheck', table, check })
  }

  // An index over a replaced column, in a key, an INCLUDE or an expression, was dropped with it.
  const indexTouched = (i: IndexIR, rename: (c: string) => string) =>
    touches([...i.columns, ...(i.include ?? [])].map(rename)) ||
    (i.keys ?? []).some((k) => k.expression !== undefined && checkTouched(k.expression))
  const previousIndexes = new Map(previous.indexes.map((i) => [i.name, indexKey(i, newName)]))
  const nextIndexes = new Map(next.indexes.map((i) => [i.name, indexKey(i, (c) => c)]))
  for (const index of previous.indexes) {
    const same = nextIndexes.get(index.name) === previousIndexes.get(index.name)
    if (!same || indexTouched(index, newName)) {
      changes.push({ kind: 'dropIndex', table, index, newTable: false })
    }
  }
  for (const index of next.indexes) {
    const same = previousIndexes.get(index.name) === nextIndexes.get(index.name)
    if (!same || indexTouched(index, (c) => c)) {
      changes.push({ kind: 'addIndex', table, index, newTable: false })
    }
  }

  // Deferrability is left out: PostgreSQL alters it in place (ALTER CONSTRAINT).
  const fkKey = (
    fk: BelongsToIR,
    rename: (c: string) => string,
    renameTable: (t: string) => string,
  ) =>
    JSON.stringify([
      rename(fk.column),
      renameTable(fk.referencesTable),
      fk.referencesColumn,
      fk.onDelete,
      fk.onUpdate,
    ])
  const tableOldToNew = new Map([...renames.tables].map(([to, from]) => [from, to]))
  const previousFks = new Map(
    foreignKeysOf(previous).map((fk) => [
      fk.constraintName,
      fkKey(fk, newName, (t) => tableOldToNew.get(t) ?? t),
    ]),
  )
  const nextFks = new Map(
    foreignKeysOf(next).map((fk) => [
      fk.constraintName,
      fkKey(
        fk,
        (c) => c,
        (t) => t,
      ),
    ]),
  )
  for (const fk of foreignKeysOf(previous)) {
    const same = nextFks.get(fk.constraintName) === previousFks.get(fk.constraintName)
    if (!same || touches([newName(fk.column)])) {
      changes.push({ kind: 'dropForeignKey', table, fk, newTable: false })
    }
  }
  const previousDeferrable = new Map(
    foreignKeysOf(previous).map((fk) => [fk.constraintName, fk.deferrable]),
  )
  for (const fk of foreignKeysOf(next)) {
    const same = previousFks.get(fk.constraintName) === nextFks.get(fk.constraintName)
    if (!same || touches([fk.column])) {
      changes.push({ kind: 'addForeignKey', table, fk, newTable: false })
      continue
    }
    const from = previousDeferrable.get(fk.constraintName)
    if (from !== fk.deferrable) {
      changes.push({
        kind: 'alterForeignKeyDeferrable',
        table,
        fk,
        ...(from === undefined ? {} : { from }),
      })
    }
  }
  return changes
}

/**
 * PostgreSQL cannot change a generated column's expression, make a column generated, or
 * retype a generated one: the column is dropped and added again.
 */
function mustReplace(old: ColumnIR, column: ColumnIR): boolean {
  if (column.generatedSql === undefined) return false
  return old.generatedSql !== column.generatedSql || old.sqlType !== column.sqlType
}

/** Whether SQL text names the column (as a word, or quoted): what holds it must be made again. */
export function mentions(expression: string, column: string): boolean {
  const escaped = column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  // Case-insensitive: an unquoted name folds to lower case; a false match only re-makes the check.
  const word = `(^|[^\\w$"])${escaped}($|[^\\w$"])|"${escaped.replaceAll('"', '""')}"`
  return new RegExp(word, 'i').test(expression)
}

function diffColumn(table: string, old: ColumnIR, column: ColumnIR): SchemaChange[] {
  const changes: SchemaChange[] = []
  const name = column.name
  // Generated → plain keeps the values; what else changed (a default) follows.
  if (old.generatedSql !== undefined && column.generatedSql === undefined)
    changes.push({ kind: 'dropExpression', table, column: name })
  const typeChanged = old.sqlType !== column.sqlType
  if (typeChanged) changes.push({ kind: 'alterColumnType', table, from: old, to: column })
  if (old.nullable && !column.nullable) changes.push({ kind: 'setNotNull', table, column: name })
  if (!old.nullable && column.nullable) changes.push({ kind: 'dropNotNull', table, column: name })
  // A type change drops and restores the default itself: the old default may not cast.
  if (!typeChanged && old.defaultSql !== column.defaultSql) {
    changes.push(
      column.defaultSql === null
        ? { kind: 'dropDefault', table, column: name }
        : { kind: 'setDefault', table, column: name, defaultSql: column.defaultSql },
    )
  }
  const generation = identityGeneration(column)
  if (old.identity !== column.identity) {
    changes.push(
      column.identity
        ? { kind: 'addIdentity', table, column: name, generation }
        : { kind: 'dropIdentity', table, column: name },
    )
  } else if (column.identity && identityGeneration(old) !== generation) {
    changes.push({ kind: 'setIdentityGeneration', table, column: name, generation })
  }
  return changes
}

/**
 * Matches key constraints by name, then by columns: PostgreSQL keeps `users_pkey` and
 * `users_email_key` when the table or column is renamed, so those become renames.
 */
function diffKeys(
  table: string,
  kind: 'PrimaryKey' | 'Unique',
  previous: readonly KeyConstraint[],
  next: readonly KeyConstraint[],
): SchemaChange[] {
  const same = (a: KeyConstraint, b: KeyConstraint) => a.columns.join(',') === b.columns.join(',')
  const changes: SchemaChange[] = []
  const unmatchedPrevious = [...previous]
  const added: KeyConstraint[] = []
  for (const key of next) {
    const byName = unmatchedPrevious.findIndex((p) => p.name === key.name)
    if (byName >= 0 && same(unmatchedPrevious[byName]!, key)) {
      unmatchedPrevious.splice(byName, 1)
      continue
    }
    const byColumns = unmatchedPrevious.findIndex((p) => p.name !== key.name && same(p, key))
    if (byColumns >= 0) {
      const [old] = unmatchedPrevious.splice(byColumns, 1)
      changes.push({ kind: 'renameConstraint', table, from: old!.name, to: key.name })
      continue
    }
    added.push(key)
  }
  for (const key of unmatchedPrevious) changes.push({ kind: `drop${kind}`, table, ...key })
  for (const key of added) changes.push({ kind: `add${kind}`, table, ...key })
  return changes
}

function isInlineKey(table: TableIR, name: string): boolean {
  const column = table.columns.find((c) => c.name === name)
  return column !== undefined && (column.unique || column.primaryKey)
}

function primaryKeyOf(table: TableIR, rename: (c: string) => string): KeyConstraint[] {
  if (table.primaryKey.length === 0) return []
  return [{ name: `${table.name}_pkey`, columns: table.primaryKey.map(rename) }]
}

/** Column-level UNIQUE gets PostgreSQL's own name, `<table>_<column>_key`. */
function uniquesOf(table: TableIR, rename: (c: string) => string): KeyConstraint[] {
  return [
    ...table.columns
      .filter((c) => c.unique && !(c.primaryKey && table.primaryKey.length === 1))
      .map((c) => ({ name: `${table.name}_${c.name}_key`, columns: [rename(c.name)] })),
    ...table.uniques.map((u) => ({ name: u.name, columns: u.columns.map(rename) })),
  ]
}

/** The FOREIGN KEY constraints of a table: a belongsTo with `constraint: false` has none. */
export const foreignKeysOf = constrainedForeignKeys

/** What makes an index the same index, its columns under their new names. */
export function indexKey(i: IndexIR, rename: (c: string) => string = (c) => c): string {
  return JSON.stringify([
    i.columns.map(rename),
    i.unique,
    i.where,
    i.method,
    // Fields, not objects: a snapshot stores every object's keys sorted. Absent in an older
    // snapshot reads as absent.
    (i.keys ?? []).map((k) => [
      k.column === undefined ? null : rename(k.column),
      k.expression ?? null,
      k.opclass ?? null,
      k.order ?? null,
      k.nulls ?? null,
    ]),
    (i.include ?? []).map(rename),
    Object.entries(i.with ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)),
  ])
}
