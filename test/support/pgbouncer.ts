import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type PoolMode = 'transaction' | 'session'

export interface PgBouncers {
  /** `database` on the CI server, through the PgBouncer in `mode`. */
  url(mode: PoolMode, database: string): string
  /** Stops the PgBouncers this process started (none when the URLs came from the environment). */
  stop(): void
}

const SCRIPT = join(import.meta.dirname, 'pgbouncer.sh')

/**
 * The two PgBouncers the pooler tests run through: the ones .ci/run started
 * (PGBOUNCER_TRANSACTION_URL, PGBOUNCER_SESSION_URL), or, when those are unset, two started
 * here with test/support/pgbouncer.sh on free ports. Either way every database name is
 * forwarded to the same-named database of the server (`* =` in their config), so a test can
 * use a database of its own. Throws, never skips, when neither is possible.
 */
export async function pgBouncers(): Promise<PgBouncers> {
  const given = {
    transaction: process.env.PGBOUNCER_TRANSACTION_URL,
    session: process.env.PGBOUNCER_SESSION_URL,
  }
  if (given.transaction && given.session) {
    return { url: (mode, database) => withDatabase(given[mode]!, database), stop: () => undefined }
  }
  const dir = mkdtempSync(join(tmpdir(), 'fluentorm-pgbouncer-'))
  const ports = { transaction: await freePort(), session: await freePort() }
  const started = spawnSync(
    'bash',
    [SCRIPT, 'start', dir, String(ports.transaction), String(ports.session)],
    { encoding: 'utf8' },
  )
  if (started.status !== 0) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(
      `These tests need PgBouncer: set PGBOUNCER_TRANSACTION_URL and PGBOUNCER_SESSION_URL (.ci/run does), or install it (apt-get install pgbouncer) and they start their own. test/support/pgbouncer.sh said:\n${started.stderr}`,
    )
  }
  return {
    url: (mode, database) => `postgresql://postgres@127.0.0.1:${ports[mode]}/${database}`,
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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0))
    })
  })
}
