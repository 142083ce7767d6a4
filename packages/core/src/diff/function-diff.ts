import type { FunctionIR } from '../schema/object-ir.ts'
import type { SchemaIR } from '../schema/schema-ir.ts'
import type { SchemaChange } from './schema-change.ts'

/**
 * The declared functions' changes, by name and content. A changed body or attribute with the
 * same arguments and return type is `CREATE OR REPLACE` (triggers on it stay); other changes
 * are a drop and a create, which PostgreSQL needs for a new signature or return type.
 *
 * ```ts
 * diffFunctions(before, after) // [{ kind: 'createFunction', function: touch, orReplace: true }]
 * ```
 */
export function diffFunctions(from: SchemaIR, to: SchemaIR): SchemaChange[] {
  const previous = new Map((from.functions ?? []).map((item) => [item.name, item]))
  const next = new Set((to.functions ?? []).map((item) => item.name))
  const changes: SchemaChange[] = []
  for (const item of to.functions ?? []) {
    const old = previous.get(item.name)
    if (old === undefined)
      changes.push({ kind: 'createFunction', function: item, orReplace: false })
    else if (definition(old) === definition(item)) continue
    else if (signature(old) === signature(item))
      changes.push({ kind: 'createFunction', function: item, orReplace: true })
    else
      changes.push(
        { kind: 'dropFunction', function: old, replaced: true },
        { kind: 'createFunction', function: item, orReplace: false },
      )
  }
  for (const item of from.functions ?? [])
    if (!next.has(item.name))
      changes.push({ kind: 'dropFunction', function: item, replaced: false })
  return changes
}

/** The names of the functions dropped and created again: their triggers are re-made around them. */
export function recreatedFunctions(changes: readonly SchemaChange[]): Set<string> {
  return new Set(
    changes.flatMap((change) =>
      change.kind === 'dropFunction' && change.replaced ? [change.function.name] : [],
    ),
  )
}

/** What PostgreSQL identifies and types a function by: CREATE OR REPLACE cannot change it. */
function signature(item: FunctionIR): string {
  const args = item.args.map((arg) => [arg.name, arg.type, arg.default ?? null])
  return JSON.stringify([args, item.returns.trim().toLowerCase()])
}

/** Everything that reaches the database, the body without its surrounding whitespace. */
function definition(item: FunctionIR): string {
  const { language, volatility, security } = item
  return JSON.stringify([signature(item), language, volatility, security, item.body.trim()])
}
