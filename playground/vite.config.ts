import fluentorm from '@fluentorm/unplugin/vite'
import { defineConfig } from 'vite'
import { blogServer } from './src/blog-server-plugin.ts'

// The blog of the migration guide: the schemas and migrations are the repository's own.
export default defineConfig({
  appType: 'custom',
  plugins: [fluentorm({ schemas: '../schemas', migrations: '../migrations' }), blogServer()],
})
