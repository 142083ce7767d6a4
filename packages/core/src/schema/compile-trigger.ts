import { suggestName } from '../validate/closest-name.ts'
import { OBJECT_NAME, oneOf } from './compile-function.ts'
import type { Report } from './compile-index.ts'
import { expressionText } from './expression-text.ts'
import type { TriggerIR } from './object-ir.ts'
import type { TableDraftEntry } from './table-schema.ts'

const TIMINGS = ['before', 'after', 'instead of'] as const
const LEVELS = ['row', 'statement'] as const
const EVENTS = ['insert', 'update', 'delete', 'truncate'] as const

type TriggerEntry = Extract<TableDraftEntry, { kind: 'trigger' }>

/**
 * The table's `t.trigger(…)` calls as IR, with what PostgreSQL would refuse reported first:
 * INSTEAD OF on a table or BEFORE/AFTER row triggers on a view, `of` columns the table does
 * not have, WHEN on a statement trigger or naming a row the event has not. Whether the
 * function exists is checked over the whole schema (see declared-objects.ts).
 */
export function compileTriggers(
  entries: readonly TableDraftEntry[],
  columns: readonly string[],
  isView: boolean,
  report: Report,
): TriggerIR[] {
  const triggers: TriggerIR[] = []
  const names = new Set<string>()
  for (const entry of entries) {
    if (entry.kind !== 'trigger') continue
    const trigger = compileTrigger(entry, columns, isView, report)
    if (names.has(trigger.name))
      report(
        entry,
        `Trigger '${trigger.name}' is declared twice.`,
        'Give each trigger its own name.',
      )
    names.add(trigger.name)
    triggers.push(trigger)
  }
  return triggers
}

function compileTrigger(
  entry: TriggerEntry,
  columns: readonly string[],
  isView: boolean,
  report: Report,
): TriggerIR {
  const { options } = entry
  const name = typeof options.name === 'string' ? options.name : ''
  const label = `Trigger '${name}'`
  const fail = (message: string, hint: string) => report(entry, message, hint)
  if (!OBJECT_NAME.test(name))
    fail(
      `Trigger name ${JSON.stringify(options.name ?? null)} is not a name PostgreSQL takes.`,
      "Give it a name of letters, digits and _: t.trigger({ name: 'posts_touch', … }).",
    )
  const timing = oneOf(options.timing, TIMINGS, 'timing', label, entry, report)
  const forEach = oneOf(options.forEach, LEVELS, 'forEach', label, entry, report)
  const events = triggerEvents(options.events, label, fail)
  if (typeof options.function !== 'string' || !OBJECT_NAME.test(options.function))
    fail(
      `${label} names no function to run.`,
      "Write function: '<name>', the name of a t.function that returns: 'trigger'.",
    )
  if (timing === 'instead of' && !isView)
    fail(
      `${label} is INSTEAD OF on a table; only a view takes INSTEAD OF triggers.`,
      "Use timing: 'before' or 'after'.",
    )
  if (timing === 'instead of' && forEach !== 'row')
    fail(
      `${label} is INSTEAD OF for each statement; PostgreSQL runs INSTEAD OF per row.`,
      "Write forEach: 'row'.",
    )
  if (isView && timing !== 'instead of' && forEach === 'row')
    fail(
      `${label} is a ${timing} row trigger on a view; a view takes INSTEAD OF row triggers.`,
      "Write timing: 'instead of', or forEach: 'statement'.",
    )
  if (events.includes('truncate') && forEach === 'row')
    fail(
      `${label} fires on truncate for each row; TRUNCATE triggers are per statement.`,
      "Write forEach: 'statement'.",
    )
  const of = options.of === undefined ? undefined : Array.isArray(options.of) ? [...options.of] : []
  if (options.of !== undefined && !Array.isArray(options.of))
    fail(`${label} has of that is not a list of columns.`, "Write of: ['title'].")
  if (of !== undefined) {
    if (!events.includes('update'))
      fail(
        `${label} lists columns (of) without the update event.`,
        "Add 'update' to events, or remove of.",
      )
    for (const column of of)
      if (!columns.includes(column))
        report(
          entry,
          `${label} fires on update of column '${column}', which the table does not have.`,
          suggestName(column, columns, 'columns'),
          column,
        )
  }
  const when = triggerCondition(options.when, label, timing, forEach, events, fail)
  return {
    kind: 'trigger',
    name,
    timing,
    events,
    ...(of === undefined || of.length === 0 ? {} : { of }),
    forEach,
    ...(when === undefined ? {} : { when }),
    function: typeof options.function === 'string' ? options.function : '',
  }
}

/** The events, each once, in PostgreSQL's order. */
function triggerEvents(
  given: unknown,
  label: string,
  fail: (message: string, hint: string) => void,
): TriggerIR['events'] {
  const list: unknown[] = Array.isArray(given) ? given : []
  const unknown = list.filter((event) => !EVENTS.includes(event as (typeof EVENTS)[number]))
  if (list.length === 0 || unknown.length > 0)
    fail(
      `${label} has ${list.length === 0 ? 'no events' : `unknown events ${unknown.map((e) => JSON.stringify(e)).join(', ')}`}.`,
      `List what it fires on: events: ['insert', 'update'] (of ${EVENTS.join(', ')}).`,
    )
  return EVENTS.filter((event) => list.includes(event))
}

/** WHEN's SQL, refused where PostgreSQL would refuse it. */
function triggerCondition(
  given: unknown,
  label: string,
  timing: TriggerIR['timing'],
  forEach: TriggerIR['forEach'],
  events: TriggerIR['events'],
  fail: (message: string, hint: string) => void,
): string | undefined {
  if (given === undefined) return undefined
  const text = expressionText(given, `WHEN condition of ${label}`)
  if (!text.ok) {
    fail(text.message, text.hint)
    return undefined
  }
  const names = (row: string) => new RegExp(`(^|[^\\w$."])${row}\\b`, 'i').test(text.sql)
  if (timing === 'instead of')
    fail(
      `${label} is INSTEAD OF with a WHEN condition, which PostgreSQL refuses.`,
      'Test the condition in the function.',
    )
  else if (forEach === 'statement' && (names('NEW') || names('OLD')))
    fail(
      `${label} is a statement trigger whose WHEN names NEW or OLD; a statement has no row.`,
      "Write forEach: 'row', or remove NEW and OLD from when.",
    )
  else if (names('OLD') && events.includes('insert'))
    fail(
      `${label} fires on insert, but its WHEN names OLD, which an insert has not.`,
      'Remove the insert event, or OLD from when.',
    )
  else if (names('NEW') && events.includes('delete'))
    fail(
      `${label} fires on delete, but its WHEN names NEW, which a delete has not.`,
      'Remove the delete event, or NEW from when.',
    )
  return text.sql
}
