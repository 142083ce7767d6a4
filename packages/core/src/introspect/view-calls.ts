import { expressionText } from '../schema/expression-text.ts'
import { namesWord } from '../sql/view-sql.ts'
import { rawIndex, type Table } from './adopt-table.ts'
import type { DatabaseCatalog, EnumRow } from './catalog-queries.ts'
import { type ColumnBuilder, columnBuilder } from './column-builder.ts'
import { indexEntry } from './index-calls.ts'
import {
  type OptionValue,
  type SchemaCall,
  SqlText,
  type UnexpressedObject,
} from './pulled-schema.ts'
import { stripSchema } from './unexpressed-sql.ts'

/** A view of the database written as a schema file: `t.view({ as })`, its columns, its indexes. */
export interface PulledView {
  readonly name: string
  readonly calls: SchemaCall[]
  /** `view post_stats`, `materialized view post_totals`: left out of the hand-written migration. */
  readonly object: string
}

/**
 * The views the DSL can express, in the catalog's order (a view after the views it reads). A
 * view stays in the hand-written migration when a column's type has no builder, or when its
 * body names something made or altered only by that migration (a table or column written in
 * SQL, a column it retypes, a function over a table's row type, a view left there), which the
 * schema's migration, run before it, could not find or would be refused under the view. Names are matched as words: a false match keeps a view in SQL,
 * never breaks the migration. Columns read as PostgreSQL has them: nullable (a view's columns
 * are never NOT NULL in the catalog), no key (findById needs one declared by hand).
 */
export function adoptViews(
  catalog: DatabaseCatalog,
  enums: ReadonlyMap<string, EnumRow>,
  unexpressed: UnexpressedObject[],
  /** Filled with why each view left in SQL is (`view name` → reason). */
  reasons: Map<string, string> = new Map(),
): PulledView[] {
  const inSql = unexpressed.flatMap((item) =>
    ['table', 'column', 'column-fix', 'table-function'].includes(item.stage)
      ? [sqlNames(item.object)]
      : [],
  )
  const views: PulledView[] = []
  for (const row of catalog.tables) {
    if (row.view_definition === null) continue
    const materialized = row.relkind === 'm'
    const object = `${materialized ? 'materialized view' : 'view'} ${row.name}`
    const body = stripSchema(row.view_definition.trim(), catalog.schema).replace(/;\s*$/, '')
    const columns = catalog.columns.filter((c) => c.table_oid === row.oid)
    const builders = new Map<string, ColumnBuilder>()
    for (const column of columns) {
      const builder = columnBuilder(row.name, column, enums, catalog.schema)
      if (!('unsupported' in builder)) builders.set(column.name, builder)
    }
    const unsupported = columns.find((column) => !builders.has(column.name))
    const defaulted = columns.find((column) => column.default_sql !== null)
    const follows = inSql.find((names) => names.every((name) => namesWord(body, name)))
    const reason =
      unsupported !== undefined
        ? `its column ${unsupported.name}: ${(columnBuilder(row.name, unsupported, enums, catalog.schema) as { unsupported: string }).unsupported}`
        : !expressionText(body, 'view body').ok
          ? 'its body is not one SELECT the schema DSL can hold'
          : (row.view_options ?? []).length > 0
            ? `its options (${row.view_options!.join(', ')}) are not part of the schema DSL`
            : defaulted !== undefined
              ? `its column ${defaulted.name} has a default (ALTER VIEW … SET DEFAULT), which the schema DSL does not declare`
              : follows !== undefined
                ? `it reads ${follows.join('.')}, which the hand-written migration makes or alters, so it is made after it, in SQL`
                : undefined
    if (reason !== undefined) {
      reasons.set(object, reason)
      inSql.push([row.name])
      continue
    }
    const view: OptionValue = { as: new SqlText(body), ...(materialized ? { materialized } : {}) }
    const calls: SchemaCall[] = [{ method: 'view', args: [view] }]
    for (const column of columns) {
      const builder = builders.get(column.name) as ColumnBuilder
      const options = { name: column.name, ...(column.not_null ? {} : { nullable: true }) }
      calls.push({ method: builder.method, args: [{ ...options, ...builder.options }] })
    }
    const table: Table = {
      row,
      columns,
      constraints: [],
      indexes: catalog.indexes.filter((i) => i.table_oid === row.oid),
      primaryKey: undefined,
    }
    const indexes: Record<string, OptionValue>[] = []
    for (const index of table.indexes) {
      const pulled = indexEntry(table, index, catalog.schema, builders)
      // A view's index the DSL cannot write is made by hand after the view (the rest migration).
      if ('reason' in pulled) unexpressed.push(rawIndex(catalog.schema, index, pulled.reason))
      else indexes.push(pulled.entry)
    }
    if (indexes.length > 0) calls.push({ method: 'addIndexes', args: [indexes] })
    views.push({ name: row.name, calls, object })
  }
  return views
}

/**
 * The names a body must all name to use an unexpressed object: `table x` → x, `column t.c` →
 * t and c, `function f(t tickets)` → f.
 */
function sqlNames(object: string): string[] {
  const name = object.slice(object.indexOf(' ') + 1)
  const paren = name.indexOf('(')
  return (paren === -1 ? name : name.slice(0, paren)).split('.')
}
