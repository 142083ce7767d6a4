import type { DomainIR } from '../schema/object-ir.ts'
import { quoteIdent } from './identifier.ts'

/**
 * `CREATE DOMAIN`, before the tables whose columns use it (`t.custom({ type })`).
 *
 * ```sql
 * CREATE DOMAIN email_address AS text NOT NULL CONSTRAINT email_address_check CHECK (VALUE ~ '@')
 * ```
 */
export function createDomainSql(domain: DomainIR): string {
  return [
    `CREATE DOMAIN ${quoteIdent(domain.name)} AS ${domain.type}`,
    ...(domain.default === undefined ? [] : [`DEFAULT ${domain.default}`]),
    ...(domain.notNull ? ['NOT NULL'] : []),
    ...(domain.check === undefined
      ? []
      : [`CONSTRAINT ${quoteIdent(domainCheckName(domain))} CHECK (${domain.check})`]),
  ].join(' ')
}

/** The name PostgreSQL gives a domain's unnamed check, and fluentorm gives its one. */
export function domainCheckName(domain: DomainIR): string {
  return `${domain.name}_check`
}

export function dropDomainSql(domain: DomainIR): string {
  return `DROP DOMAIN IF EXISTS ${quoteIdent(domain.name)}`
}

/** `ALTER DOMAIN` statements taking `from` to `to` when the type under it is the same. */
export function alterDomainSql(from: DomainIR, to: DomainIR): string[] {
  const alter = `ALTER DOMAIN ${quoteIdent(to.name)}`
  const check = quoteIdent(domainCheckName(to))
  return [
    ...(from.default === to.default
      ? []
      : [
          to.default === undefined ? `${alter} DROP DEFAULT` : `${alter} SET DEFAULT ${to.default}`,
        ]),
    ...(from.notNull === to.notNull ? [] : [`${alter} ${to.notNull ? 'SET' : 'DROP'} NOT NULL`]),
    ...(from.check === to.check
      ? []
      : [
          ...(from.check === undefined ? [] : [`${alter} DROP CONSTRAINT IF EXISTS ${check}`]),
          ...(to.check === undefined
            ? []
            : [`${alter} ADD CONSTRAINT ${check} CHECK (${to.check})`]),
        ]),
  ]
}
