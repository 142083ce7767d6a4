/**
 * N synthetic tables as the reference measurements shape them: 10 columns, 1 index and
 * 1 foreign key each, to table ⌊i/2⌋ (a tree of depth log2(N)) or, with `shape: 'chain'`,
 * to table i − 1 (the deepest relation graph: the type test uses it). As schema file sources
 * for the plugin, and as in-memory modules for compileSchema.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SchemaFileModule, TableSchema } from '@fluentorm/core'

export const tableName = (i: number) => `widgets_${String(i).padStart(4, '0')}`

/** The body of `build(t)` for table i; `extra` adds one column (the one-table change). */
export type SchemaShape = 'tree' | 'chain'

function buildBody(i: number, extra: boolean, shape: SchemaShape = 'tree'): string {
  const lines = [
    "t.uuid({ name: 'id', primaryKey: true })",
    "t.string({ name: 'name' })",
    "t.string({ name: 'slug', unique: true })",
    "t.string({ name: 'summary', notNull: false })",
    "t.integer({ name: 'position', defaultValue: '0' })",
    "t.bigInt({ name: 'views', defaultValue: '0' })",
    "t.boolean({ name: 'active', defaultValue: 'true' })",
    "t.jsonb({ name: 'settings', notNull: false })",
    't.timestamps()',
  ]
  if (i > 1) {
    lines.push(
      "t.uuid({ name: 'parent_id', notNull: false })",
      `t.belongsTo({ name: 'parent', column: 'parent_id', referencesTable: '${tableName(shape === 'chain' ? i - 1 : Math.floor(i / 2))}' })`,
    )
  }
  lines.push("t.addIndexes([{ columns: ['name', 'created_at'] }])")
  if (extra) lines.push("t.string({ name: 'added_later', notNull: false })")
  return lines.join('\n  ')
}

export function schemaFileSource(i: number, extra = false): string {
  return `import type { TableSchema } from '@fluentorm/core'\n\nexport function build(t: TableSchema): void {\n  ${buildBody(i, extra)}\n}\n`
}

export const schemaFileName = (i: number) => `${String(i).padStart(4, '0')}_${tableName(i)}.ts`

/** Writes `count` schema files into `dir/schemas` (emptied first). */
export function writeSchemaFiles(dir: string, count: number): string {
  const schemas = join(dir, 'schemas')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(schemas, { recursive: true })
  for (let i = 1; i <= count; i++) {
    writeFileSync(join(schemas, schemaFileName(i)), schemaFileSource(i))
  }
  return schemas
}

/** The same tables as modules, for compileSchema without the loader. */
export function schemaModules(count: number, shape: SchemaShape = 'tree'): SchemaFileModule[] {
  return Array.from({ length: count }, (_, index) => {
    const i = index + 1
    const build = new Function('t', buildBody(i, false, shape)) as (t: TableSchema) => void
    return { path: `schemas/${schemaFileName(i)}`, tableName: tableName(i), order: i, build }
  })
}
