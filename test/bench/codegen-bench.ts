/**
 * What a developer waits for: full generation (read and evaluate every schema file, compile,
 * the models module and the .d.ts) and the regeneration after one schema file is saved, for
 * 50, 200 and 500 synthetic tables of 10 columns, 1 index and 1 foreign key each.
 * Targets at 200 tables: 300 ms full, 50 ms for one schema.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createContext } from '@fluentorm/unplugin'

const SIZES = [50, 200, 500] as const
const ROUNDS = 5

function schemaFile(index: number, edited = false): string {
  const references =
    index === 1
      ? ''
      : `
  t.uuid({ name: 'parent_id' })
  t.belongsTo({ name: 'parent', column: 'parent_id', referencesTable: 't${index - 1}' })`
  return `export function build(t) {
  t.uuid({ name: 'id', primaryKey: true })
  t.string({ name: 'title' })
  t.string({ name: 'summary', nullable: true })
  t.integer({ name: 'position', defaultValue: '0' })
  t.boolean({ name: 'visible', defaultValue: 'true' })
  t.numeric({ name: 'price', precision: 10, scale: 2, nullable: true })
  t.jsonb({ name: 'data', nullable: true })
  t.timestamps()${references}${index === 1 ? "\n  t.string({ name: 'parent_id', nullable: true })" : ''}
  t.addIndexes([{ columns: ['title'] }])${edited ? "\n  t.string({ name: 'extra', nullable: true })" : ''}
}
`
}

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now()
    await run()
    times.push(performance.now() - start)
  }
  return times.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!
}

/** Prints a markdown table of the medians; returns it for RESULTS.md. */
export async function codegenBench(): Promise<string> {
  const rows = ['| tables | full generation | one schema saved |', '|---:|---:|---:|']
  for (const size of SIZES) {
    const root = await mkdtemp(join(tmpdir(), 'fluentorm-bench-'))
    try {
      await mkdir(join(root, 'schemas'))
      const name = (i: number) => join(root, 'schemas', `${String(i).padStart(3, '0')}_t${i}.js`)
      for (let i = 1; i <= size; i++) await writeFile(name(i), schemaFile(i))
      const full = await median(async () => {
        const result = await createContext({ dts: false }, root).refresh()
        if (!result.ok) throw new Error(result.report)
      })
      const context = createContext({}, root)
      await context.refresh()
      let edited = false
      const one = await median(async () => {
        edited = !edited
        await writeFile(name(Math.ceil(size / 2)), schemaFile(Math.ceil(size / 2), edited))
        const result = await context.refresh()
        if (!result.ok || !result.changed) throw new Error('the edit was not seen')
      })
      rows.push(`| ${size} | ${full.toFixed(0)} ms | ${one.toFixed(0)} ms |`)
    } finally {
      await rm(root, { recursive: true, force: true })
    }
  }
  return rows.join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await codegenBench())
