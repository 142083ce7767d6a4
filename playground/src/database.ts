/// <reference types="vite/client" />
import type { Database } from '@fluentorm/runtime'
import { connect } from '@fluentorm/runtime'

/**
 * The one connection of the app: PostgreSQL when DATABASE_URL is set, else an in-memory
 * PGlite. It lives in `import.meta.hot.data`, which outlives the module reloads a schema edit
 * causes, so a reload never opens a second pool (or loses the PGlite data).
 */
export async function database(): Promise<Database> {
  const data = import.meta.hot?.data ?? {}
  data.db ??= connect()
  return data.db
}
