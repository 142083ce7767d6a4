import { describe, expect, it } from 'vitest'
import { replicaLag } from '../../packages/runtime/src/executor/replica-lag.ts'

// The primary's WAL position sampled every second (at 0, 1000, 2000 ms of this process's clock).
const samples = [
  { at: 0, lsn: 100n },
  { at: 1000, lsn: 200n },
  { at: 2000, lsn: 300n },
]

describe('replicaLag', () => {
  it('is 0 for a replica at the newest position, however old its last replayed commit', () => {
    // An idle primary: nothing committed for an hour, the replica has it all.
    expect(replicaLag(samples, { replayed: 300n, sinceReplay: 3_600_000 }, 2100)).toBe(0)
  })

  it('is at most the time since the last sample it has replayed', () => {
    expect(replicaLag(samples, { replayed: 250n, sinceReplay: null }, 2100)).toBe(1100)
    expect(replicaLag(samples, { replayed: 100n, sinceReplay: null }, 2100)).toBe(2100)
  })

  it('takes the age of the last replayed commit when that is tighter', () => {
    expect(replicaLag(samples, { replayed: 250n, sinceReplay: 400 }, 2100)).toBe(400)
  })

  it('is never less than the time since the first sample it lacks (skewed server clocks)', () => {
    // The replica's clock runs behind: its replay age reads 5 ms.
    expect(replicaLag(samples, { replayed: 150n, sinceReplay: 5 }, 2100)).toBe(1100)
  })

  it('is at least the time since the oldest sample kept when it has replayed none', () => {
    expect(replicaLag(samples, { replayed: 50n, sinceReplay: null }, 2100)).toBe(2100)
    expect(replicaLag(samples, { replayed: 50n, sinceReplay: 60_000 }, 2100)).toBe(60_000)
  })

  it('falls back to the replay age before the first sample', () => {
    expect(replicaLag([], { replayed: 50n, sinceReplay: 250 }, 0)).toBe(250)
  })
})
