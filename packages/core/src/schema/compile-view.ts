import type { Report } from './compile-index.ts'
import { expressionText } from './expression-text.ts'
import type { ColumnIR, ViewIR } from './schema-ir.ts'
import type { ColumnDraft, TableDraftEntry } from './table-schema.ts'

/** What a view's column cannot have: PostgreSQL computes every value from the view's body. */
const COLUMN_ONLY = [
  ['defaultValue', 'a default'],
  ['check', 'a check'],
  ['generatedAs', 'a generation expression'],
  ['unique', 'a UNIQUE constraint (a materialized view takes a unique index)'],
  ['onUpdate', 'onUpdate'],
  ['comment', 'a comment'],
] as const

/** Table-only calls, refused on a view. `index` is refused on a plain view only. */
const TABLE_ONLY: Partial<Record<TableDraftEntry['kind'], string>> = {
  check: 't.check()',
  unique: 't.unique()',
  comment: 't.comment()',
  extension: 't.extension()',
}

/**
 * The view `t.view({ as, materialized })` makes of a table's drafts, with its columns as a
 * view has them (no default, never written), or the table unchanged when there is no
 * `t.view`. Whatever a table can have and a view cannot is reported, naming the call.
 */
export function compileView(
  entries: readonly TableDraftEntry[],
  columnDrafts: readonly ColumnDraft[],
  columns: readonly ColumnIR[],
  report: Report,
): { readonly view?: ViewIR; readonly columns: readonly ColumnIR[] } {
  const calls = entries.filter((entry) => entry.kind === 'view')
  const [first, second] = calls
  if (first === undefined) return { columns }
  if (second !== undefined)
    report(second, 't.view() is called more than once.', 'Keep one t.view({ as }) for the view.')
  const body = expressionText(first.options.as, 'view body (as)')
  if (!body.ok)
    report(first, body.message, 'Write the SELECT: t.view({ as: sql`SELECT … FROM …` }).')
  const { materialized } = first.options
  if (materialized !== undefined && typeof materialized !== 'boolean')
    report(first, 'materialized is not true or false.', 'Write materialized: true or leave it out.')
  for (const entry of entries) {
    const call = TABLE_ONLY[entry.kind]
    if (call !== undefined)
      report(entry, `${call} is not possible on a view.`, `Remove ${call} from the view's schema.`)
    if (entry.kind === 'index' && materialized !== true)
      report(
        entry,
        'A plain view has no indexes (PostgreSQL reads the tables under it).',
        'Index the tables it reads, or make it materialized: true.',
      )
  }
  for (const draft of columnDrafts) {
    const name = draft.options.name
    for (const [option, what] of COLUMN_ONLY) {
      if (draft.options[option] !== undefined && draft.options[option] !== false)
        report(
          draft,
          `View column '${name}' has ${what}; a view's values come from its body.`,
          `Remove ${option} from '${name}'.`,
          name,
        )
    }
    if (draft.identity)
      report(
        draft,
        `View column '${name}' is an identity column; a view's values come from its body.`,
        `Declare it with its type (t.integer, t.bigInt) instead of increments.`,
        name,
      )
  }
  const viewColumns = columns.map(
    (column): ColumnIR => ({
      ...column,
      defaultSql: null,
      createInput: 'excluded',
      updateInput: false,
    }),
  )
  return {
    view: { kind: 'view', sql: body.ok ? body.sql : '', materialized: materialized === true },
    columns: viewColumns,
  }
}
