import type { FunctionIR } from '../schema/object-ir.ts'
import type { SchemaIR, TableIR } from '../schema/schema-ir.ts'
import { dollarQuote } from './dollar-quote.ts'
import { createDomainSql } from './domain-sql.ts'
import { createFunctionSql } from './function-sql.ts'
import { createTriggerSql } from './trigger-sql.ts'
import { namesWord } from './view-sql.ts'

/**
 * The per-table files' file of the schema's domains and the functions made before the tables,
 * applied before every table's file; its name sorts before theirs and is no table's.
 */
export const DECLARATIONS_FILE = '_functions.sql'

/**
 * `_functions.sql`'s statements, each re-runnable: a domain guarded as an enum type is, a
 * function `CREATE OR REPLACE`. Empty when the schema declares none.
 */
export function declarationStatements(schema: SchemaIR): string[] {
  return [
    ...(schema.domains ?? []).map(
      (domain) =>
        `DO ${dollarQuote(`BEGIN\n  ${createDomainSql(domain)};\nEXCEPTION\n  WHEN duplicate_object THEN NULL;\nEND`)}`,
    ),
    ...(schema.functions ?? [])
      .filter((item) => item.afterTables !== true)
      .map((item) => createFunctionSql(item, true)),
  ]
}

/**
 * The functions that read a table, each in the file of the last table (in schema order) it
 * names, so the tables it needs exist when it is made.
 */
export function functionsAfterTables(schema: SchemaIR): Map<string, FunctionIR[]> {
  const placed = new Map<string, FunctionIR[]>()
  for (const item of schema.functions ?? []) {
    if (item.afterTables !== true) continue
    const text = [item.returns, ...item.args.map((arg) => arg.type), item.body].join(' ')
    // A loop, not findLast (ES2023): an application compiling against ES2022 type-checks this file.
    let last: TableIR | undefined
    for (let i = schema.tables.length - 1; i >= 0 && last === undefined; i--) {
      if (namesWord(text, schema.tables[i]!.name)) last = schema.tables[i]
    }
    if (last === undefined) continue
    placed.set(last.name, [...(placed.get(last.name) ?? []), item])
  }
  return placed
}

/** A table's triggers, `CREATE OR REPLACE TRIGGER` (PostgreSQL 14 and later) so the file re-runs. */
export function tableTriggerStatements(table: TableIR): string[] {
  return (table.triggers ?? []).map((trigger) =>
    createTriggerSql(table.name, trigger).replace(/^CREATE TRIGGER /, 'CREATE OR REPLACE TRIGGER '),
  )
}

/** Whether a table's file needs `_functions.sql` first: the schema declares something it may use. */
export function usesDeclarations(schema: SchemaIR): boolean {
  return (schema.domains ?? []).length > 0 || (schema.functions ?? []).some((f) => !f.afterTables)
}
