import { suggestName } from '../validate/closest-name.ts'
import type { CompiledTable, RelationEntry } from './compile-table.ts'
import { foreignKeyOptions } from './foreign-key-options.ts'
import { junctionTable } from './junction-table.ts'
import { singularTableName } from './model-name.ts'
import type {
  BelongsToIR,
  ColumnIR,
  HasIR,
  ManyToManyIR,
  ReferentialAction,
  RelationIR,
  TableIR,
} from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'

/** A table with its relations resolved, and its prefix order for the creation order. */
export interface ResolvedTable {
  readonly table: TableIR
  readonly order: number
}

const ACTIONS: readonly ReferentialAction[] = [
  'cascade',
  'set null',
  'set default',
  'restrict',
  'no action',
]
const COMPATIBLE_FAMILIES: readonly (readonly string[])[] = [
  ['smallint', 'integer', 'bigint'],
  ['text', 'varchar'],
]

/**
 * Resolves every relation against the other tables (defaults such as the referenced
 * primary key, existence of tables and columns, FK type compatibility) and adds the
 * junction tables of many-to-many relations that no schema file declares.
 */
export function resolveRelations(
  compiled: readonly CompiledTable[],
  problems: SchemaProblem[],
): ResolvedTable[] {
  const tables = new Map(compiled.map((entry) => [entry.table.name, entry.table]))
  const tableNames = [...tables.keys()]
  const junctions = new Map<string, ResolvedTable>()

  const resolveEntry = (table: TableIR, order: number, entry: RelationEntry): RelationIR | null => {
    const report = (message: string, hint: string, column?: string) =>
      problems.push({
        file: entry.source,
        table: table.name,
        ...(column === undefined ? {} : { column }),
        message,
        hint,
        ...(entry.site === undefined ? {} : { site: entry.site }),
      })
    const findTable = (name: string, role: string): TableIR | undefined => {
      const found = tables.get(name)
      if (found === undefined) {
        report(
          `${entry.kind} '${entry.options.name}' ${role} table '${name}', which no schema file declares.`,
          suggestName(name, tableNames, 'tables'),
        )
      }
      return found
    }
    const findColumn = (
      owner: TableIR,
      name: string | null,
      role: string,
    ): ColumnIR | undefined => {
      if (name === null) {
        report(
          `${entry.kind} '${entry.options.name}' needs ${role} of table '${owner.name}', which has no single-column primary key.`,
          `Name the column explicitly (${role}).`,
        )
        return undefined
      }
      const found = owner.columns.find((column) => column.name === name)
      if (found === undefined) {
        report(
          `${entry.kind} '${entry.options.name}' uses column '${name}', which table '${owner.name}' does not have.`,
          suggestName(
            name,
            owner.columns.map((column) => column.name),
            `columns of ${owner.name}`,
          ),
          owner === table ? name : undefined,
        )
      }
      return found
    }
    const action = (
      given: ReferentialAction | undefined,
      fallback: ReferentialAction,
      option: string,
    ) => {
      const value = given ?? fallback
      if (!ACTIONS.includes(value))
        report(
          `${option} '${value}' is not a referential action.`,
          `Use one of: ${ACTIONS.join(', ')}.`,
        )
      return value
    }

    switch (entry.kind) {
      case 'belongsTo': {
        const { options } = entry
        const local = findColumn(table, options.column, 'column')
        const target = findTable(options.referencesTable, 'references')
        const referencesColumn =
          options.referencesColumn ?? (target === undefined ? null : soleKey(target))
        const referenced =
          target === undefined
            ? undefined
            : findColumn(target, referencesColumn, 'referencesColumn')
        const onDelete = action(options.onDelete, 'no action', 'onDelete')
        const onUpdate = action(options.onUpdate, 'no action', 'onUpdate')
        if (local !== undefined && target !== undefined && referenced !== undefined) {
          checkForeignKey(local, target, referenced, onDelete, report)
        }
        // PostgreSQL has no foreign key from or to a view.
        if ((table.view ?? target?.view) !== undefined && options.constraint !== false)
          report(
            `belongsTo '${options.name}' ${table.view ? 'is on a view' : `references view '${options.referencesTable}'`}, which cannot have a FOREIGN KEY constraint.`,
            'Add constraint: false: the relation and its includes work without one.',
          )
        const relation: BelongsToIR = {
          kind: 'belongsTo',
          name: options.name,
          column: options.column,
          referencesTable: options.referencesTable,
          referencesColumn: referencesColumn ?? '',
          onDelete,
          onUpdate,
          constraintName: options.constraintName ?? `fk_${table.name}_${options.name}`,
          ...foreignKeyOptions(options, report),
        }
        return relation
      }
      case 'hasOne':
      case 'hasMany': {
        const { options } = entry
        const foreign = findTable(options.foreignTable, 'uses')
        if (foreign !== undefined) findColumn(foreign, options.foreignColumn, 'foreignColumn')
        const localColumn = options.localColumn ?? soleKey(table)
        findColumn(table, localColumn, 'localColumn')
        const relation: HasIR = {
          kind: entry.kind,
          name: options.name,
          foreignTable: options.foreignTable,
          foreignColumn: options.foreignColumn,
          localColumn: localColumn ?? '',
        }
        return relation
      }
      case 'manyToMany': {
        const { options } = entry
        const target = findTable(options.targetTable, 'targets')
        if (target === undefined) return null
        const localColumn = options.localColumn ?? soleKey(table)
        const targetColumn = options.targetColumn ?? soleKey(target)
        const localKey = findColumn(table, localColumn, 'localColumn')
        const targetKey = findColumn(target, targetColumn, 'targetColumn')
        const through = options.through ?? [table.name, target.name].sort().join('_')
        const throughLocalColumn =
          options.throughLocalColumn ?? `${singularTableName(table.name)}_id`
        const throughForeignColumn =
          options.throughForeignColumn ?? `${singularTableName(target.name)}_id`
        if (throughLocalColumn === throughForeignColumn) {
          report(
            `manyToMany '${options.name}' would give junction table '${through}' two columns named '${throughLocalColumn}'.`,
            "Name them apart with throughLocalColumn and throughForeignColumn (e.g. 'follower_id' and 'followed_id').",
          )
        }
        const declared = tables.get(through)
        if (declared !== undefined) {
          findColumn(declared, throughLocalColumn, 'throughLocalColumn')
          findColumn(declared, throughForeignColumn, 'throughForeignColumn')
        } else if (table.view !== undefined || target.view !== undefined) {
          report(
            `manyToMany '${options.name}' involves a view: the junction table fluentorm creates would need a FOREIGN KEY to it.`,
            `Declare the junction table '${through}' in schemas/ with belongsTo relations of constraint: false.`,
          )
        } else if (localKey !== undefined && targetKey !== undefined) {
          const existing = junctions.get(through)
          const wanted = [throughLocalColumn, throughForeignColumn].sort().join(',')
          if (existing === undefined) {
            // A junction named for its tables follows their renames (`renamedFrom`): renamed
            // with them, its rows kept, instead of dropped and made again empty.
            const names = (t: TableIR) => [t.name, ...t.renamedFrom]
            const former = (
              named: boolean,
              t: TableIR,
              current: string,
              name: (n: string) => string,
            ) => (named ? [...new Set(names(t).map(name))].filter((n) => n !== current) : [])
            const renamedFrom =
              options.through === undefined
                ? [
                    ...new Set(
                      names(table).flatMap((a) =>
                        names(target).map((b) => [a, b].sort().join('_')),
                      ),
                    ),
                  ].filter((n) => n !== through)
                : []
            const idOf = (n: string) => `${singularTableName(n)}_id`
            const table_ = junctionTable({
              name: through,
              source: entry.source,
              renamedFrom,
              local: {
                table,
                key: localKey,
                column: throughLocalColumn,
                formerColumns: former(
                  options.throughLocalColumn === undefined,
                  table,
                  throughLocalColumn,
                  idOf,
                ),
              },
              target: {
                table: target,
                key: targetKey,
                column: throughForeignColumn,
                formerColumns: former(
                  options.throughForeignColumn === undefined,
                  target,
                  throughForeignColumn,
                  idOf,
                ),
              },
              onDelete: action(options.onDelete, 'cascade', 'onDelete'),
              onUpdate: action(options.onUpdate, 'no action', 'onUpdate'),
            })
            junctions.set(through, { table: table_, order })
          } else if ([...existing.table.primaryKey].sort().join(',') !== wanted) {
            report(
              `manyToMany '${options.name}' expects junction table '${through}' with columns ${wanted}, but another manyToMany already defines it with ${existing.table.primaryKey.join(',')}.`,
              'Give both sides the same throughLocalColumn / throughForeignColumn, or declare the junction table in schemas/.',
            )
          }
        }
        const relation: ManyToManyIR = {
          kind: 'manyToMany',
          name: options.name,
          through,
          throughLocalColumn,
          throughForeignColumn,
          targetTable: target.name,
          targetColumn: targetColumn ?? '',
          localColumn: localColumn ?? '',
        }
        return relation
      }
    }
  }

  const resolved = compiled.map(({ table, order, relationEntries }) => {
    const relations = relationEntries.flatMap((entry) => resolveEntry(table, order, entry) ?? [])
    checkRelationNames(table, relationEntries, problems)
    return { table: { ...table, relations }, order }
  })
  return [...resolved, ...junctions.values()]
}

/** The column that alone is the table's primary key, or null. */
export function soleKey(table: TableIR): string | null {
  return table.primaryKey.length === 1 ? (table.primaryKey[0] ?? null) : null
}

function checkForeignKey(
  local: ColumnIR,
  target: TableIR,
  referenced: ColumnIR,
  onDelete: ReferentialAction,
  report: (message: string, hint: string, column?: string) => void,
): void {
  const isKey =
    soleKey(target) === referenced.name ||
    referenced.unique ||
    target.uniques.some(
      (unique) => unique.columns.length === 1 && unique.columns[0] === referenced.name,
    ) ||
    target.indexes.some(
      (index) =>
        index.unique &&
        index.where === null &&
        index.columns.length === 1 &&
        index.columns[0] === referenced.name,
    )
  if (!isKey) {
    report(
      `The foreign key ${local.name} → ${target.name}.${referenced.name} points at a column that is neither the primary key nor unique.`,
      `Reference ${target.name}'s primary key, or make ${target.name}.${referenced.name} unique: true.`,
      local.name,
    )
  }
  const sameFamily = COMPATIBLE_FAMILIES.some(
    (family) => family.includes(local.type) && family.includes(referenced.type),
  )
  const sameType =
    local.type === referenced.type &&
    (local.type !== 'enum' || local.enumName === referenced.enumName)
  if (local.array !== referenced.array || !(sameType || sameFamily)) {
    report(
      `The foreign key column ${local.name} is ${local.sqlType} but ${target.name}.${referenced.name} is ${referenced.sqlType}.`,
      `Declare ${local.name} with the referenced column's type (${referenced.sqlType}).`,
      local.name,
    )
  }
  if (onDelete === 'set null' && !local.nullable) {
    report(
      `onDelete 'set null' cannot set the NOT NULL column ${local.name} to NULL.`,
      `Make ${local.name} nullable, or use 'cascade' or 'restrict'.`,
      local.name,
    )
  }
}

function checkRelationNames(
  table: TableIR,
  entries: readonly RelationEntry[],
  problems: SchemaProblem[],
): void {
  const seen = new Set<string>()
  for (const entry of entries) {
    const { name } = entry.options
    const report = (message: string, hint: string) =>
      problems.push({
        file: entry.source,
        table: table.name,
        message,
        hint,
        ...(entry.site === undefined ? {} : { site: entry.site }),
      })
    if (seen.has(name))
      report(
        `Relation '${name}' is declared twice on table '${table.name}'.`,
        'Give each relation its own name.',
      )
    if (table.columns.some((column) => column.name === name)) {
      report(
        `Relation '${name}' has the same name as a column of '${table.name}'; rows could not hold both.`,
        'Rename the relation: relations are named after the related row (author), FK columns after the key (user_id).',
      )
    }
    seen.add(name)
  }
}
