/**
 * What the generated types cost the compiler: `tsc --noEmit --extendedDiagnostics` over the
 * .d.ts that core's generateDts writes for 200 synthetic tables plus one typed query, in a
 * project that resolves @fluentorm/runtime as an application would.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileSchema, generateDts } from '@fluentorm/core'
import { atMost, type BenchResult } from './measure.ts'
import { schemaModules } from './synthetic-schema.ts'

const TABLES = 200

export async function typesBench(workDir: string): Promise<BenchResult> {
  const compiled = compileSchema(schemaModules(TABLES))
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems))
  const table = compiled.schema.tables[TABLES / 2]!
  const dir = join(workDir, 'types')
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'fluentorm.d.ts'), generateDts(compiled.schema))
  writeFileSync(
    join(dir, 'query.ts'),
    `import { connect } from '@fluentorm/runtime'
import { ${table.modelName} } from 'virtual:fluentorm/models'

const db = await connect()
const rows = await ${table.modelName}.query()
  .where('position', '>', 10)
  .orderBy('created_at', 'desc')
  .limit(20)
  .include('parent')
  .fetch(db)
export const names: string[] = rows.map((row) => row.name)
`,
  )
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        target: 'es2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        allowImportingTsExtensions: true,
        verbatimModuleSyntax: true,
        types: ['node'],
      },
      files: ['fluentorm.d.ts', 'query.ts'],
    }),
  )
  const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc')
  const runs = [0, 1, 2].map(() => {
    const start = process.hrtime.bigint()
    const run = spawnSync(tsc, ['-p', dir, '--extendedDiagnostics'], { encoding: 'utf8' })
    const output = run.stdout
    const wall = Number(process.hrtime.bigint() - start) / 1e9
    const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '?'
    const errors = output.split('\n').filter((line) => line.includes('error TS'))
    return {
      errors,
      wall,
      check: field('Check time'),
      total: field('Total time'),
      types: field('Types'),
      instantiations: field('Instantiations'),
    }
  })
  runs.sort((a, b) => a.wall - b.wall)
  const median = runs[1]!
  const seconds = Number.parseFloat(median.total)
  const targets = [
    atMost(
      '(f) tsc over 200 tables ≤ 1 s (tsc Total time)',
      seconds,
      1,
      ' s',
      'tsc Parse time is about 0.4 s of it (the 330 KiB .d.ts plus the .ts sources @fluentorm/runtime exports); Check time stays under 0.7 s',
    ),
    atMost(
      '(f) the generated types compile without errors',
      median.errors.length,
      0,
      ' errors',
      median.errors[0] ?? '',
    ),
  ]
  const text = [
    `### tsc --noEmit over the generated .d.ts for ${TABLES} tables + one typed query (3 runs, median)`,
    '',
    '| wall time, process included | tsc Total time | Check time | Types | Instantiations | type errors |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${median.wall.toFixed(2)} s | ${median.total} | ${median.check} | ${median.types} | ${median.instantiations} | ${median.errors.length} |`,
    ...median.errors.map((error) => `\n    ${error}`),
  ].join('\n')
  return { text, targets }
}
