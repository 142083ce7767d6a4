/**
 * The network mode of the bench: a PostgreSQL of its own in a network namespace, about 0.5 ms
 * away, set up by scripts/bench-netns.sh and removed when the work is done, when it throws
 * and on Ctrl-C. Where the machine cannot set it up (not root, no `ip netns`), the caller gets
 * the reason instead and the rest of the bench runs on.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const NETNS_SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'bench-netns.sh')

export interface NetworkDatabase {
  /** The `postgres` database on the server in the namespace. */
  readonly url: string
  /** `netem` (the kernel delays each packet) or `relay` (test/bench/delay-relay.c does). */
  readonly delayedBy: string
}

/**
 * Runs `work` against a server across the namespace's veth pair, and removes the namespace,
 * the pair and the server afterwards, whatever happens. Resolves to `{ skipped }` with the
 * script's reason when the network cannot be set up.
 */
export async function withNetworkDatabase<T>(
  work: (database: NetworkDatabase) => Promise<T>,
): Promise<T | { readonly skipped: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'fluentorm-bench-net-'))
  const cleanUp = () => {
    spawnSync('bash', [NETNS_SCRIPT, 'stop', dir], { stdio: 'ignore' })
    rmSync(dir, { recursive: true, force: true })
  }
  const onSignal = (signal: NodeJS.Signals) => {
    cleanUp()
    process.kill(process.pid, signal)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    let output: string
    try {
      output = execFileSync('bash', [NETNS_SCRIPT, 'start', dir], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    } catch (error) {
      const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim()
      return { skipped: stderr || (error as Error).message }
    }
    const field = (name: string) =>
      output
        .split('\n')
        .find((line) => line.startsWith(`${name} `))
        ?.slice(name.length + 1) ?? ''
    return await work({ url: field('url'), delayedBy: field('delayed-by') })
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    cleanUp()
  }
}
