import { generateTableFiles, quoteIdent, quoteLiteral } from '@fluentorm/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { BACKENDS, type Backend } from '../support/backends.ts'
import { file, rows, runScript, schemaOf } from './support/schema-fixtures.ts'

const TRICKY = [
  "it's",
  "'half",
  'back\\slash \\n \\',
  '$$ dollar $fluentorm$ $$',
  '"double"',
  'ünïcødé ✓ 日本語',
  'emoji 🐘🚀',
  'line\nbreak\ttab',
  "-- comment'; DROP TABLE x; --",
]

/** Deterministic pseudo-random strings (fixed seed) from an alphabet of troublesome characters. */
function randomStrings(count: number): string[] {
  const alphabet = [
    "'",
    '"',
    '\\',
    '$',
    ' ',
    '\n',
    'a',
    'Z',
    '0',
    '_',
    'é',
    '🐘',
    ';',
    '-',
    '*',
    '/',
    '%',
  ]
  let seed = 42
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31
    return seed
  }
  return Array.from({ length: count }, () =>
    Array.from({ length: 1 + (next() % 12) }, () => alphabet[next() % alphabet.length]).join(''),
  )
}

describe('quoteIdent / quoteLiteral', () => {
  it('quote only where needed', () => {
    expect(['posts', 'user', 'order', 'createdAt', 'a"b', '1st', 'time'].map(quoteIdent)).toEqual([
      'posts',
      '"user"',
      '"order"',
      '"createdAt"',
      '"a""b"',
      '"1st"',
      '"time"',
    ])
    expect(quoteLiteral("it's \\")).toBe("'it''s \\'")
  })

  it('reject NUL with a clear error', () => {
    expect(() => quoteLiteral('a\0b')).toThrow('A string literal contains a NUL character (\\0)')
    expect(() => quoteIdent('a\0b')).toThrow(
      'An identifier contains a NUL character'.replace('An', 'A'),
    )
  })
})

describe.each(BACKENDS)('literals round-trip on $name', ({ open }) => {
  let backend: Backend
  beforeAll(async () => {
    backend = await open()
  })
  afterAll(() => backend.close())

  it('every reserved key word and tricky name works as a quoted identifier, every string as a literal', async () => {
    const keywords = await rows<{ word: string }>(
      backend,
      "SELECT word FROM pg_get_keywords() WHERE catcode <> 'U'",
    )
    const names = [...keywords.map((row) => row.word), ...TRICKY, ...randomStrings(300)]
    const select = names.map(
      (name, index) => `${quoteLiteral(name)} AS ${quoteIdent(`c${index}_${name}`)}`,
    )
    const [row] = await rows<Record<string, string>>(backend, `SELECT ${select.join(', ')}`)
    expect(Object.values(row ?? {})).toEqual(names)
    expect(Object.keys(row ?? {})).toEqual(names.map((name, index) => `c${index}_${name}`))
  })

  it('defaults, checks and enum labels read back exactly from the catalog', async () => {
    const schema = schemaOf(
      file('tricky', (t) => {
        t.increments({ name: 'id', primaryKey: true })
        TRICKY.forEach((value, index) => {
          t.string({
            name: `d${index}`,
            defaultValue: value,
            check: `d${index} <> ${quoteLiteral(`not ${value}`)}`,
          })
        })
        t.enum({ name: 'label', values: TRICKY, defaultValue: TRICKY[3] })
      }),
    )
    for (const content of generateTableFiles(schema).values()) await runScript(backend, content)
    const [inserted] = await rows<Record<string, string>>(
      backend,
      'INSERT INTO tricky DEFAULT VALUES RETURNING *',
    )
    expect(TRICKY.map((_, index) => inserted?.[`d${index}`])).toEqual(TRICKY)
    expect(inserted?.label).toBe(TRICKY[3])

    const labels = await rows<{ enumlabel: string }>(
      backend,
      `SELECT enumlabel FROM pg_enum WHERE enumtypid = 'tricky_label'::regtype ORDER BY enumsortorder`,
    )
    expect(labels.map((row) => row.enumlabel)).toEqual(TRICKY)
    const checks = await rows<{ conname: string; value: string }>(
      backend,
      `SELECT conname, (regexp_match(pg_get_constraintdef(oid), '<> (''.*'')::text'))[1] AS value
         FROM pg_constraint WHERE conrelid = 'tricky'::regclass AND contype = 'c' ORDER BY conname`,
    )
    const read = await rows<{ value: string }>(
      backend,
      `SELECT ${checks.map((check) => check.value).join(' AS value UNION ALL SELECT ')} AS value`,
    )
    expect(read.map((row) => row.value).sort()).toEqual(
      TRICKY.map((value) => `not ${value}`).sort(),
    )
  })
})
