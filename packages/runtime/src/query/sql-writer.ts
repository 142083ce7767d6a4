/**
 * Collects bound values while SQL text is assembled: `param(v)` returns the next `$n`.
 * One writer serves a whole statement, subqueries included, so numbering stays consistent.
 */
export class SqlWriter {
  readonly values: unknown[] = []

  param(value: unknown): string {
    this.values.push(value)
    return `$${this.values.length}`
  }
}
