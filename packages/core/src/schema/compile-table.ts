import { suggestName } from '../validate/closest-name.ts'
import { optionCheck } from './builder-options.ts'
import { commentProblem } from './comment-text.ts'
import { compileColumn } from './compile-column.ts'
import { type CheckColumns, compileIndex, type Report } from './compile-index.ts'
import { compilePartitioning, partitionedByExpression } from './compile-partition.ts'
import { compileTriggers } from './compile-trigger.ts'
import { compileView } from './compile-view.ts'
import { type DeclarationEntry, declaresOnlyObjects } from './declared-objects.ts'
import { checkedText } from './expression-text.ts'
import { toModelName } from './model-name.ts'
import type { CheckIR, ColumnIR, EnumIR, IndexIR, TableIR, UniqueIR } from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'
import type { ColumnDraft, DraftOrigin, TableDraftEntry } from './table-schema.ts'

/** Everything the builders of one table recorded, across its files in prefix order. */
export interface TableDraft {
  readonly name: string
  /** Prefix order of the table's first file: breaks ties in the creation order. */
  readonly order: number
  readonly sources: readonly string[]
  readonly entries: readonly TableDraftEntry[]
}

export type RelationEntry = Extract<
  TableDraftEntry,
  { kind: 'belongsTo' | 'hasOne' | 'hasMany' | 'manyToMany' }
>

/** A compiled table whose relations still need the other tables to resolve. */
export interface CompiledTable {
  readonly table: TableIR
  readonly order: number
  readonly relationEntries: readonly RelationEntry[]
  /** Its files' functions, domains and triggers, checked over the whole schema. */
  readonly declarations: readonly DeclarationEntry[]
  /** Its files declare only functions and domains: no table. */
  readonly objectsOnly: boolean
}

/**
 * Compiles one table's drafts: columns, primary key, uniques, checks, indexes, enums and
 * flags. Relations are left to `resolveRelations`, which needs every table.
 */
export function compileTable(draft: TableDraft, problems: SchemaProblem[]): CompiledTable {
  const table = draft.name
  const firstSource = draft.sources[0] ?? ''
  const report: Report = (origin, message, hint, column) =>
    problems.push({
      file: origin.source,
      table,
      ...(column === undefined ? {} : { column }),
      message,
      hint,
      ...(origin.site === undefined ? {} : { site: origin.site }),
    })

  for (const entry of draft.entries) reportUnknownOptions(entry, report)

  const columnDrafts = uniqueColumns(draft.entries, report)
  const names = columnDrafts.map((column) => column.options.name)
  const checkColumns: CheckColumns = (origin, columns, what) => {
    if (columns.length === 0)
      report(origin, `The ${what} lists no columns.`, 'List at least one column.')
    for (const column of columns) {
      if (!names.includes(column)) {
        report(
          origin,
          `The ${what} uses column '${column}', which table '${table}' does not have.`,
          suggestName(column, names, 'columns'),
          column,
        )
      }
    }
  }

  const primaryKey = resolvePrimaryKey(draft, columnDrafts, report, checkColumns)
  const foreignKeyColumns = new Set(
    draft.entries.flatMap((entry) => (entry.kind === 'belongsTo' ? [entry.options.column] : [])),
  )
  const columns: ColumnIR[] = []
  const enums = new Map<string, EnumIR>()
  for (const columnDraft of columnDrafts) {
    const compiled = compileColumn(columnDraft, {
      table,
      solePrimaryKey: primaryKey.length === 1 ? (primaryKey[0] ?? null) : null,
      primaryKey,
      foreignKeyColumns,
      problems,
    })
    columns.push(compiled.column)
    if (compiled.enum !== null) addEnum(enums, compiled.enum, columnDraft, report)
  }

  const uniques: UniqueIR[] = []
  const checks: CheckIR[] = []
  const indexes: IndexIR[] = []
  for (const entry of draft.entries) {
    if (entry.kind === 'unique') {
      checkColumns(entry, entry.columns, 'unique constraint')
      uniques.push({
        kind: 'unique',
        name: entry.name ?? `${table}_${entry.columns.join('_')}_key`,
        columns: [...entry.columns],
      })
    } else if (entry.kind === 'check') {
      if (typeof entry.name !== 'string' || entry.name.trim() === '') {
        report(
          entry,
          'A check constraint needs a name and an expression.',
          "Write t.check('price_positive', 'price > 0').",
        )
      }
      const expression = checkText(entry.expression, `check '${entry.name}'`, entry, report)
      checks.push({ kind: 'check', name: entry.name, expression })
    } else if (entry.kind === 'index') {
      indexes.push(compileIndex(table, entry.options, entry, checkColumns, report))
    } else if (entry.kind === 'column' && entry.column.options.check !== undefined) {
      const column = entry.column.options.name
      const what = `check of column '${column}'`
      checks.push({
        kind: 'check',
        name: `${table}_${column}_check`,
        expression: checkText(entry.column.options.check, what, entry, report, column),
      })
    }
  }

  const extensions = compileExtensions(draft.entries, report)
  const comment = tableComment(draft.entries, report)
  const deletedAt = columns.find((column) => column.name === 'deleted_at')
  const view = compileView(draft.entries, columnDrafts, columns, report)
  const partitionBy = compilePartitioning(
    draft.entries,
    { name: table, columns, enums: [...enums.values()], primaryKey, uniques, indexes },
    checkColumns,
    report,
  )
  const triggers = compileTriggers(draft.entries, names, view.view !== undefined, report)
  return {
    order: draft.order,
    relationEntries: draft.entries.filter((entry): entry is RelationEntry =>
      ['belongsTo', 'hasOne', 'hasMany', 'manyToMany'].includes(entry.kind),
    ),
    declarations: draft.entries.filter((entry): entry is DeclarationEntry =>
      ['function', 'domain', 'trigger'].includes(entry.kind),
    ),
    objectsOnly: declaresOnlyObjects(draft.entries),
    table: {
      kind: 'table',
      name: table,
      modelName: toModelName(table),
      columns: view.columns,
      primaryKey,
      uniques,
      checks,
      indexes,
      relations: [],
      enums: [...enums.values()],
      softDelete: isSoftDeleteColumn(deletedAt),
      updatedAt: onUpdateColumns(columnDrafts),
      renamedFrom: draft.entries.flatMap((entry) =>
        entry.kind === 'renamedFrom' ? entry.names : [],
      ),
      ...(extensions.length === 0 ? {} : { extensions }),
      ...(comment === null ? {} : { comment }),
      ...(view.view === undefined ? {} : { view: view.view }),
      ...(partitionBy === undefined ? {} : { partitionBy }),
      ...(triggers.length === 0 ? {} : { triggers }),
      sources: draft.sources.length > 0 ? [...draft.sources] : [firstSource],
    },
  }
}

/** A CHECK's SQL text, refused (and reported) when it could end the constraint it is written into. */
function checkText(
  value: unknown,
  what: string,
  origin: DraftOrigin,
  report: Report,
  column?: string,
): string {
  const hint = "Write the check as one SQL condition: 'price > 0'."
  return (
    checkedText(value, what, hint, (message, fix) => report(origin, message, fix, column)) ?? ''
  )
}

function reportUnknownOptions(entry: TableDraftEntry, report: Report): void {
  const check = optionCheck(entry)
  if (check === null) return
  const column = entry.kind === 'column' ? entry.column.options.name : undefined
  const origin = entry.kind === 'column' ? entry.column : entry
  for (const [key, value] of check.given) {
    if (!check.allowed.includes(key)) {
      report(
        origin,
        `Unknown option '${key}' on ${withArticle(check.what)}.`,
        suggestName(key, check.allowed, 'options'),
        column,
      )
      continue
    }
    if (check.booleans.includes(key) && value !== undefined && typeof value !== 'boolean') {
      report(
        origin,
        `Option '${key}' on ${withArticle(check.what)} is ${describeValue(value)}, not true or false.`,
        `Write ${key}: true or ${key}: false (a string such as 'no' would not be read as false).`,
        column,
      )
    }
  }
}

/** `a text column`, `an index`. */
function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`
}

/** `the string 'yes'`, `the number 1`: a wrong option value as the message shows it. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') return `the string ${JSON.stringify(value).slice(0, 40)}`
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : `the ${typeof value} ${String(value)}`
}

/** The column drafts in order, the first of each name kept; a repeated name is reported. */
function uniqueColumns(entries: readonly TableDraftEntry[], report: Report): ColumnDraft[] {
  const seen = new Map<string, ColumnDraft>()
  for (const entry of entries) {
    if (entry.kind !== 'column') continue
    const { name } = entry.column.options
    if (typeof name !== 'string' || name === '') {
      report(
        entry.column,
        `A ${entry.column.type} column has no name.`,
        "Give every column a name: { name: 'title' }.",
      )
      continue
    }
    const first = seen.get(name)
    if (first === undefined) {
      seen.set(name, entry.column)
      continue
    }
    report(
      entry.column,
      `Column '${name}' is declared twice (first in ${first.source}).`,
      'Remove one declaration or rename the column; to change a column, edit its first declaration.',
      name,
    )
  }
  return [...seen.values()]
}

function resolvePrimaryKey(
  draft: TableDraft,
  columns: readonly ColumnDraft[],
  report: Report,
  checkColumns: CheckColumns,
): string[] {
  const flagged = columns.filter((column) => column.options.primaryKey === true)
  const composite = draft.entries.filter((entry) => entry.kind === 'primaryKey')
  const [first, second] = composite
  if (second !== undefined) {
    report(
      second,
      't.primaryKey([...]) is called more than once.',
      'Keep one t.primaryKey([...]) listing every key column.',
    )
  }
  if (first !== undefined) {
    checkColumns(first, first.columns, 'primary key')
    for (const column of flagged) {
      if (!first.columns.includes(column.options.name)) {
        report(
          column,
          `Column '${column.options.name}' has primaryKey: true but is not in t.primaryKey([...]).`,
          'Add it to t.primaryKey([...]) or remove primaryKey: true.',
          column.options.name,
        )
      }
    }
    return [...first.columns]
  }
  if (flagged.length > 1) {
    report(
      flagged[1] ?? { source: draft.sources[0] ?? '' },
      `Columns ${flagged.map((column) => `'${column.options.name}'`).join(' and ')} both have primaryKey: true.`,
      `For a composite key, remove primaryKey: true and write t.primaryKey([${flagged.map((column) => `'${column.options.name}'`).join(', ')}]).`,
    )
  }
  // A view may have no key: its model reads through query() and includes, and findById says why not.
  // So may a table partitioned by an expression, which PostgreSQL refuses one.
  if (
    flagged.length === 0 &&
    !draft.entries.some((entry) => entry.kind === 'view') &&
    !partitionedByExpression(draft.entries) &&
    !declaresOnlyObjects(draft.entries)
  ) {
    report(
      { source: draft.sources[0] ?? '' },
      `Table '${draft.name}' has no primary key; models need one to find, update and delete rows.`,
      "Add t.uuid({ name: 'id', primaryKey: true }) or t.increments({ name: 'id', primaryKey: true }), or t.primaryKey([...]) over existing columns.",
    )
  }
  return flagged.map((column) => column.options.name)
}

function addEnum(
  enums: Map<string, EnumIR>,
  added: EnumIR,
  column: ColumnDraft,
  report: Report,
): void {
  const existing = enums.get(added.name)
  if (existing === undefined) {
    enums.set(added.name, added)
  } else if (existing.values.join('\0') !== added.values.join('\0')) {
    report(
      column,
      `Enum type '${added.name}' is declared twice with different values.`,
      'Give the two columns the same values, or different enumName.',
      column.options.name,
    )
  }
}

/** The text of `t.comment()`, called at most once. */
function tableComment(entries: readonly TableDraftEntry[], report: Report): string | null {
  const calls = entries.filter((entry) => entry.kind === 'comment')
  const [first, second] = calls
  if (second !== undefined)
    report(second, 't.comment() is called more than once.', 'Keep one t.comment(…) for the table.')
  if (first === undefined) return null
  const problem = commentProblem(first.text)
  if (problem === null) return first.text
  report(first, problem, "Write the table's comment as a string: t.comment('…').")
  return null
}

/** The extensions `t.extension()` names, each once, in call order. */
function compileExtensions(entries: readonly TableDraftEntry[], report: Report): string[] {
  const names: string[] = []
  for (const entry of entries) {
    if (entry.kind !== 'extension') continue
    if (typeof entry.name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_-]{0,62}$/.test(entry.name)) {
      report(
        entry,
        `Extension name ${JSON.stringify(entry.name ?? null)} is not an extension name.`,
        "Write the name as CREATE EXTENSION takes it: t.extension('citext').",
      )
    } else if (!names.includes(entry.name)) names.push(entry.name)
  }
  return names
}

/** `updated_at` (what timestamps() promises) and every `onUpdate: 'now'` column. */
function onUpdateColumns(columns: readonly ColumnDraft[]): string[] {
  return columns
    .filter((c) => c.options.name === 'updated_at' || c.options.onUpdate === 'now')
    .map((c) => c.options.name)
}

/** `deleted_at` as `softDelete()` makes it: a nullable timestamp. */
function isSoftDeleteColumn(column: ColumnIR | undefined): boolean {
  return column?.nullable === true && (column.type === 'timestamptz' || column.type === 'timestamp')
}
