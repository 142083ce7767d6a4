import type { SchemaChange } from '../diff/schema-change.ts'
import type { SchemaIR } from '../schema/schema-ir.ts'
import { createDomainSql } from '../sql/domain-sql.ts'
import { createFunctionSql } from '../sql/function-sql.ts'
import { createTriggerSql } from '../sql/trigger-sql.ts'

type ObjectChange = Extract<
  SchemaChange,
  {
    kind:
      | 'createFunction'
      | 'dropFunction'
      | 'createTrigger'
      | 'dropTrigger'
      | 'createDomain'
      | 'dropDomain'
      | 'alterDomain'
  }
>

const NONE = '(none)'

/** As drift-difference.ts's DriftDifference (not imported: that file imports this one). */
interface Difference {
  readonly object: string
  readonly expected: string
  readonly found: string
}

/**
 * A function, trigger or domain that differs, each side as the DDL that makes it. One dropped
 * and made again (a new signature, a changed trigger) is told once, by its creation.
 */
export function describeObjectChange(
  change: ObjectChange,
  expected: SchemaIR,
  found: SchemaIR,
): Difference[] {
  const functionText = (schema: SchemaIR, name: string) => {
    const item = schema.functions?.find((f) => f.name === name)
    return item === undefined ? NONE : createFunctionSql(item, false)
  }
  const triggerText = (schema: SchemaIR, table: string, name: string) => {
    const trigger = schema.tables
      .find((t) => t.name === table)
      ?.triggers?.find((t) => t.name === name)
    return trigger === undefined ? NONE : createTriggerSql(table, trigger)
  }
  const domainText = (schema: SchemaIR, name: string) => {
    const domain = schema.domains?.find((d) => d.name === name)
    return domain === undefined ? NONE : createDomainSql(domain)
  }
  switch (change.kind) {
    case 'createFunction':
    case 'dropFunction': {
      const name = change.function.name
      if (change.kind === 'dropFunction' && change.replaced) return []
      return [
        {
          object: `function ${name}`,
          expected: functionText(expected, name),
          found: functionText(found, name),
        },
      ]
    }
    case 'createTrigger':
    case 'dropTrigger': {
      const { table, trigger } = change
      const after = triggerText(found, table, trigger.name)
      if (change.kind === 'dropTrigger' && after !== NONE) return []
      return [
        {
          object: `trigger ${trigger.name} on ${table}`,
          expected: triggerText(expected, table, trigger.name),
          found: after,
        },
      ]
    }
    case 'createDomain':
    case 'dropDomain':
    case 'alterDomain': {
      if (change.kind === 'dropDomain' && change.replaced) return []
      const name = change.kind === 'alterDomain' ? change.to.name : change.domain.name
      return [
        {
          object: `domain ${name}`,
          expected: domainText(expected, name),
          found: domainText(found, name),
        },
      ]
    }
  }
}
