/** The studio's token from the dev server's log: the link it prints, `/__fluentorm?token=…`. */
export function studioToken(lines: readonly string[]): string {
  const line = lines.find((l) => l.includes('fluentorm studio')) ?? ''
  return /token=([\w-]+)/.exec(line)?.[1] ?? ''
}

/** The blog fixture's users schema with a redacted `password_hash`, for what the studio must never show. */
export function withPasswordHash(text: string): string {
  return text.replace(
    '  t.timestamps()\n',
    "  t.string({ name: 'password_hash', redacted: true, notNull: false })\n  t.timestamps()\n",
  )
}
