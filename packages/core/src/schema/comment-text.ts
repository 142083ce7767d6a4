/**
 * Why a `comment` cannot become a `COMMENT ON … IS '…'` literal, or null. The text itself may
 * hold anything else (quotes are doubled when it is written).
 */
export function commentProblem(comment: unknown): string | null {
  if (comment === undefined) return null
  if (typeof comment !== 'string') return 'The comment is not a string.'
  if (comment.includes('\0'))
    return 'The comment contains a NUL character (\\0), which PostgreSQL cannot store.'
  return null
}
