import type { DomainIR } from '../schema/object-ir.ts'
import type { SchemaIR } from '../schema/schema-ir.ts'
import type { SchemaChange } from './schema-change.ts'

/**
 * The declared domains' changes: a new default, NOT NULL or check is an `ALTER DOMAIN`; a new
 * underlying type is a drop and a create (PostgreSQL cannot retype a domain; with columns
 * using it the drop fails, and the change is one for a hand-written migration).
 */
export function diffDomains(from: SchemaIR, to: SchemaIR): SchemaChange[] {
  const previous = new Map((from.domains ?? []).map((domain) => [domain.name, domain]))
  const next = new Set((to.domains ?? []).map((domain) => domain.name))
  const changes: SchemaChange[] = []
  for (const domain of to.domains ?? []) {
    const old = previous.get(domain.name)
    if (old === undefined) changes.push({ kind: 'createDomain', domain })
    else if (old.type !== domain.type)
      changes.push(
        { kind: 'dropDomain', domain: old, replaced: true },
        { kind: 'createDomain', domain },
      )
    else if (!sameConstraints(old, domain))
      changes.push({ kind: 'alterDomain', from: old, to: domain })
  }
  for (const domain of from.domains ?? [])
    if (!next.has(domain.name)) changes.push({ kind: 'dropDomain', domain, replaced: false })
  return changes
}

function sameConstraints(a: DomainIR, b: DomainIR): boolean {
  return a.notNull === b.notNull && a.check === b.check && a.default === b.default
}
