import type { CallSite } from './call-site.ts'

/** One thing wrong with the schema, written for the person who wrote it. */
export interface SchemaProblem {
  /** The schema file, relative to the project root. */
  readonly file: string
  readonly table?: string
  readonly column?: string
  /** What is wrong. */
  readonly message: string
  /** What to do about it. */
  readonly hint: string
  /** Where in `file` the builder call at fault is, when the loader could tell (1-based). */
  readonly at?: SourcePosition
  /** @internal The builder call's site, which the loader turns into `at`. */
  readonly site?: CallSite
}

export interface SourcePosition {
  readonly line: number
  readonly column: number
}

/**
 * One report with every problem, grouped by nothing but order, never a stack trace:
 *
 * ```text
 * fluentorm: 1 problem in the schema
 *
 * schemas/02_posts.ts:7:3 (table posts, column user_id)
 *   belongsTo 'author' references table 'user', which no schema file declares.
 *   Fix: did you mean 'users'? Tables: comments, posts, users.
 * ```
 */
export function formatProblems(problems: readonly SchemaProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  const blocks = problems.map((problem) => {
    const where = [
      problem.table === undefined ? null : `table ${problem.table}`,
      problem.column === undefined ? null : `column ${problem.column}`,
    ].filter((part) => part !== null)
    // file:line:column, the form terminals and editors open at the line.
    const file = problem.at
      ? `${problem.file}:${problem.at.line}:${problem.at.column}`
      : problem.file
    const location = where.length === 0 ? file : `${file} (${where.join(', ')})`
    return `${location}\n  ${problem.message}\n  Fix: ${problem.hint}`
  })
  return `fluentorm: ${count} in the schema\n\n${blocks.join('\n\n')}\n`
}
