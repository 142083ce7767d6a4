import { readFile, rm, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { formatProblems, generateTableFiles, loadSchemas } from '@fluentorm/core'
import { describe, expect, it } from 'vitest'
import { ROOT, tempProject } from './support/schema-fixtures.ts'

/**
 * docs/SCHEMA.md's examples: after `<!-- example -->`, ```ts blocks are schema files (first
 * line `// schemas/NN_name.ts`) and each ```sql block (first line `-- table.sql`) must appear
 * verbatim in that generated file. After `<!-- problems -->`, the ```text block is the report.
 * UPDATE_DOCS=1 fills the sql and text blocks from the generator; review the diff.
 */
const DOC = resolve(ROOT, 'docs/SCHEMA.md')

interface Block {
  readonly lang: string
  readonly first: string
  readonly body: string
  readonly start: number
  readonly end: number
}

interface Example {
  readonly kind: 'example' | 'problems'
  readonly blocks: readonly Block[]
}

function parseExamples(doc: string): Example[] {
  const lines = doc.split('\n')
  const examples: Example[] = []
  for (let index = 0; index < lines.length; index++) {
    const marker = /^<!-- (example|problems) -->$/.exec(lines[index] ?? '')
    if (marker === null) continue
    const blocks: Block[] = []
    let cursor = index + 1
    while ((lines[cursor] ?? '').startsWith('```') && (lines[cursor] ?? '') !== '```') {
      const lang = (lines[cursor] ?? '').slice(3)
      const close = lines.indexOf('```', cursor + 1)
      const content = lines.slice(cursor + 1, close)
      blocks.push({
        lang,
        first: content[0] ?? '',
        body: content.slice(1).join('\n'),
        start: cursor,
        end: close,
      })
      cursor = close + 1
    }
    examples.push({ kind: marker[1] as Example['kind'], blocks })
  }
  return examples
}

async function run(example: Example) {
  const files = Object.fromEntries(
    example.blocks
      .filter((block) => block.lang === 'ts')
      .map((block) => [block.first.replace('// ', ''), `${block.first}\n${block.body}\n`]),
  )
  const root = await tempProject(files, true)
  try {
    return await loadSchemas({ schemasDir: 'schemas', root })
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

/** The generated file without its header comment, as the docs show it. */
function withoutHeader(content: string): string {
  return content.replace(/^(--[^\n]*\n)+\n/, '').trimEnd()
}

describe('docs/SCHEMA.md', async () => {
  const doc = await readFile(DOC, 'utf8')
  const examples = parseExamples(doc)

  it('has examples for every section that promises SQL', () => {
    expect(examples.length).toBeGreaterThanOrEqual(7)
  })

  if (process.env.UPDATE_DOCS === '1') {
    it('updates the SQL blocks', async () => {
      const lines = doc.split('\n')
      for (const example of [...examples].reverse()) {
        const result = await run(example)
        for (const block of [...example.blocks].reverse()) {
          if (block.lang === 'sql' && result.ok) {
            const content =
              generateTableFiles(result.schema).get(block.first.replace('-- ', '')) ?? ''
            lines.splice(
              block.start + 1,
              block.end - block.start - 1,
              block.first,
              withoutHeader(content),
            )
          } else if (block.lang === 'text' && !result.ok) {
            lines.splice(
              block.start + 1,
              block.end - block.start - 1,
              formatProblems(result.problems).trimEnd(),
            )
          }
        }
      }
      await writeFile(DOC, lines.join('\n'))
    })
    return
  }

  examples.forEach((example, index) => {
    it(`example ${index + 1} produces the SQL or report shown`, async () => {
      const result = await run(example)
      if (example.kind === 'problems') {
        expect(result.ok).toBe(false)
        const text = example.blocks.find((block) => block.lang === 'text')
        if (!result.ok)
          expect(formatProblems(result.problems).trimEnd()).toBe(
            `${text?.first}\n${text?.body}`.trimEnd(),
          )
        return
      }
      if (!result.ok) throw new Error(formatProblems(result.problems))
      const files = generateTableFiles(result.schema)
      const sqlBlocks = example.blocks.filter((block) => block.lang === 'sql')
      expect(sqlBlocks.length).toBeGreaterThan(0)
      for (const block of sqlBlocks) {
        const name = block.first.replace('-- ', '')
        expect(block.body.trim().length, name).toBeGreaterThan(0)
        expect(files.get(name), name).toContain(block.body)
      }
    })
  })
})
