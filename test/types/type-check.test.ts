import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))

// The type tests are compile-time assertions: a wrong column or value type that compiles,
// or a correct usage that does not, makes tsc exit non-zero and this test fail.
it('compiles the model and query type tests', async () => {
  const tsc = fileURLToPath(new URL('../../node_modules/.bin/tsc', import.meta.url))
  const result = await promisify(execFile)(tsc, ['-p', 'test/types/tsconfig.json', '--noEmit'], {
    cwd: root,
  }).then(
    () => ({ code: 0, output: '' }),
    (error: { code: number; stdout: string }) => ({ code: error.code, output: error.stdout }),
  )
  expect(result.output).toBe('')
  expect(result.code).toBe(0)
}, 120_000)
