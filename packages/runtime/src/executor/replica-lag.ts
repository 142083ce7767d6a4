/**
 * How far a replica is behind its primary, for `connect({ replicas, maxLag })`.
 *
 * PostgreSQL's own measure, `now() - pg_last_xact_replay_timestamp()`, is the age of the
 * last transaction the replica replayed. On a primary that commits nothing for a while it
 * grows although the replica has everything, and it compares two servers' clocks. So a
 * replica whose replay position (`pg_last_wal_replay_lsn()`) has reached the primary's WAL
 * position (`pg_current_wal_lsn()`, sampled just before) is 0 ms behind, whatever that age.
 * Otherwise its lag lies between two of the primary's samples on this process's own clock:
 * at least the time since the first sample it has not replayed, at most the time since the
 * last sample it has. The replay age is a second upper bound (the first change the replica
 * misses was committed after the last one it replayed); the tighter one is taken. The
 * resolution is the interval between samples.
 */

/** The primary's WAL position (bytes since 0/0) at a time on this process's clock (ms). */
export interface WalSample {
  readonly at: number
  readonly lsn: bigint
}

/** What a replica reported: its replay position, and the age of its last replayed commit (ms). */
export interface ReplayPosition {
  readonly replayed: bigint
  readonly sinceReplay: number | null
}

/**
 * The replica's lag in ms at `now`, from the primary's samples (oldest first, the newest
 * taken just before the replica was asked); 0 when it has replayed the newest sample.
 *
 * @example
 * replicaLag([{ at: 0, lsn: 100n }, { at: 1000, lsn: 200n }], { replayed: 150n, sinceReplay: null }, 1500)
 * // 1500: it has everything of the sample at 0 ms, not all of the one at 1000 ms
 */
export function replicaLag(
  samples: readonly WalSample[],
  position: ReplayPosition,
  now: number,
): number {
  const newest = samples.at(-1)
  if (newest === undefined) return position.sinceReplay ?? 0
  if (position.replayed >= newest.lsn) return 0
  let replayed: WalSample | undefined
  let missing: WalSample | undefined
  for (const sample of samples) {
    if (sample.lsn <= position.replayed) replayed = sample
    else missing ??= sample
  }
  const atLeast = now - missing!.at
  const upperBounds = [
    replayed === undefined ? Infinity : now - replayed.at,
    position.sinceReplay ?? Infinity,
  ]
  const atMost = Math.min(...upperBounds)
  return Number.isFinite(atMost) ? Math.max(atLeast, atMost) : atLeast
}
