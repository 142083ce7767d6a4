import { resolve } from 'node:path'
import type { SchemaIR, SchemaModuleCache, SchemaProblem, TableIR } from '@fluentorm/core'
import { createSchemaCompiler, loadSchemas } from '@fluentorm/core'
import { sourcesRoot } from '../core/context.ts'
import type { ResolvedOptions } from '../options.ts'
import type {
  ColumnInfo,
  EdgeInfo,
  ProblemInfo,
  RelationInfo,
  SchemaAnswer,
  TableInfo,
} from './api-types.ts'
import { DIAGRAM_METRICS, layoutDiagram, tableSize } from './er-layout.ts'
import { readSourceLines, type SourceLines } from './source-lines.ts'

/**
 * The schema as the studio draws it: the schema files read again (their own module cache, so
 * an unchanged file is not evaluated twice), the last valid tables kept when the files have
 * problems, and the answer computed once per change (`invalidate` after a save).
 */
export interface SchemaSource {
  answer(): Promise<SchemaAnswer>
  /** The last valid schema the files declared, once `answer` has read them. */
  schema(): SchemaIR | null
  invalidate(): void
}

export function createSchemaSource(options: () => ResolvedOptions): SchemaSource {
  const cache: SchemaModuleCache = new Map()
  const compiler = createSchemaCompiler()
  let lastValid: SchemaIR | null = null
  let current: Promise<SchemaAnswer> | null = null

  async function compute(): Promise<SchemaAnswer> {
    const resolved = options()
    const root = sourcesRoot(resolved)
    const result = await loadSchemas({ schemasDir: resolved.schemasDir, root, cache, compiler })
    if (result.ok) lastValid = result.schema
    const problems = result.ok
      ? []
      : await Promise.all(result.problems.map((p) => problem(root, p)))
    return describeSchema(lastValid ?? { kind: 'schema', tables: [], enums: [] }, root, {
      valid: result.ok,
      problems,
    })
  }

  return {
    answer() {
      current ??= compute().catch((error) => {
        current = null
        throw error
      })
      return current
    },
    schema: () => lastValid,
    invalidate() {
      current = null
    },
  }
}

async function problem(root: string, p: SchemaProblem): Promise<ProblemInfo> {
  const path = resolve(root, p.file)
  let line = p.at?.line ?? null
  if (line === null && p.table !== undefined) {
    const lines = await readSourceLines(path)
    line = p.column === undefined ? lines.table : lines.line(p.column)
  }
  return {
    file: p.file,
    path,
    line,
    column: p.at?.column ?? null,
    table: p.table ?? null,
    columnName: p.column ?? null,
    message: p.message,
    hint: p.hint,
  }
}

/** Tables with their lines, relations as edges, the problems placed on their tables, the layout. */
export async function describeSchema(
  schema: SchemaIR,
  root: string,
  { valid, problems }: { valid: boolean; problems: readonly ProblemInfo[] },
): Promise<SchemaAnswer> {
  const tables = await Promise.all(
    schema.tables.map((table) => describeTable(schema, table, root, problems)),
  )
  const edges: EdgeInfo[] = schema.tables.flatMap((table) =>
    table.relations.flatMap((relation) =>
      relation.kind === 'belongsTo'
        ? [
            {
              name: relation.name,
              from: table.name,
              fromColumn: relation.column,
              to: relation.referencesTable,
              toColumn: relation.referencesColumn,
            },
          ]
        : [],
    ),
  )
  const layout = layoutDiagram(
    tables.map((table) => ({
      name: table.name,
      ...tableSize(
        table.columns.length,
        Math.max(
          table.name.length + 4,
          ...table.columns.map((c) => c.name.length + c.sqlType.length + 8),
        ),
      ),
    })),
    edges.map((edge) => ({ from: edge.from, to: edge.to })),
  )
  const { headerHeight, rowHeight, padding } = DIAGRAM_METRICS
  const known = new Set(tables.map((table) => table.name))
  return {
    valid,
    tables,
    edges,
    // A problem of a table the diagram shows is drawn on it; the rest are listed above it.
    problems: problems.filter((p) => p.table === null || !known.has(p.table)),
    layout,
    metrics: { headerHeight, rowHeight, padding },
  }
}

async function describeTable(
  schema: SchemaIR,
  table: TableIR,
  root: string,
  problems: readonly ProblemInfo[],
): Promise<TableInfo> {
  const file = table.sources[0] ?? ''
  const path = resolve(root, file)
  const lines = new Map<string, SourceLines>()
  const linesOf = async (source: string) => {
    let found = lines.get(source)
    if (!found) {
      found = await readSourceLines(resolve(root, source))
      lines.set(source, found)
    }
    return found
  }
  const own = await linesOf(file)
  const references = new Map(
    table.relations.flatMap((r) =>
      r.kind === 'belongsTo'
        ? [[r.column, { table: r.referencesTable, column: r.referencesColumn }] as const]
        : [],
    ),
  )
  const enums = new Map(schema.enums.map((e) => [e.name, e.values]))
  const columns: ColumnInfo[] = await Promise.all(
    table.columns.map(async (column) => ({
      name: column.name,
      sqlType: column.sqlType,
      type: column.type,
      array: column.array,
      nullable: column.nullable,
      primaryKey: column.primaryKey || table.primaryKey.includes(column.name),
      unique: column.unique,
      identity: column.identity,
      defaultSql: column.defaultSql,
      references: references.get(column.name) ?? null,
      redacted: column.redacted,
      createInput: column.createInput,
      updateInput: column.updateInput,
      values: column.enumName === null ? null : (enums.get(column.enumName) ?? null),
      timeMode: column.timeMode,
      line: (await linesOf(column.source || file)).line(column.name),
    })),
  )
  const relations: RelationInfo[] = table.relations.map((relation) => ({
    kind: relation.kind,
    name: relation.name,
    table:
      relation.kind === 'belongsTo'
        ? relation.referencesTable
        : relation.kind === 'manyToMany'
          ? relation.targetTable
          : relation.foreignTable,
    through: relation.kind === 'manyToMany' ? relation.through : null,
    line: own.line(relation.name),
  }))
  return {
    name: table.name,
    modelName: table.modelName,
    file,
    path,
    line: own.table,
    softDelete: table.softDelete,
    primaryKey: table.primaryKey,
    columns,
    indexes: table.indexes.map((index) => ({
      name: index.name,
      columns: index.columns,
      unique: index.unique,
      where: index.where,
      method: index.method,
    })),
    uniques: table.uniques.map((u) => ({ name: u.name, columns: u.columns })),
    checks: table.checks.map((c) => ({ name: c.name, expression: c.expression })),
    relations,
    problems: problems.filter((p) => p.table === table.name),
  }
}
