import { OBJECT_NAME } from '../schema/compile-function.ts'
import { expressionText } from '../schema/expression-text.ts'
import { namesWord } from '../sql/view-sql.ts'
import type { DatabaseCatalog } from './catalog-queries.ts'
import type { DomainRow, FunctionRow, TriggerRow } from './object-catalog.ts'
import type { OptionValue, SchemaCall, UnexpressedObject } from './pulled-schema.ts'

/** What pull writes as `t.function`, `t.trigger` and `t.domain`, and what it leaves to SQL. */
export interface PulledObjects {
  /** The calls of the file of functions and domains (empty: no such file). */
  readonly calls: readonly SchemaCall[]
  /** `t.trigger` calls by the table (or view) whose file they go in. */
  readonly triggers: ReadonlyMap<string, readonly SchemaCall[]>
  /** `function f()`, `trigger t on x`, `domain d`: left out of the hand-written migrations. */
  readonly objects: ReadonlySet<string>
  /** Why each of the others stays in the hand-written migration, by the same names. */
  readonly reasons: ReadonlyMap<string, string>
}

const VOLATILITY: Readonly<Record<string, string>> = { v: 'volatile', s: 'stable', i: 'immutable' }
/** As the hand-written migration's report names a routine of each `prokind`. */
const ROUTINE_KIND: Readonly<Record<string, string>> = {
  p: 'procedure',
  a: 'aggregate',
  w: 'window function',
}

/** The domains schema files can declare: a name, a type, NOT NULL, a default, one check as PostgreSQL names it. */
export function expressibleDomains(catalog: DatabaseCatalog): Map<string, SchemaCall> {
  const calls = new Map<string, SchemaCall>()
  for (const row of catalog.domains) {
    const call = domainCall(row)
    if (typeof call !== 'string') calls.set(row.name, call)
  }
  return calls
}

/**
 * The functions, triggers and domains the DSL can express, as calls. A function stays in SQL
 * when it has more than t.function says (a procedure, an aggregate, OUT arguments, STRICT, SET,
 * a cost, an overloaded name, a BEGIN ATOMIC body) or when it needs something only the
 * hand-written migration makes, which runs after the schema's: a table or column written in
 * SQL in its signature, or in the body of an SQL function (PostgreSQL checks it at CREATE). A
 * trigger is written in its table's file when its table and function are in schema files.
 */
export function adoptObjects(
  catalog: DatabaseCatalog,
  domains: ReadonlyMap<string, SchemaCall>,
  inFiles: ReadonlySet<string>,
  unexpressed: readonly UnexpressedObject[],
): PulledObjects {
  const inSql = [
    ...catalog.tables.filter((row) => !inFiles.has(row.name)).map((row) => [row.name]),
    ...unexpressed.flatMap((item) =>
      item.stage === 'column' || item.stage === 'column-fix'
        ? [item.object.slice(item.object.indexOf(' ') + 1).split('.')]
        : [],
    ),
  ]
  const objects = new Set<string>()
  const reasons = new Map<string, string>()
  const calls: SchemaCall[] = []
  for (const row of catalog.domains) {
    const call = domains.get(row.name)
    if (call === undefined) reasons.set(`domain ${row.name}`, String(domainCall(row)))
    else {
      calls.push(call)
      objects.add(`domain ${row.name}`)
    }
  }
  const needs = (text: string) =>
    inSql.some((names) => names.every((name) => namesWord(text, name)))
  const adopted = new Set<string>()
  for (const row of catalog.functions) {
    const call = functionCall(row)
    const object = `${ROUTINE_KIND[row.kind] ?? 'function'} ${row.object}`
    const signature = [row.returns, ...row.args.map((arg) => arg.type)].join(' ')
    if (typeof call === 'string') {
      reasons.set(object, call)
      continue
    }
    if (needs(signature) || (row.language === 'sql' && needs(row.body))) {
      reasons.set(object, `${SQL_ONLY} (a table or a column written in SQL)`)
      continue
    }
    calls.push(call)
    adopted.add(row.name)
    objects.add(`function ${row.object}`)
  }
  const triggers = new Map<string, SchemaCall[]>()
  for (const row of catalog.triggers) {
    const object = `trigger ${row.name} on ${row.table}`
    const call = triggerCall(row)
    if (typeof call === 'string') {
      reasons.set(object, call)
      continue
    }
    const reason = !inFiles.has(row.table)
      ? 'its table is written in SQL'
      : !adopted.has(row.function) || !row.function_here
        ? `its function ${row.function} is not a t.function of this schema`
        : // A column the hand-written migration adds (in OF or WHEN) does not exist when the trigger is made.
          needs(row.definition)
          ? `${SQL_ONLY} (a column written in SQL)`
          : null
    if (reason !== null) {
      reasons.set(object, reason)
      continue
    }
    triggers.set(row.table, [...(triggers.get(row.table) ?? []), call])
    objects.add(object)
  }
  return { calls, triggers, objects, reasons }
}

const SQL_ONLY =
  "it uses what only the hand-written migration makes, which runs after the schema files'"

/** The `t.function` call, or why there is none. */
function functionCall(row: FunctionRow): SchemaCall | string {
  if (row.kind === 'p') return 'procedures are not part of the schema DSL'
  if (row.kind !== 'f') return 'aggregates and window functions are not part of the schema DSL'
  if (row.overloaded) return 't.function declares one function per name, and this name has several'
  if (row.language !== 'plpgsql' && row.language !== 'sql')
    return `t.function writes plpgsql and sql, not ${row.language}`
  if (row.standard_body) return 't.function writes a dollar-quoted body, not BEGIN ATOMIC'
  if (row.other_attributes)
    return 't.function declares no STRICT, LEAKPROOF, PARALLEL, COST, ROWS or SET'
  const inputs = row.args.filter((arg) => arg.mode !== 't')
  if (inputs.some((arg) => arg.mode !== 'i' || arg.name === null || !OBJECT_NAME.test(arg.name)))
    return 't.function declares named input arguments only (no OUT, INOUT, VARIADIC or unnamed one)'
  const texts = [row.returns, ...inputs.flatMap((arg) => [arg.type, arg.default ?? 'NULL'])]
  if (
    !OBJECT_NAME.test(row.name) ||
    row.body.trim() === '' ||
    !texts.every((text) => expressionText(text, 'type').ok)
  )
    return 'its name, body or types are not what t.function takes'
  const args = inputs.map(
    (arg): OptionValue => ({
      name: arg.name ?? '',
      type: arg.type,
      ...(arg.default === null ? {} : { default: arg.default }),
    }),
  )
  const volatility = VOLATILITY[row.volatility] ?? 'volatile'
  const options: Record<string, OptionValue> = {
    name: row.name,
    ...(args.length === 0 ? {} : { args }),
    returns: row.returns,
    ...(row.language === 'plpgsql' ? {} : { language: row.language }),
    ...(volatility === 'volatile' ? {} : { volatility }),
    ...(row.security_definer ? { security: 'definer' } : {}),
    body: row.body,
  }
  return { method: 'function', args: [options] }
}

/** The `t.trigger` call, or why there is none. */
function triggerCall(row: TriggerRow): SchemaCall | string {
  if (row.other_attributes)
    return 't.trigger declares no arguments, transition tables, constraint trigger or disabled trigger'
  if (!OBJECT_NAME.test(row.name)) return 'its name is not one t.trigger takes'
  const timing = row.type & 2 ? 'before' : row.type & 64 ? 'instead of' : 'after'
  const events = (
    [
      ['insert', 4],
      ['update', 16],
      ['delete', 8],
      ['truncate', 32],
    ] as const
  ).flatMap(([event, bit]) => (row.type & bit ? [event] : []))
  const condition = /\sWHEN \((.*)\) EXECUTE (?:FUNCTION|PROCEDURE) /s.exec(row.definition)?.[1]
  if (condition !== undefined && !expressionText(condition, 'when').ok)
    return 'its WHEN condition is not one t.trigger takes'
  const options: Record<string, OptionValue> = {
    name: row.name,
    timing,
    events,
    ...(row.columns.length === 0 ? {} : { of: [...row.columns] }),
    forEach: row.type & 1 ? 'row' : 'statement',
    ...(condition === undefined ? {} : { when: condition }),
    function: row.function,
  }
  return { method: 'trigger', args: [options] }
}

/** The `t.domain` call, or why there is none. */
function domainCall(row: DomainRow): SchemaCall | string {
  if (!OBJECT_NAME.test(row.name) || !expressionText(row.type, 'type').ok)
    return 'its name or type is not one t.domain takes'
  const [check, other] = row.checks
  if (other !== undefined) return 't.domain declares one check, and this domain has several'
  let condition: string | undefined
  if (check !== undefined) {
    const inner = /^CHECK \((.*)\)$/s.exec(check.definition)?.[1]
    if (check.name !== `${row.name}_check` || !check.validated || inner === undefined)
      return `t.domain declares one validated check named ${row.name}_check`
    condition = inner
  }
  const options: Record<string, OptionValue> = {
    name: row.name,
    type: row.type,
    ...(row.not_null ? { notNull: true } : {}),
    ...(condition === undefined ? {} : { check: condition }),
    ...(row.default === null ? {} : { default: row.default }),
  }
  return { method: 'domain', args: [options] }
}
