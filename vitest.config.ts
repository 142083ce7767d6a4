import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    // Generous: the machine is shared, and under load one PGlite boot alone took 16 s. These
    // limits only stop a hung test; no test relies on them for its outcome.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // Suites share one PostgreSQL server; each creates its own tables or schema.
    fileParallelism: true,
    maxWorkers: 2,
  },
})
