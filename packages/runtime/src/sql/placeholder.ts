import { FluentOrmError } from '../errors/fluent-orm-error.ts'
import { quotedValue } from '../errors/shown-value.ts'
import { bindValue } from './column-types.ts'
import { Slot } from './compiler.ts'
import { type Expressible, toExpression } from './expressible.ts'
import type { Expr } from './expression.ts'

/** Type-only key of a placeholder's name (no runtime value). */
export declare const placeholderName: unique symbol

/**
 * A value given when a kept query runs, so the query is built and rendered once:
 *
 * ```ts
 * const bySlug = Post.query().where('title', placeholder('title')).include('author')
 * await bySlug.first(db, { title })   // one named statement, whatever the title
 * ```
 */
export class Placeholder<N extends string = string> implements Expressible {
  declare readonly [placeholderName]: N
  readonly #node: Expr

  /** @internal Use `placeholder(name)`. */
  constructor(readonly name: N) {
    this.#node = Object.freeze({ kind: 'placeholder', key: name, column: null })
  }

  [toExpression](): Expr {
    return this.#node
  }
}

/** A named value of a kept query, given to `fetch(db, { name: value })` and the like. */
export function placeholder<N extends string>(name: N): Placeholder<N> {
  if (typeof name !== 'string' || name === '') {
    throw invalid(
      `a placeholder's name must be a non-empty string, got ${quotedValue(name)}`,
      "Write e.g. placeholder('slug').",
    )
  }
  return new Placeholder(name)
}

/**
 * The values a statement binds once its placeholders have theirs: each read from `params` by
 * its own key and bound with its column's rules. A placeholder without a value, or a value
 * for no placeholder, is refused: a misspelt name would otherwise bind nothing, silently.
 */
export function withPlaceholders(
  values: readonly unknown[],
  params: object | undefined,
  operation: string,
): readonly unknown[] {
  let names: Set<string> | undefined
  const bound = values.map((value) => {
    if (!(value instanceof Slot) || typeof value.key !== 'string') return value
    names ??= new Set()
    names.add(value.key)
    const given =
      params !== undefined && params !== null && Object.hasOwn(params, value.key)
        ? (params as Record<string, unknown>)[value.key]
        : undefined
    if (given === undefined) {
      throw invalid(
        `placeholder "${value.key}" has no value`,
        `Pass it when the query runs: ${operation}(db, { ${value.key}: … }).`,
      )
    }
    if (given === null && value.comparedWith !== null) {
      throw invalid(
        `placeholder "${value.key}" is null, and is compared with ${value.comparedWith}: no row matches a NULL that way`,
        `For rows whose value is NULL, use whereNull(…) in a query of its own; or write the condition as sql\`… IS NOT DISTINCT FROM \${placeholder('${value.key}')}\`.`,
      )
    }
    return value.column ? bindValue(value.column, given) : given
  })
  if (params !== undefined && params !== null) {
    if (typeof params !== 'object') {
      throw invalid(`placeholder values must be an object, got ${typeof params}`, '')
    }
    for (const key of Object.keys(params)) {
      if (!names?.has(key)) {
        throw invalid(
          `the query has no placeholder "${key}"`,
          names ? `Its placeholders: ${[...names].join(', ')}.` : 'It has no placeholders.',
        )
      }
    }
  }
  return bound
}

function invalid(reason: string, hint: string): FluentOrmError {
  return new FluentOrmError({
    code: 'INVALID_USAGE',
    kind: 'invalid_usage',
    reason: hint ? `${reason}. ${hint}` : reason,
    operation: 'placeholder',
    hint: hint || undefined,
  })
}
