/**
 * Parses PostgreSQL's text form of an array, `{1,2,NULL}` or `{{"a\"b",c},{d,e}}`, into
 * nested JS arrays, decoding every non-NULL element with `parseElement`. One parser for both
 * backends, so arrays decode identically on pg and PGlite.
 */
export function parseArrayLiteral(
  text: string,
  parseElement: (text: string) => unknown,
): unknown[] {
  // Arrays with non-default bounds print a dimension prefix: `[0:1]={a,b}`.
  let i = text.charCodeAt(0) === 0x5b ? text.indexOf('=') + 1 : 0
  const open: unknown[][] = []
  let result: unknown[] = []
  let current: unknown[] = result
  for (; i < text.length; i++) {
    const char = text[i]
    if (char === '{') {
      const nested: unknown[] = []
      if (open.length > 0) current.push(nested)
      else result = nested
      open.push(nested)
      current = nested
    } else if (char === '}') {
      open.pop()
      current = open[open.length - 1] ?? result
    } else if (char === '"') {
      let value = ''
      let start = i + 1
      for (i = start; text[i] !== '"'; i++) {
        if (text[i] === '\\') {
          value += text.slice(start, i)
          i++
          start = i
        }
      }
      current.push(parseElement(value + text.slice(start, i)))
    } else if (char !== ',') {
      let end = i
      while (text[end] !== ',' && text[end] !== '}') end++
      const raw = text.slice(i, end)
      current.push(raw === 'NULL' ? null : parseElement(raw))
      i = end - 1
    }
  }
  return result
}
