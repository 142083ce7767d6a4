/**
 * (k) What a call costs fluentorm in CPU, in figures a shared machine cannot move much:
 * instructions per call counted by callgrind (the answers given from memory; two runs that
 * differ only in extra calls, so start-up and warm-up cancel out), and the CPU time of this
 * process per call (process.cpuUsage, not the wall clock), from memory and against the
 * server next to raw pg sending the same statement.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { serialize } from 'node:v8'
import { buildSync } from 'esbuild'
import pg from 'pg'
import { benchSchema, runtimeModels, seedUsersAndPosts } from './bench-database.ts'
import { COST_CALLS, type CostCall, costCalls } from './cpu-cost-calls.ts'
import { seedFeed } from './feed-bench.ts'
import { feedModels } from './feed-models.ts'
import { answeringDriver, freshAnswer, type Recorded, recordedQuery } from './in-memory-answers.ts'
import { instructionCounter } from './instruction-counter.ts'
import { type BenchResult, median } from './measure.ts'

/**
 * Extra calls in the two counted runs of each call: the instructions per call are the slope
 * between them, so whatever happens once in the first extra calls (V8 optimising a function
 * the warm-up did not make hot enough) is in both runs and cancels out.
 */
const FEWER_CALLS = 1000
const MORE_CALLS = 3000
const LABELS: Record<CostCall, string> = {
  findById: 'findById',
  page: '20-row query kept in a const',
  include: '20 posts with author and comments (two includes), kept in a const',
}

export async function cpuCostBench(workDir: string): Promise<BenchResult> {
  const users = await benchSchema('fluentorm_bench_cost')
  const feed = await benchSchema('fluentorm_bench_cost_feed')
  const usersClient = new pg.Client({ connectionString: users.url })
  const feedClient = new pg.Client({ connectionString: feed.url })
  await Promise.all([usersClient.connect(), feedClient.connect()])
  const { User, Post } = runtimeModels()
  const [id] = await seedUsersAndPosts(usersClient, User, Post)
  await seedFeed(feedClient, feedModels())
  const calls = costCalls(id!)
  const clientOf = (call: CostCall) => (call === 'include' ? feedClient : usersClient)
  const recorded = {} as Record<CostCall, Recorded>
  for (const call of COST_CALLS) {
    recorded[call] = await recordedQuery(clientOf(call), (driver) => calls[call](driver))
  }

  const lines = [
    '| call | instructions per call (callgrind, from memory) | CPU µs per call, from memory | CPU µs per call against the server | raw pg, same statement | fluentorm on top of pg |',
    '|---|---:|---:|---:|---:|---:|',
  ]
  const counted = await countInstructions(workDir, id!, recorded)
  for (const call of COST_CALLS) {
    const fromMemory = await cpuMicroseconds(
      calls[call],
      answeringDriver(freshAnswer(recorded[call].result)),
      20_000,
    )
    const client = clientOf(call)
    const { config } = recorded[call]
    const statement = { name: config.name, text: config.text, values: [...(config.values ?? [])] }
    const [fluent, raw] = await pairedCpuMicroseconds(
      () => calls[call](client as never),
      () => client.query(statement),
    )
    const instructions = counted.perCall[call]
    lines.push(
      `| ${LABELS[call]} | ${instructions === undefined ? 'n/a' : Math.round(instructions).toLocaleString('en')} | ${fromMemory.toFixed(2)} | ${fluent.toFixed(1)} | ${raw.toFixed(1)} | ${(fluent - raw).toFixed(1)} |`,
    )
  }
  await Promise.all([usersClient.end(), feedClient.end()])
  await Promise.all([users.drop(), feed.drop()])
  return {
    text: [
      '### CPU per call (user + system time of this process; instructions counted by callgrind)',
      '',
      ...lines,
      '',
      counted.note,
    ].join('\n'),
    targets: [],
  }
}

/** The median over batches of this process's CPU time per call of `run(db)`. */
async function cpuMicroseconds(
  run: (db: never) => Promise<unknown>,
  db: unknown,
  calls: number,
): Promise<number> {
  const batch = calls / 10
  const samples: number[] = []
  for (let round = 0; round < 13; round++) {
    const start = process.cpuUsage()
    for (let i = 0; i < batch; i++) await run(db as never)
    const used = process.cpuUsage(start)
    // The first rounds warm the JIT up.
    if (round >= 3) samples.push((used.user + used.system) / batch)
  }
  return median(samples)
}

/** CPU time per call of `a` and `b` against the server, batches taking turns, medians. */
async function pairedCpuMicroseconds(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[number, number]> {
  const samples: [number[], number[]] = [[], []]
  for (let round = 0; round < 15; round++) {
    for (const [index, run] of [a, b].entries()) {
      const start = process.cpuUsage()
      for (let i = 0; i < 300; i++) await run()
      const used = process.cpuUsage(start)
      if (round >= 3) samples[index]!.push((used.user + used.system) / 300)
    }
  }
  return [median(samples[0]), median(samples[1])]
}

interface Counted {
  readonly perCall: Partial<Record<CostCall, number>>
  readonly note: string
}

/**
 * Instructions per call: cpu-cost-child.ts bundled and run under a counter twice per call
 * (FEWER_CALLS and MORE_CALLS extra calls), findById twice over to show the noise.
 */
async function countInstructions(
  workDir: string,
  id: string,
  recorded: Record<CostCall, Recorded>,
): Promise<Counted> {
  const counter = instructionCounter()
  if (typeof counter === 'string')
    return { perCall: {}, note: `Instructions not counted: ${counter}.` }
  mkdirSync(workDir, { recursive: true })
  const answers = join(workDir, 'cpu-cost-answers.bin')
  const answersOnly = Object.fromEntries(COST_CALLS.map((call) => [call, recorded[call].result]))
  writeFileSync(answers, serialize({ id, answers: answersOnly }))
  const program = join(workDir, 'cpu-cost-child.mjs')
  buildSync({
    entryPoints: [join(import.meta.dirname, 'cpu-cost-child.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile: program,
    external: ['pg', '@electric-sql/pglite', 'esbuild'],
    // The CommonJS packages inside call require(), which an ES module has to be given.
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url)",
    },
    logLevel: 'warning',
  })
  const run = (call: CostCall, extra: number) =>
    counter.count([program, answers, call, String(extra)])
  // Two at a time: each run is one thread, and the machine has two cores.
  const counts: number[] = []
  for (const call of [...COST_CALLS, 'findById' as const]) {
    counts.push(...(await Promise.all([run(call, FEWER_CALLS), run(call, MORE_CALLS)])))
  }
  const slope = (index: number) =>
    (counts[2 * index + 1]! - counts[2 * index]!) / (MORE_CALLS - FEWER_CALLS)
  const perCall: Partial<Record<CostCall, number>> = {}
  for (const [index, call] of COST_CALLS.entries()) perCall[call] = slope(index)
  const noise = Math.abs(slope(COST_CALLS.length) - perCall.findById!)
  return {
    perCall,
    note: `Instructions counted by ${counter.name}, Node with --predictable and fixed seeds (no compiler or GC thread adds to a run at its own pace): each call's figure is the difference between a run with ${MORE_CALLS.toLocaleString('en')} extra calls and one with ${FEWER_CALLS.toLocaleString('en')}, after a warm-up of every call. findById counted twice this way differed by ${Math.round(noise).toLocaleString('en')} instructions per call (${((noise / perCall.findById!) * 100).toFixed(2)}%), which is how small a change this column shows.`,
  }
}
