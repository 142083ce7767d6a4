import { defineConfig } from '@fluentorm/core'

// The repository's project, for `npx fluentorm …` at the root and the playground's plugin:
// the guide's schemas, their migrations, and the declarations the playground type-checks with.
export default defineConfig({
  schemas: 'schemas',
  migrations: 'migrations',
  dts: 'playground/fluentorm.d.ts',
})
