/** Words whose singular is not made by dropping a suffix. */
const IRREGULAR: Readonly<Record<string, string>> = {
  people: 'person',
  men: 'man',
  women: 'woman',
  children: 'child',
  teeth: 'tooth',
  feet: 'foot',
  mice: 'mouse',
  geese: 'goose',
  indices: 'index',
  matrices: 'matrix',
  vertices: 'vertex',
  criteria: 'criterion',
  phenomena: 'phenomenon',
  shelves: 'shelf',
  wolves: 'wolf',
  halves: 'half',
  calves: 'calf',
  leaves: 'leaf',
  loaves: 'loaf',
  thieves: 'thief',
  knives: 'knife',
  wives: 'wife',
  lives: 'life',
}

/** Words that are already singular or have no singular. */
const UNCHANGED = new Set(['news', 'series', 'species', 'status', 'data', 'metadata', 'media'])

/** Suffix rules, first match wins: [pattern, replacement]. */
const SUFFIX_RULES: readonly (readonly [RegExp, string])[] = [
  [/([^aeiou])ies$/, '$1y'],
  [/(ou|au)ses$/, '$1se'],
  [/(ss|us|x|z|ch|sh)es$/, '$1'],
  [/(ss|us|is)$/, '$1'],
  [/s$/, ''],
]

/**
 * The singular of an English noun, good enough for table names:
 * `categories` → `category`, `people` → `person`, `addresses` → `address`, `statuses` → `status`.
 */
export function singularize(word: string): string {
  const lower = word.toLowerCase()
  const irregular = IRREGULAR[lower]
  if (irregular !== undefined) return matchCase(word, irregular)
  if (UNCHANGED.has(lower)) return word
  for (const [pattern, replacement] of SUFFIX_RULES) {
    if (pattern.test(lower)) return word.replace(new RegExp(pattern.source, 'i'), replacement)
  }
  return word
}

/**
 * The model class name of a table: the last word singular, every word capitalised.
 * `users` → `User`, `post_categories` → `PostCategory`, `people` → `Person`.
 */
export function toModelName(tableName: string): string {
  const words = splitWords(tableName)
  const last = words.pop()
  if (last === undefined) return ''
  return [...words, singularize(last)].map(capitalize).join('')
}

/** The singular snake_case of a table name, for default column and relation names: `categories` → `category`. */
export function singularTableName(tableName: string): string {
  const words = splitWords(tableName)
  const last = words.pop()
  if (last === undefined) return ''
  return [...words, singularize(last)].join('_').toLowerCase()
}

function splitWords(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '')
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase()
}

function matchCase(original: string, replacement: string): string {
  return original.charAt(0) === original.charAt(0).toUpperCase()
    ? capitalize(replacement)
    : replacement
}
