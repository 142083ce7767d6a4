/**
 * The Drizzle schema module for the same tables as a compiled fluentorm schema: one
 * `pgTable` per table with the same columns, keys and defaults, and a `relations` for each
 * belongsTo, as a Drizzle user would write it by hand (section (l) bundles and starts both).
 */
import type { ColumnIR, SchemaIR, TableIR } from '@fluentorm/core'

const BUILDERS: Record<string, (name: string) => string> = {
  uuid: (name) => `uuid('${name}')`,
  text: (name) => `text('${name}')`,
  integer: (name) => `integer('${name}')`,
  bigint: (name) => `bigint('${name}', { mode: 'number' })`,
  boolean: (name) => `boolean('${name}')`,
  jsonb: (name) => `jsonb('${name}')`,
  timestamptz: (name) => `timestamp('${name}', { withTimezone: true })`,
}

function columnSource(column: ColumnIR, table: TableIR): string {
  const builder = BUILDERS[column.type]
  if (!builder)
    throw new Error(
      `drizzle schema: no Drizzle builder for ${table.name}.${column.name} (${column.type})`,
    )
  let source = builder(column.name)
  if (column.primaryKey) source += '.primaryKey()'
  if (!column.nullable && !column.primaryKey) source += '.notNull()'
  if (column.unique) source += '.unique()'
  if (column.defaultSql !== null) source += `.default(sql\`${column.defaultSql}\`)`
  return `  ${column.name}: ${source},`
}

export function drizzleSchemaSource(schema: SchemaIR): string {
  const lines = [
    "import { relations, sql } from 'drizzle-orm'",
    "import { bigint, boolean, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core'",
    '',
  ]
  for (const table of schema.tables) {
    const indexes = table.indexes.map(
      (ix) => `index('${ix.name}').on(${ix.columns.map((c) => `t.${c}`).join(', ')})`,
    )
    lines.push(
      `export const ${table.name} = pgTable('${table.name}', {`,
      ...table.columns.map((column) => columnSource(column, table)),
      `}, (t) => [${indexes.join(', ')}])`,
    )
    const belongsTo = table.relations.filter((r) => r.kind === 'belongsTo')
    if (belongsTo.length) {
      lines.push(
        `export const ${table.name}Relations = relations(${table.name}, ({ one }) => ({`,
        ...belongsTo.map(
          (r) =>
            `  ${r.name}: one(${r.referencesTable}, { fields: [${table.name}.${r.column}], references: [${r.referencesTable}.${r.referencesColumn}] }),`,
        ),
        '}))',
      )
    }
  }
  return `${lines.join('\n')}\n`
}
