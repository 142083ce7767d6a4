import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './pgbouncer.ts'

export interface Replica {
  /** `database` on the replica (it streams every database of the server at 127.0.0.1:5432). */
  url(database: string): string
  /** Stops the replica this process started (none when REPLICA_URL came from the environment). */
  stop(): void
}

const SCRIPT = join(import.meta.dirname, 'replica.sh')

/**
 * The streaming replica the replica tests read from: the one .ci/run started (REPLICA_URL),
 * or, when that is unset, one started here with test/support/replica.sh on a free port
 * (`pg_basebackup -R` from the server at 127.0.0.1:5432, a second or two). Undefined when
 * neither is possible outside CI (the tests then skip, saying why); in CI it throws.
 */
export async function streamingReplica(): Promise<Replica | undefined> {
  const given = process.env.REPLICA_URL
  if (given) return { url: (database) => withDatabase(given, database), stop: () => undefined }
  const dir = mkdtempSync(join(tmpdir(), 'fluentorm-replica-'))
  const port = await freePort()
  const started = spawnSync('bash', [SCRIPT, 'start', dir, String(port)], { encoding: 'utf8' })
  if (started.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    const why = `These tests need a streaming replica: set REPLICA_URL (.ci/run does), or let them start one with test/support/replica.sh (PostgreSQL 15 at 127.0.0.1:5432, pg_basebackup, run as root or postgres). It said:\n${started.stderr}`
    if (process.env.CI) throw new Error(why)
    console.warn(why)
    return undefined
  }
  return {
    url: (database) => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    stop() {
      spawnSync('bash', [SCRIPT, 'stop', dir])
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}
