/**
 * Wraps a PL/pgSQL body in dollar quotes whose tag does not occur in the body, so names
 * and labels from the schema can never end the block early.
 *
 * ```ts
 * dollarQuote('BEGIN … END') // $fluentorm$BEGIN … END$fluentorm$
 * ```
 */
export function dollarQuote(body: string): string {
  let tag = '$fluentorm$'
  for (let attempt = 1; body.includes(tag); attempt++) tag = `$fluentorm_${attempt}$`
  return `${tag}\n${body}\n${tag}`
}
