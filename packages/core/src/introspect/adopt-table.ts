import { quoteIdent } from '../sql/identifier.ts'
import type { ColumnRow, ConstraintRow, IndexRow, TableRow } from './catalog-queries.ts'
import type { UnexpressedObject } from './pulled-schema.ts'
import { stripSchema } from './unexpressed-sql.ts'

/** One table of the catalog with its own rows. */
export interface Table {
  readonly row: TableRow
  readonly columns: readonly ColumnRow[]
  readonly constraints: readonly ConstraintRow[]
  readonly indexes: readonly IndexRow[]
  readonly primaryKey: ConstraintRow | undefined
}
export interface ForeignKey {
  readonly table: string
  readonly constraint: ConstraintRow
  readonly column: string
  readonly name: string
  readonly target: string
  readonly targetColumn: string
  readonly unique: boolean
  readonly nullable: boolean
  readonly position: number
}
export interface Context {
  readonly schema: string
  /** Each table's single-column primary key. */
  readonly soleKeys: ReadonlyMap<string, string>
  readonly junctions: ReadonlySet<string>
}
export function rawConstraint(
  table: string,
  constraint: ConstraintRow,
  reason: string,
): UnexpressedObject {
  return {
    stage: constraint.type === 'f' ? 'foreign-key' : 'constraint',
    object: `constraint ${constraint.name} on ${table}`,
    reason,
    sql: `ALTER TABLE ${quoteIdent(table)} ADD CONSTRAINT ${quoteIdent(constraint.name)} ${constraint.definition}`,
  }
}

export function rawIndex(schema: string, index: IndexRow, reason: string): UnexpressedObject {
  return {
    stage: 'index',
    object: `index ${index.name}`,
    reason,
    sql: stripSchema(index.definition, schema),
  }
}
export function isKeyOf(table: Table, column: string): boolean {
  const single = (c: ConstraintRow) => c.columns.length === 1 && c.columns[0] === column
  return (
    table.constraints.some((c) => (c.type === 'p' || c.type === 'u') && single(c)) ||
    table.indexes.some(
      (i) =>
        i.unique &&
        i.predicate === null &&
        !i.has_expressions &&
        i.columns.length === 1 &&
        i.columns[0] === column,
    )
  )
}

export function freeName(base: string, taken: Set<string>): string {
  let name = base
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`
  taken.add(name)
  return name
}
