import type { Expr } from './expression.ts'

/**
 * What makes an object an expression: fragments, column references and query builders carry
 * it. A symbol, so no value parsed from JSON can pose as one; `Symbol.for`, so two copies
 * of the runtime (a Vite SSR graph and Node's) still recognise each other's.
 */
export const toExpression: unique symbol = Symbol.for('fluentorm.expression')

export interface Expressible {
  [toExpression](): Expr
}

/** The expression an object stands for, or null for a value. */
export function expressionOf(value: unknown): Expr | null {
  if (typeof value !== 'object' || value === null || !(toExpression in value)) return null
  const make = (value as Partial<Expressible>)[toExpression]
  return typeof make === 'function' ? make.call(value) : null
}
