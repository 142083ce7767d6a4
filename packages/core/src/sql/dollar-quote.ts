/**
 * Wraps a PL/pgSQL body in dollar quotes whose tag does not occur in the body, so names
 * and labels from the schema can never end the block early. `separator` goes between the
 * tags and the body: a declared function's body is written as it is (`''`), so PostgreSQL
 * stores the text the schema file holds.
 *
 * ```ts
 * dollarQuote('BEGIN … END') // $fluentorm$\nBEGIN … END\n$fluentorm$
 * ```
 */
export function dollarQuote(body: string, separator = '\n'): string {
  const text = `${separator}${body}${separator}`
  let tag = '$fluentorm$'
  // The first tag in text and closing tag is the closing one: a body ending in `$fluentorm` would close early.
  for (let attempt = 1; `${text}${tag}`.indexOf(tag) !== text.length; attempt++)
    tag = `$fluentorm_${attempt}$`
  return `${tag}${text}${tag}`
}
