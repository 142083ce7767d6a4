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
}

/**
 * One report with every problem, grouped by nothing but order, never a stack trace:
 *
 * ```text
 * fluentorm: 1 problem in the schema
 *
 * schemas/02_posts.ts (table posts, column user_id)
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
    const location = where.length === 0 ? problem.file : `${problem.file} (${where.join(', ')})`
    return `${location}\n  ${problem.message}\n  Fix: ${problem.hint}`
  })
  return `fluentorm: ${count} in the schema\n\n${blocks.join('\n\n')}\n`
}
