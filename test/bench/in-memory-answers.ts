/**
 * A contender's own share of a call: what it does in JS around the database's answer, the
 * answer recorded once from the real server and then given from memory (no pg, no server).
 */
import { type Driver, driverBrand, toDriver } from '@fluentorm/runtime'
import type pg from 'pg'
import { median } from './measure.ts'

export interface Recorded {
  readonly config: {
    readonly name?: string
    readonly text: string
    readonly values?: readonly unknown[]
  }
  /** A copy of the driver's result, taken before fluentorm decoded its includes in place. */
  readonly result: { rows: readonly object[] }
}

/** The one statement `run` sends through fluentorm's driver for `client`, and what came back. */
export async function recordedQuery(
  client: pg.Client,
  run: (driver: Driver) => Promise<unknown>,
): Promise<Recorded> {
  const real = toDriver(client)
  let recorded: Recorded | undefined
  const recorder: Driver = Object.create(real, {
    query: {
      value: async (config: Recorded['config']) => {
        const result = await real.query(config)
        recorded = { config, result: structuredClone(result) }
        return result
      },
    },
  })
  await run(recorder)
  return recorded!
}

/** A fluentorm Driver whose every query resolves at once to `answer()`: no pg, no server. */
export function answeringDriver(answer: () => unknown): Driver {
  return {
    [driverBrand]: true,
    dialect: 'pg',
    query: async () => answer(),
    exec: async () => {},
    transaction: async () => {},
    session: async () => {},
  } as unknown as Driver
}

/** The recorded answer as pg would give it: fresh row objects on each call (see below). */
export function freshAnswer(result: { rows: readonly object[] }): () => unknown {
  return () => ({
    rows: result.rows.map((row) => (Array.isArray(row) ? [...row] : { ...row })),
    rowCount: result.rows.length,
  })
}

/**
 * A contender's own time per call, the database's answer given from memory: binding the
 * values, the driver call and turning the answer into rows. Each call gets fresh row objects
 * (fluentorm decodes included rows in place), shallow copies as cheap as pg's own: deep
 * copies made beforehand would be old-generation objects by the time they are used, and the
 * garbage collector's work on them would swamp what is measured.
 */
export async function inMemoryMicroseconds(
  result: { rows: readonly object[] },
  contender: (answer: () => unknown) => () => Promise<unknown>,
): Promise<number> {
  const run = contender(freshAnswer(result))
  const calls = 2000
  const samples: number[] = []
  for (let batch = 0; batch < 12; batch++) {
    const start = process.hrtime.bigint()
    for (let i = 0; i < calls; i++) await run()
    // The first batches warm the JIT up.
    if (batch >= 3) samples.push(Number(process.hrtime.bigint() - start) / 1000 / calls)
  }
  return median(samples)
}
