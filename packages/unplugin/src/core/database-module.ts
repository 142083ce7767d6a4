import type { Database } from '@fluentorm/runtime'

/** Where the dev server's databases are found by the modules its SSR runner evaluates in process. */
const REGISTRY = Symbol.for('fluentorm.devDatabases')

type Registry = Map<string, () => Promise<Database>>

/** Makes a plugin instance's dev database reachable as `virtual:fluentorm/database`. */
export function registerDevDatabase(id: string, open: () => Promise<Database>): () => void {
  const global = globalThis as { [REGISTRY]?: Registry }
  global[REGISTRY] ??= new Map()
  global[REGISTRY].set(id, open)
  return () => global[REGISTRY]?.delete(id)
}

/**
 * The code of `virtual:fluentorm/database`: `database()` resolves to the plugin's dev database
 * when the dev server registered `id` in this process (its SSR runner runs modules in the
 * server's own process), else to `connect()` (DATABASE_URL, else PGlite), opened once.
 */
export function databaseModule(id: string | null): string {
  const dev =
    id === null
      ? 'undefined'
      : `globalThis[Symbol.for('fluentorm.devDatabases')]?.get(${JSON.stringify(id)})`
  return `import { connect } from '@fluentorm/runtime'

const dev = ${dev}
let opened

/** The app's database: the dev server's dev database under \`vite\`, else connect() once. */
export function database() {
  if (dev) return dev()
  opened ??= connect()
  return opened
}
`
}
