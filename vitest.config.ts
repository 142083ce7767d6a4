import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites share one PostgreSQL server; each creates its own tables or schema.
    fileParallelism: true,
    maxWorkers: 2,
  },
})
