import { namesWord } from '../sql/view-sql.ts'
import { suggestName } from '../validate/closest-name.ts'
import { compileDomain } from './compile-domain.ts'
import { compileFunction, type DeclarationReport } from './compile-function.ts'
import type { CompiledTable } from './compile-table.ts'
import type { DomainIR, FunctionIR } from './object-ir.ts'
import type { TableIR } from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'
import type { TableDraftEntry } from './table-schema.ts'

/** The calls that declare an object of the schema, and the triggers that call its functions. */
export type DeclarationEntry = Extract<TableDraftEntry, { kind: 'function' | 'domain' | 'trigger' }>

/** Whether a file's build declared only functions and domains: it makes no table. */
export function declaresOnlyObjects(entries: readonly TableDraftEntry[]): boolean {
  return entries.length > 0 && entries.every((e) => e.kind === 'function' || e.kind === 'domain')
}

/** The schema's functions and domains, and the compiled tables that are tables. */
export interface DeclaredObjects {
  readonly tables: readonly CompiledTable[]
  readonly functions: readonly FunctionIR[]
  readonly domains: readonly DomainIR[]
}

/**
 * Compiles every `t.function` and `t.domain` of every file, in prefix order, and drops the
 * files that declare nothing else from the tables. A name declared twice is reported:
 * functions are identified by name (no overloads), so the diff knows which one changed.
 */
export function collectDeclarations(
  compiled: readonly CompiledTable[],
  problems: SchemaProblem[],
): DeclaredObjects {
  const report: DeclarationReport = (origin, message, hint) =>
    problems.push({
      file: origin.source,
      message,
      hint,
      ...(origin.site === undefined ? {} : { site: origin.site }),
    })
  const functions = new Map<string, FunctionIR>()
  const domains = new Map<string, DomainIR>()
  const entries = compiled.flatMap((table) => table.declarations)
  for (const entry of entries) {
    if (entry.kind === 'trigger') continue
    if (entry.kind === 'function') {
      const item = compileFunction(entry.options, entry, report)
      const first = functions.get(item.name)
      if (first === undefined) functions.set(item.name, item)
      else
        report(
          entry,
          `Function '${item.name}' is declared twice (first in ${first.source}); fluentorm declares no overloads.`,
          'Keep one declaration, or give the other function another name.',
        )
    } else {
      const item = compileDomain(entry.options, entry, report)
      if (domains.has(item.name))
        report(entry, `Domain '${item.name}' is declared twice.`, 'Keep one declaration.')
      else domains.set(item.name, item)
    }
  }
  for (const entry of entries)
    if (entry.kind === 'trigger') checkTriggerFunction(entry, functions, report)
  return {
    tables: compiled.filter((table) => !table.objectsOnly),
    functions: [...functions.values()],
    domains: [...domains.values()],
  }
}

/**
 * When the schema declares functions, a trigger's must be one of them and return `trigger`;
 * a schema that declares none may call one a hand-written migration creates.
 */
function checkTriggerFunction(
  entry: Extract<DeclarationEntry, { kind: 'trigger' }>,
  functions: ReadonlyMap<string, FunctionIR>,
  report: DeclarationReport,
): void {
  const name = entry.options.function
  if (typeof name !== 'string' || name === '') return
  const called = functions.get(name)
  const label = `Trigger '${String(entry.options.name)}'`
  if (called === undefined && functions.size > 0)
    report(
      entry,
      `${label} runs function '${name}', which no schema file declares.`,
      suggestName(name, [...functions.keys()], 'functions'),
    )
  else if (called !== undefined && called.returns.toLowerCase() !== 'trigger')
    report(
      entry,
      `${label} runs function '${name}', which returns ${called.returns}, not trigger.`,
      `Declare '${name}' with returns: 'trigger'.`,
    )
}

/**
 * The functions, those that must wait for the tables marked `afterTables`: their signature
 * names a table's row type, or their SQL body (which PostgreSQL checks at CREATE) a table.
 */
export function placeFunctions(
  functions: readonly FunctionIR[],
  tables: readonly TableIR[],
): FunctionIR[] {
  const names = tables.map((table) => table.name)
  return functions.map((item) => (readsTables(item, names) ? { ...item, afterTables: true } : item))
}

function readsTables(item: FunctionIR, tables: readonly string[]): boolean {
  const signature = [item.returns, ...item.args.map((arg) => arg.type)].join(' ')
  return tables.some(
    (table) =>
      namesWord(signature, table) || (item.language === 'sql' && namesWord(item.body, table)),
  )
}
