/**
 * The program section (k) runs under callgrind, bundled to plain JavaScript first: each of
 * the three calls warmed up on a driver answering from memory what the server answered,
 * then `extra` more calls of one of them. Two runs that differ only in those extra calls
 * differ, in instructions, by what those calls cost.
 *
 *   node cpu-cost-child.mjs <answers file> <findById | page | include> <extra calls>
 */
import { readFileSync } from 'node:fs'
import { deserialize } from 'node:v8'
import { COST_CALLS, type CostCall, costCalls } from './cpu-cost-calls.ts'
import { answeringDriver, freshAnswer } from './in-memory-answers.ts'

const WARMUP_CALLS = 1000

const [file, extraCall, extraCount] = process.argv.slice(2) as [string, CostCall, string]
const { id, answers } = deserialize(readFileSync(file)) as {
  id: string
  answers: Record<CostCall, { rows: object[] }>
}
const calls = costCalls(id)
const drivers = Object.fromEntries(
  COST_CALLS.map((call) => [call, answeringDriver(freshAnswer(answers[call]))]),
) as Record<CostCall, ReturnType<typeof answeringDriver>>
for (const call of COST_CALLS) {
  for (let i = 0; i < WARMUP_CALLS; i++) await calls[call](drivers[call])
}
const count = Number(extraCount)
for (let i = 0; i < count; i++) await calls[extraCall](drivers[extraCall])
