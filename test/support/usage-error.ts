import { FluentOrmError } from '@fluentorm/runtime'
import { expect } from 'vitest'

/**
 * Asserts that `run` is refused with a FluentOrmError of code INVALID_USAGE whose message
 * matches `message`, whether it throws at once (a builder call) or its promise rejects.
 */
export async function expectRefused(run: () => unknown, message: RegExp): Promise<void> {
  const error = await Promise.resolve()
    .then(run)
    .then(
      () => null,
      (e: unknown) => e,
    )
  expect(error).toBeInstanceOf(FluentOrmError)
  expect((error as FluentOrmError).code).toBe('INVALID_USAGE')
  expect((error as FluentOrmError).message).toMatch(message)
}
