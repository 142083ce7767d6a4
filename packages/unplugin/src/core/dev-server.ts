import { mkdirSync } from 'node:fs'
import { basename, dirname, extname, resolve } from 'node:path'
import { type ConnectOptions, connect, type Database } from '@fluentorm/runtime'
import type { RunnableDevEnvironment, ViteDevServer } from 'vite'
import { watchSqlFiles } from '../sql-files/watch-sql-files.ts'
import { attachStudio } from '../studio/index.ts'
import { APPLY_PATH, applyMiddleware, type WaitingChange } from './apply-endpoint.ts'
import type { FluentormContext } from './context.ts'
import { registerDevDatabase } from './database-module.ts'
import { createDevDatabase, type Followed } from './dev-database.ts'
import { runDevSeeds } from './dev-seeds.ts'
import { prefixed } from './logger.ts'
import { pendingMigrationPreview } from './migrations-bridge.ts'
import { VIRTUAL_IDS, type VirtualModule } from './module-ids.ts'

const SCHEMA_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs'])
/** A rename arrives as unlink then add, and `generate` writes three files: act once for all. */
const SETTLE_MS = 100

/**
 * Keeps the models and the dev database in step with schemas/ while Vite serves: any schema
 * file saved, added, renamed or deleted regenerates the module and the `.d.ts`, applies the
 * pending change to the dev database (a destructive one waits for `/__fluentorm/apply`),
 * prints the migration the change implies, and reloads `virtual:fluentorm/models` in every
 * environment (the SSR runner included) and the page once. An invalid schema is reported in
 * the terminal and the error overlay while the last valid models keep serving. A migration
 * written to migrations/ meanwhile (by `npx fluentorm generate`) is adopted by the dev
 * database and reloads `virtual:fluentorm/migrations`.
 */
export function attachDevServer(context: FluentormContext, server: ViteDevServer): void {
  context.serving = true
  const logger = server.config.logger
  context.logger = {
    info: (message) => logger.info(prefixed(message), { timestamp: true }),
    error: (message) => logger.error(prefixed(message), { timestamp: true }),
  }
  let waiting: WaitingChange | null = null
  let open: (() => Promise<Database>) | null = null
  let seed: (() => Promise<void>) | null = null
  let seeded: Promise<void> | null = null
  let approve: ((token: string) => Promise<string | null>) | null = null
  if (context.options.devDatabase) {
    const dev = createDevDatabase(
      () => context.options,
      // Every statement on the dev database feeds the studio's query log and the terminal's warnings.
      (options) =>
        withProgress(
          context.logger,
          options,
          openDatabase(server, { ...options, onQuery: (entry) => studio.onQuery(entry) }),
        ),
    )
    let started = false
    context.follow = async (schema) => {
      const followed = await dev.follow(schema)
      // Later follows are reported by regenerate; the one at start only here.
      if (!started) {
        started = true
        const { problem, note } = report(followed)
        if (note !== null) context.logger.info(note)
        if (problem !== null) context.logger.error(problem)
      }
      return followed
    }
    // The app gets the database once the refresh running (the one at start) has brought it to
    // the schemas, and, the first time, the seed files have run on it.
    seed = async () => {
      const { seedsDir } = context.options
      if (seedsDir === null) return
      const outcome = await runDevSeeds(server, seedsDir, await dev.database()).catch(
        (error: unknown) => ({ ok: false as const, error: String(error) }),
      )
      if (outcome === null) return
      if (outcome.ok) context.logger.info(`seeded the dev database: ${outcome.files.join(', ')}`)
      else context.logger.error(outcome.error)
    }
    open = async () => {
      const db = await context.idle().then(dev.database)
      seeded ??= seed!()
      await seeded
      return db
    }
    const unregister = registerDevDatabase(context.id, open)
    const close = server.close.bind(server)
    server.close = async () => {
      await close()
      unregister()
      await dev.close()
    }
    approve = async (token) => {
      if (!dev.approve(token)) return 'That change is no longer the one waiting: reload.'
      await regenerate()
      return waiting === null ? null : 'The change is still waiting: see the terminal.'
    }
  }
  // In front of the other middlewares: the studio at /__fluentorm, and each request's query log.
  const studio = attachStudio({
    server,
    context,
    database: open,
    waiting: () => waiting,
    apply: (token) => approve?.(token) ?? Promise.resolve('There is no dev database.'),
  })
  if (approve !== null) {
    server.middlewares.use(APPLY_PATH, applyMiddleware({ waiting: () => waiting, apply: approve }))
  }
  // Vite watches only its root and the files it imported; schemas/ may sit outside the root.
  // A folder made after the watch began is never watched: migrations/ is made now, so the
  // project's first `fluentorm generate` while the dev server runs is seen.
  try {
    mkdirSync(context.options.migrationsDir, { recursive: true })
  } catch {
    // A folder that cannot be made (a read-only checkout) is watched should it appear.
  }
  server.watcher.add([context.options.schemasDir, context.options.migrationsDir])
  const { seedsDir } = context.options
  if (seedsDir !== null) server.watcher.add(seedsDir)
  let seedTimer: NodeJS.Timeout | undefined
  // A saved seed file runs the seeds again (they are idempotent by design), once saves settle.
  const onSeedEvent = (file: string) => {
    if (seed === null || seedsDir === null || dirname(resolve(file)) !== seedsDir) return
    clearTimeout(seedTimer)
    seedTimer = setTimeout(() => {
      seeded = seed!()
    }, SETTLE_MS)
  }
  server.watcher.on('add', onSeedEvent).on('change', onSeedEvent)
  let timer: NodeJS.Timeout | undefined
  let migrationsChanged = false
  let showingError = false

  const onFileEvent = (file: string) => {
    const path = resolve(file)
    const folder = dirname(path)
    const { migrationsDir, schemasDir } = context.options
    const migration =
      (folder === migrationsDir && extname(path) === '.sql') ||
      (folder === resolve(migrationsDir, 'meta') && basename(path) === 'snapshot.json')
    if (migration) migrationsChanged = true
    else if (folder !== schemasDir || !SCHEMA_EXTENSIONS.has(extname(path))) return
    clearTimeout(timer)
    timer = setTimeout(regenerate, SETTLE_MS)
  }
  server.watcher.on('add', onFileEvent).on('change', onFileEvent).on('unlink', onFileEvent)
  const sqlFiles = watchSqlFiles(context, server, (message) => {
    context.logger.error(message)
    sendError(server, message)
  })

  async function regenerate(): Promise<void> {
    const reloadMigrations = migrationsChanged
    migrationsChanged = false
    const result = await context.refresh()
    if (reloadMigrations) reloadModule(server, 'migrations')
    if (!result.ok) {
      context.logger.error(`${result.report}\nThe last valid models keep serving.`)
      sendError(server, result.report)
      showingError = true
      studio.changed('schema')
      return
    }
    const { problem, note } =
      result.followed === null ? { problem: null, note: null } : report(result.followed)
    const preview = await pendingMigrationPreview(context.options.migrationsDir, result.schema)
    const printed = [result.changed ? preview : null, note].filter((text) => text !== null)
    if (printed.length > 0) context.logger.info(printed.map((text) => text.trimEnd()).join('\n'))
    if (problem !== null) {
      context.logger.error(problem)
      sendError(server, problem)
      showingError = true
    }
    const recovered = showingError && problem === null
    if (recovered) {
      showingError = false
      context.logger.info('the schemas are valid again: the models reload.')
    }
    if (result.changed) reloadModule(server, 'models')
    // A migration can change what a `.sql` statement reads with no schema file changed (a
    // view, a function, a column's type, written by hand).
    if (result.changed || reloadMigrations) await sqlFiles.schemaChanged()
    // One page reload per change: it runs the new models (and clears a shown error).
    if (result.changed || recovered || reloadMigrations) {
      server.environments.client.hot.send({ type: 'full-reload', path: '*' })
    }
    studio.changed(reloadMigrations ? 'migrations' : 'schema')
  }

  /**
   * What happened to the dev database: a note to print, and the problem to show in the
   * terminal and the overlay, if any. Remembers the change waiting for `/__fluentorm/apply`.
   */
  function report(followed: Followed): { problem: string | null; note: string | null } {
    const { outcome, adopted, migrated } = followed
    waiting =
      outcome.kind === 'waiting'
        ? outcome
        : outcome.kind === 'blocked'
          ? { sql: outcome.sql, reasons: [outcome.error], token: outcome.token, reset: true }
          : null
    const lines = [
      ...adopted.map(
        (name) =>
          `${name}.sql recorded as applied to the dev database: it already had that change.`,
      ),
      ...migrated.map((name) => `applied ${name}.sql to the dev database.`),
      ...(outcome.kind === 'applied'
        ? [`applied to the dev database:\n${outcome.sql.join('\n')}`]
        : []),
    ]
    return { problem: problemOf(outcome), note: lines.length > 0 ? lines.join('\n') : null }
  }

  function applyUrl(): string {
    return `${server.resolvedUrls?.local[0]?.replace(/\/$/, '') ?? ''}${APPLY_PATH}`
  }

  function problemOf(outcome: Followed['outcome']): string | null {
    switch (outcome.kind) {
      case 'current':
      case 'applied':
        return null
      case 'waiting':
        return `the dev database waits for a destructive change (${outcome.reasons.join('; ')}):\n${outcome.sql.join('\n')}\nTo apply it to the dev database, open ${applyUrl()} and press Apply. The models of the dev database's schema keep serving.`
      case 'blocked':
        return `the dev database refused the pending change: ${outcome.error}\n${outcome.sql.join('\n')}\nTo apply it to an emptied dev database, open ${applyUrl()} and press Empty and apply (its rows are deleted), or change the schema so it applies to the rows there (a NOT NULL column needs a defaultValue), then save. The models of the dev database's schema keep serving.`
      case 'unavailable':
        return `the dev database could not follow the schemas: ${outcome.error}`
    }
  }
}

/**
 * Connects through the SSR runner when there is one: this plugin may have been loaded by the
 * config's module runner, closed by now, through which `connect()` could not import PGlite.
 */
/**
 * Says what the dev database is while it opens: an embedded PGlite takes seconds to start (its
 * WASM and initdb; 15 s were seen on a loaded machine), during which the first request waits.
 */
async function withProgress(
  logger: FluentormContext['logger'],
  options: ConnectOptions,
  opening: Promise<Database>,
): Promise<Database> {
  const url = options.url ?? process.env.DATABASE_URL
  if (url !== undefined) return opening
  const start = performance.now()
  logger.info(
    'starting the dev database: embedded PGlite, in memory (set DATABASE_URL to use PostgreSQL)…',
  )
  const db = await opening
  logger.info(`dev database ready (PGlite, ${((performance.now() - start) / 1000).toFixed(1)} s)`)
  return db
}

async function openDatabase(server: ViteDevServer, options: ConnectOptions): Promise<Database> {
  // Duck-typed: importing vite's isRunnableDevEnvironment would make vite a dependency for every bundler.
  const ssr = server.environments.ssr as Partial<RunnableDevEnvironment> | undefined
  const runtime: { connect: typeof connect } = ssr?.runner
    ? await ssr.runner.import('@fluentorm/runtime')
    : { connect }
  return runtime.connect(options)
}

/**
 * Marks a virtual module stale in each environment that has loaded it; each server-side
 * runner reloads its entry points (Vite's own reloadModule would log the `\0` id).
 */
function reloadModule(server: ViteDevServer, module: VirtualModule): void {
  for (const environment of Object.values(server.environments)) {
    const node = environment.moduleGraph.getModuleById(VIRTUAL_IDS[module].resolved)
    if (!node) continue
    environment.moduleGraph.invalidateModule(node, new Set(), Date.now(), true)
    if (environment.name !== 'client') environment.hot.send({ type: 'full-reload', path: '*' })
  }
}

function sendError(server: ViteDevServer, message: string): void {
  const err = { message: prefixed(message), stack: '', plugin: 'fluentorm' }
  for (const environment of Object.values(server.environments)) {
    environment.hot.send({ type: 'error', err })
  }
}
