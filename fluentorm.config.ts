import { defineConfig } from '@fluentorm/core'

// The repository's project, for `npx fluentorm …` at the root: the guide's schemas, their
// migrations, and the declarations the playground type-checks with. The playground is a package
// of its own (this file is above its package.json), so its vite.config.ts names the same folders.
export default defineConfig({
  schemas: 'schemas',
  migrations: 'migrations',
  dts: 'playground/fluentorm.d.ts',
})
