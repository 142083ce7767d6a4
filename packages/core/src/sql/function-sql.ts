import type { FunctionIR } from '../schema/object-ir.ts'
import { dollarQuote } from './dollar-quote.ts'
import { quoteIdent } from './identifier.ts'

/**
 * A declared function's CREATE, its body between dollar quotes as the schema gives it;
 * `orReplace` when only the body or attributes change (same arguments and return type).
 *
 * ```sql
 * CREATE FUNCTION touch_updated_at()
 * RETURNS trigger
 * LANGUAGE plpgsql
 * AS $fluentorm$BEGIN NEW.updated_at := now(); RETURN NEW; END$fluentorm$
 * ```
 */
export function createFunctionSql(item: FunctionIR, orReplace: boolean): string {
  const args = item.args
    .map(
      (arg) =>
        `${quoteIdent(arg.name)} ${arg.type}${arg.default === undefined ? '' : ` DEFAULT ${arg.default}`}`,
    )
    .join(', ')
  return [
    `CREATE ${orReplace ? 'OR REPLACE ' : ''}FUNCTION ${quoteIdent(item.name)}(${args})`,
    `RETURNS ${item.returns}`,
    `LANGUAGE ${item.language}`,
    ...(item.volatility === 'volatile' ? [] : [item.volatility.toUpperCase()]),
    ...(item.security === 'definer' ? ['SECURITY DEFINER'] : []),
    `AS ${dollarQuote(item.body, '')}`,
  ].join('\n')
}

/** `DROP FUNCTION IF EXISTS name(type, …)`: by its argument types, as PostgreSQL identifies it. */
export function dropFunctionSql(item: FunctionIR): string {
  return `DROP FUNCTION IF EXISTS ${quoteIdent(item.name)}(${item.args.map((arg) => arg.type).join(', ')})`
}
