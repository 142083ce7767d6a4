/**
 * `npm run bench`: runs every benchmark section, each in a fresh Node process (so one
 * section's heap, JIT state and connections cannot slow the next), prints the tables and
 * writes test/bench/RESULTS.md with the machine, the numbers and every target of the issues (6, 11, 14, 18, 19)
 * checked. Numbers are ratios measured in the same run on the same machine.
 * `npm run bench -- c e` runs only sections (c) and (e) and prints them; RESULTS.md is
 * written by full runs only.
 */
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg, totalmem } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { bulkBench } from './bulk-bench.ts'
import { codegenBench } from './codegen-bench.ts'
import { coldStartBench } from './cold-start-bench.ts'
import { compiledRuntimeAlias } from './compiled-runtime.ts'
import { concurrencyBench } from './concurrency-bench.ts'
import { cpuCostBench } from './cpu-cost-bench.ts'
import { feedBench } from './feed-bench.ts'
import type { BenchResult, TargetCheck } from './measure.ts'
import { memoryBench } from './memory-bench.ts'
import { networkBench } from './network-bench.ts'
import { poolerBench } from './pooler-bench.ts'
import { pullBench } from './pull-bench.ts'
import { relationsBench } from './relations-bench.ts'
import { replicaBench } from './replica-bench.ts'
import { runtimeBench } from './runtime-bench.ts'
import { typedSqlBench } from './typed-sql-bench.ts'
import { typesBench } from './types-bench.ts'

const workDir = join(process.cwd(), 'node_modules', '.cache', 'fluentorm-bench')
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`
const loadAtStart = loadavg()[0]!.toFixed(1)

const allBenches: readonly [string, () => Promise<BenchResult>][] = [
  ['(a) Runtime: per-query overhead', runtimeBench],
  ['(b) Concurrency: 64 callers in flight', concurrencyBench],
  ['(c) Bulk loading', bulkBench],
  ['(d) Relations: posts with author and comments', relationsBench],
  ['(e) Code generation at scale', () => codegenBench(workDir)],
  ['(f) Type-checking the generated models', () => typesBench(workDir)],
  ['(g) Feed page: counts, exists and two includes, kept with placeholders', feedBench],
  ['(h) Read replicas: primary alone vs primary + 1 replica', replicaBench],
  ['(i) Through PgBouncer in transaction mode', poolerBench],
  ['(j) Across a network: a server 0.5 ms away in a network namespace', networkBench],
  [
    '(k) CPU cost per call: instructions and CPU time, not the wall clock',
    () => cpuCostBench(workDir),
  ],
  ['(l) Cold start and bundle size, 50 models', () => coldStartBench(workDir)],
  ['(m) Typed SQL: 100 .sql files cold, warm, on save and cached', () => typedSqlBench(workDir)],
  ['(n) Memory: per cached statement and per pipelined connection', memoryBench],
  ['(o) Adopting a database: pull of 200 tables', pullBench],
]

/** Set in the child process that runs one section and reports its result as JSON. */
const SECTION_ENV = 'FLUENTORM_BENCH_SECTION'

const child = process.env[SECTION_ENV]
if (child !== undefined) {
  const [, bench] = allBenches.find(([title]) => title.startsWith(`(${child})`))!
  process.stdout.write(JSON.stringify(await bench()))
  process.exit(0)
}

/** jiti's command line (this file is TypeScript; Node 20 cannot run it by itself). */
const jitiCli = join(
  dirname(createRequire(import.meta.url).resolve('jiti/package.json')),
  'lib',
  'jiti-cli.mjs',
)

/** Every section's process (and the processes it starts) runs the compiled runtime. */
const runtimeAlias = compiledRuntimeAlias(workDir)

/** Runs one section in a fresh process and reads back its result. */
function runSection(title: string): BenchResult {
  const letter = title.slice(1, 2)
  const output = execFileSync(process.execPath, [jitiCli, fileURLToPath(import.meta.url)], {
    env: { ...process.env, [SECTION_ENV]: letter, JITI_ALIAS: runtimeAlias },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  return JSON.parse(output) as BenchResult
}

const only = process.argv.slice(2)
const benches = only.length
  ? allBenches.filter(([title]) => only.some((letter) => title.startsWith(`(${letter})`)))
  : allBenches

const sections: string[] = []
const targets: TargetCheck[] = []
const started = Date.now()
for (const [title] of benches) {
  console.log(`\n## ${title}\n`)
  const result = runSection(title)
  console.log(result.text)
  sections.push(`## ${title}\n\n${result.text}`)
  targets.push(...result.targets)
}

const targetTable = [
  '| target | measured | met |',
  '|---|---|:-:|',
  ...targets.map((t) => `| ${t.target} | ${t.measured} | ${t.met ? 'yes' : '**no**'} |`),
].join('\n')
const misses = targets.filter((t) => !t.met)
const whyMissed = misses.length
  ? `\n\nWhy the missed targets are missed:\n\n${misses.map((t) => `- ${t.target}: ${t.whyMissed}`).join('\n')}`
  : ''
const summary = `## Targets (issues 6, 11, 14, 18 and 19)\n\n${targetTable}${whyMissed}`
console.log(`\n${summary}`)

if (!only.length) writeResults()

function writeResults() {
  writeFileSync(
    new URL('./RESULTS.md', import.meta.url),
    `# Benchmark results\n\nMachine: ${machine}. PostgreSQL 15 on the same machine (TCP loopback), ` +
      `shared with other test runs (load average ${loadAtStart} at the start). Only ratios within this run mean anything.\n` +
      `Generated by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} in ${Math.round((Date.now() - started) / 1000)} s.\n\n` +
      `${summary}\n\n${sections.join('\n\n')}\n`,
  )
}
