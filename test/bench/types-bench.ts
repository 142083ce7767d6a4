/**
 * What the generated types cost the compiler: `tsc --noEmit --extendedDiagnostics` over the
 * .d.ts that core's generateDts writes for 200 synthetic tables plus one typed query, in a
 * project that resolves @fluentorm/runtime as an application would.
 *
 * The times swing with the machine's load; the type and instantiation counts do not, when taken
 * from one `--singleThreaded` run (tsc's parallel checkers each create their own types, so the
 * counts of a parallel run depend on how the files fell to them). They are shown for the project
 * and for @fluentorm/runtime imported alone: the .d.ts is only parsed (skipLibCheck), so the
 * check is that of the TypeScript sources the packages ship, which is where a change shows.
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
  const tsconfig = {
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
  }
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ ...tsconfig, files: ['fluentorm.d.ts', 'query.ts'] }),
  )
  const runtimeDir = join(workDir, 'types-runtime')
  rmSync(runtimeDir, { recursive: true, force: true })
  mkdirSync(runtimeDir, { recursive: true })
  writeFileSync(join(runtimeDir, 'runtime.ts'), `export * from '@fluentorm/runtime'\n`)
  writeFileSync(
    join(runtimeDir, 'tsconfig.json'),
    JSON.stringify({ ...tsconfig, files: ['runtime.ts'] }),
  )
  const runs = [0, 1, 2].map(() => tscRun(dir))
  runs.sort((a, b) => a.wall - b.wall)
  const median = runs[1]!
  const counted = tscRun(dir, ['--singleThreaded'])
  const runtimeAlone = tscRun(runtimeDir, ['--singleThreaded'])
  const seconds = Number.parseFloat(median.total)
  const targets = [
    atMost(
      '(f) tsc over 200 tables ≤ 1 s (tsc Total time)',
      seconds,
      1,
      ' s',
      "tsc Parse time is about 0.4 s of it (the 330 KiB .d.ts plus the .ts sources @fluentorm/runtime exports). Check time is that of the .ts sources of runtime and, through its type imports of @fluentorm/core, of all of core: the .d.ts is only parsed, and the runtime-alone counts in the table are nearly all of the project's",
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
    '',
    'Counts of one single-threaded run (the same from run to run, whatever the load):',
    '',
    '| project | files | Types | Instantiations | Check time |',
    '|---|---:|---:|---:|---:|',
    `| ${TABLES} tables + the query | ${counted.files} | ${counted.types} | ${counted.instantiations} | ${counted.check} |`,
    `| @fluentorm/runtime alone | ${runtimeAlone.files} | ${runtimeAlone.types} | ${runtimeAlone.instantiations} | ${runtimeAlone.check} |`,
  ].join('\n')
  return { text, targets }
}

const tsc = join(process.cwd(), 'node_modules', '.bin', 'tsc')

/** One `tsc --extendedDiagnostics` over a project: its wall time, figures and errors. */
function tscRun(project: string, flags: readonly string[] = []) {
  const start = process.hrtime.bigint()
  const run = spawnSync(tsc, ['-p', project, '--extendedDiagnostics', ...flags], {
    encoding: 'utf8',
  })
  const output = run.stdout
  const wall = Number(process.hrtime.bigint() - start) / 1e9
  const field = (name: string) => new RegExp(`^${name}:\\s+(\\S+)`, 'm').exec(output)?.[1] ?? '?'
  return {
    errors: output.split('\n').filter((line) => line.includes('error TS')),
    wall,
    check: field('Check time'),
    total: field('Total time'),
    files: field('Files'),
    types: field('Types'),
    instantiations: field('Instantiations'),
  }
}
