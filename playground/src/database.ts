import { database as pluginDatabase } from 'virtual:fluentorm/database'
import type { Database } from '@fluentorm/runtime'

/**
 * The one connection of the app. Under `npm run dev` it is the plugin's dev database
 * (PostgreSQL when DATABASE_URL is set, else an in-memory PGlite), which the plugin keeps in
 * step with the schemas: it outlives the module reloads a schema edit causes. In a build it is
 * `connect()`, opened once.
 */
export function database(): Promise<Database> {
  return pluginDatabase()
}
