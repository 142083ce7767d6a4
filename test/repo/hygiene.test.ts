import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

const run = promisify(execFile)

/** The repository's own quality gates run as part of the suite, so CI fails on them. */
describe('repository hygiene', () => {
  it('passes the linter and formatter (npm run lint)', async () => {
    const result = await run('npx', ['biome', 'check', '.'], { maxBuffer: 1 << 24 }).catch(
      (error: { stdout: string; stderr: string }) => error,
    )
    expect('code' in result ? `${result.stdout}\n${result.stderr}` : '').toBe('')
  })

  it('typechecks (npm run typecheck)', async () => {
    const result = await run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], {
      maxBuffer: 1 << 24,
    }).catch((error: { stdout: string; stderr: string }) => error)
    expect('code' in result ? `${result.stdout}\n${result.stderr}` : '').toBe('')
  })
})
