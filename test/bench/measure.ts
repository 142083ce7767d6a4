/** Interleaved, median-of-rounds measurement: ratios within one run, never absolute gates. */

export interface Contender {
  readonly name: string
  /** Runs one operation. */
  readonly run: () => Promise<unknown>
}

export interface Measurement {
  readonly name: string
  /** Median microseconds per operation over the rounds. */
  readonly microseconds: number
  readonly samples: readonly number[]
  /** With `typical`: each round's mean µs/op, the figure `samples` would otherwise hold. */
  readonly meanSamples?: readonly number[]
}

export interface MeasureOptions {
  readonly rounds: number
  readonly operations: number
  readonly warmup: number
  /** Runs between the warm-up and the first round, once every contender has connected. */
  readonly afterWarmup?: () => Promise<unknown>
  /**
   * A round's sample is each contender's median operation, not its mean (the means are kept
   * in `meanSamples`). For one query at a time on one connection: there the slowest 1% of
   * operations (a backend on a shared core descheduled for milliseconds by a neighbour's job)
   * held a quarter of a round's time and fell on whichever contender was running, so a
   * handful per round decided the round's mean ratio: 1.0x in one run and 1.3x in the next,
   * for libraries doing the same work. The median operation is what a library adds to a query.
   */
  readonly typical?: boolean
}

/**
 * Runs every contender `operations` times per round, one operation of each in turn, so
 * whatever the machine does meanwhile (a neighbour's load, a change of CPU frequency, a GC)
 * hits every contender alike: in blocks of a thousand operations, one contender's block could
 * fall in a slow second and another's in a fast one. Each turn runs the contenders in a new
 * random order (a fixed seed, so runs are alike): in a fixed rotation (a, b, c, then b, c, a)
 * every contender always follows the same one, and what an operation leaves behind (pg's work
 * after its promise resolves, a GC it triggered) was always charged to the same successor —
 * the one after raw pg measured 15–80 µs slower than it did after another. Reports the median
 * µs/op per contender over the rounds, and every round's sample.
 */
export async function measure(
  contenders: readonly Contender[],
  { rounds, operations, warmup, afterWarmup, typical = false }: MeasureOptions,
): Promise<Measurement[]> {
  for (const contender of contenders) {
    for (let i = 0; i < warmup; i++) await contender.run()
  }
  await afterWarmup?.()
  const count = contenders.length
  const random = seededRandom(0x5eed)
  const samples = contenders.map(() => [] as number[])
  const meanSamples = contenders.map(() => [] as number[])
  for (let round = 0; round < rounds; round++) {
    const nanoseconds = contenders.map(() => 0)
    const each = contenders.map(() => (typical ? new Float64Array(operations) : undefined))
    for (let i = 0; i < operations; i++) {
      const order = shuffled(count, random)
      for (let step = 0; step < count; step++) {
        const index = order[step]!
        const start = process.hrtime.bigint()
        await contenders[index]!.run()
        const took = Number(process.hrtime.bigint() - start)
        nanoseconds[index]! += took
        if (each[index]) each[index]![i] = took
      }
    }
    for (let index = 0; index < count; index++) {
      const mean = nanoseconds[index]! / 1000 / operations
      meanSamples[index]!.push(mean)
      samples[index]!.push(typical ? median(each[index]!) / 1000 : mean)
    }
  }
  return contenders.map((contender, index) => ({
    name: contender.name,
    microseconds: median(samples[index]!),
    samples: samples[index]!,
    ...(typical ? { meanSamples: meanSamples[index]! } : {}),
  }))
}

/** 0, 1, …, count - 1 in a random order (Fisher–Yates). */
function shuffled(count: number, random: () => number): number[] {
  const order = Array.from({ length: count }, (_, i) => i)
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[order[i], order[j]] = [order[j]!, order[i]!]
  }
  return order
}

/** A small deterministic generator (mulberry32): the same orders in every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function median(values: readonly number[] | Float64Array): number {
  const sorted = Float64Array.from(values).sort()
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/**
 * `a`'s time over `b`'s, paired by round: the median of the per-round ratios. Both ran in
 * the same round, minutes apart at most, so load that comes and goes cancels out of each
 * ratio; the ratio of two medians taken from different rounds keeps it.
 */
export function pairedRatio(a: Measurement, b: Measurement): number {
  return median(a.samples.map((sample, round) => sample / b.samples[round]!))
}

/**
 * A markdown table of µs/op and each contender's paired ratio to the baseline (first row);
 * measured with `typical`, the means' paired ratios in a column of their own.
 */
export function ratioTable(results: readonly Measurement[], baseline = results[0]!.name): string {
  const base = results.find((r) => r.name === baseline)!
  const typical = base.meanSamples !== undefined
  const lines = typical
    ? [
        `| contender | µs per median operation | ratio to ${baseline} (median operations; median of per-round ratios) | ratio of the means |`,
        '|---|---:|---:|---:|',
      ]
    : [
        `| contender | µs/op (median) | ratio to ${baseline} (median of per-round ratios) |`,
        '|---|---:|---:|',
      ]
  for (const r of results) {
    const row = `| ${r.name} | ${r.microseconds.toFixed(1)} | ${pairedRatio(r, base).toFixed(3)}x |`
    lines.push(typical ? `${row} ${meanRatio(r, base).toFixed(3)}x |` : row)
  }
  return lines.join('\n')
}

/** pairedRatio of the rounds' means, for a measurement taken with `typical`. */
export function meanRatio(a: Measurement, b: Measurement): number {
  const as = a.meanSamples ?? a.samples
  const bs = b.meanSamples ?? b.samples
  return median(as.map((sample, round) => sample / bs[round]!))
}

/** One target of an issue, checked against this run's numbers. */
export interface TargetCheck {
  readonly target: string
  readonly met: boolean
  /** The measured value and, when missed, by how much. */
  readonly measured: string
  /** Why a miss happens, known from profiling; shown only for a miss. */
  readonly whyMissed: string
}

/** What every benchmark section returns: its tables and the targets it checks. */
export interface BenchResult {
  readonly text: string
  readonly targets: readonly TargetCheck[]
}

/** `at most` target: met when `value ≤ limit`; the miss is told as a factor over the limit. */
export function atMost(
  target: string,
  value: number,
  limit: number,
  unit: string,
  whyMissed: string,
): TargetCheck {
  const met = value <= limit
  const measured = `${format(value)}${unit}${met ? '' : ` (${(value / limit).toFixed(2)}x the limit)`}`
  return { target, met, measured, whyMissed }
}

/** `at least` target: met when `value ≥ limit`; the miss is told as the share reached. */
export function atLeast(
  target: string,
  value: number,
  limit: number,
  unit: string,
  whyMissed: string,
): TargetCheck {
  const met = value >= limit
  const measured = `${format(value)}${unit}${met ? '' : ` (${Math.round((value / limit) * 100)}% of the target)`}`
  return { target, met, measured, whyMissed }
}

function format(value: number): string {
  return Math.abs(value) >= 1000
    ? Math.round(value).toLocaleString('en')
    : value.toFixed(value < 10 ? 3 : 1)
}
