/**
 * Text from the schema (a table name, a file path, a SQL type) made safe to put inside a
 * generated block comment: a star-slash in it would end the comment early and turn the rest
 * into declarations, so it is written star, backslash, slash.
 */
export function blockCommentText(text: string): string {
  return text.replaceAll('*/', '*\\/')
}

/**
 * Text from the schema made safe for a line comment (`-- …` in SQL, `// …` in JS): a line
 * break in it would end the comment and start a statement. Breaks are written as `\n`.
 *
 * @example
 * lineCommentText('users\nDROP TABLE x') // 'users\\nDROP TABLE x'
 */
export function lineCommentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029]/g, (char) => lineBreaks[char]!)
}

const lineBreaks: Readonly<Record<string, string>> = {
  '\r': '\\r',
  '\n': '\\n',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
}
