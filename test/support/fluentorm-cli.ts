import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

/** The `fluentorm` bin as an installed @fluentorm/cli has it. */
export const FLUENTORM_BIN = join(import.meta.dirname, '../../packages/cli/bin/fluentorm.mjs')

/**
 * Runs `fluentorm …args` in `cwd` as a user's shell would, in a process of its own, with
 * DATABASE_URL unset (a test names its database with --url or the config).
 */
export function runFluentorm(cwd: string, ...args: string[]) {
  const env = { ...process.env }
  delete env.DATABASE_URL
  const result = spawnSync(process.execPath, [FLUENTORM_BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env,
  })
  return { code: result.status, out: result.stdout, err: result.stderr }
}

/** The CLI in process (its `main`), in `cwd`, with its output kept. */
export async function fluentormInProcess(cwd: string, ...args: string[]) {
  const { main } = await import('../../packages/cli/src/main.ts')
  let stdout = ''
  let stderr = ''
  const code = await main(args, {
    cwd,
    out: (text) => {
      stdout += text
    },
    err: (text) => {
      stderr += text
    },
  })
  return { code, stdout, stderr }
}
