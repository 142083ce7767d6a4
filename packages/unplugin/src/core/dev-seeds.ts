import { join, relative } from 'node:path'
import { seedFileNames, seedLoadError } from '@fluentorm/core'
import type { Database } from '@fluentorm/runtime'
import type { RunnableDevEnvironment, ViteDevServer } from 'vite'

/** What seeding the dev database did: the files run, or the one that failed and why. */
export type DevSeedOutcome =
  | { readonly ok: true; readonly files: readonly string[] }
  | { readonly ok: false; readonly error: string }

type SeedFunction = (db: unknown, models: unknown) => unknown

/**
 * Runs the seed files of `seedsDir` on the dev database as `fluentorm seed` does — each
 * one's `export default async function (db, models)`, in name order, all in one transaction
 * (a file that throws keeps nothing and is named) — but through the dev server's SSR runner:
 * the files are loaded as the app's modules are (the saved text, imports resolved by Vite),
 * and `models` is the app's own `virtual:fluentorm/models`. Null when there is no folder.
 */
export async function runDevSeeds(
  server: ViteDevServer,
  seedsDir: string,
  database: Database,
): Promise<DevSeedOutcome | null> {
  const names = await seedFileNames(seedsDir)
  if (names === null || names.length === 0) return null
  // Duck-typed: importing vite's isRunnableDevEnvironment would make vite a dependency for every bundler.
  const ssr = server.environments.ssr as Partial<RunnableDevEnvironment> | undefined
  if (!ssr?.runner) return { ok: false, error: 'the dev server has no SSR runner to load them' }
  const root = server.config.root
  const seeds: { file: string; run: SeedFunction }[] = []
  for (const name of names) {
    const path = join(seedsDir, name)
    const file = relative(root, path).replaceAll('\\', '/')
    // The saved text, not the module the runner loaded before.
    for (const node of ssr.moduleGraph?.getModulesByFile(path) ?? []) {
      ssr.moduleGraph?.invalidateModule(node)
    }
    let module: { default?: unknown }
    try {
      module = (await ssr.runner.import(path)) as { default?: unknown }
    } catch (error) {
      return { ok: false, error: seedLoadError(error, path, file) }
    }
    if (typeof module.default !== 'function') {
      return {
        ok: false,
        error: `${file} has no default export function. Write export default async function (db, models) { … }.`,
      }
    }
    seeds.push({ file, run: module.default as SeedFunction })
  }
  const runtime = (await ssr.runner.import(
    '@fluentorm/runtime',
  )) as typeof import('@fluentorm/runtime')
  const { models } = (await ssr.runner.import('virtual:fluentorm/models')) as { models: unknown }
  let failed: { file: string; reason: string } | null = null
  try {
    await runtime.transaction(database, async (tx) => {
      for (const seed of seeds) {
        try {
          await seed.run(tx, models)
        } catch (error) {
          failed = { file: seed.file, reason: firstLine(error) }
          throw error
        }
      }
    })
  } catch (error) {
    const { file, reason } = failed ?? { file: 'seeding', reason: firstLine(error) }
    return {
      ok: false,
      error: `${file} failed: ${reason.replace(/\.$/, '')}. Nothing was kept: every seed file ran in one transaction, rolled back. Seeds run again on the next save: make them idempotent (upsert, onConflict: 'nothing').`,
    }
  }
  return { ok: true, files: seeds.map((seed) => seed.file) }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
}
