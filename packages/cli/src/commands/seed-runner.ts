import { join, relative } from 'node:path'
import {
  formatProblems,
  loadSchemas,
  seedFileNames,
  seedLoadError,
  toModelMetas,
} from '@fluentorm/core'
import { createJiti } from 'jiti'
import type { CliProject } from '../cli-project.ts'
import type { Runtime, RuntimeDatabase } from './migration-cli.ts'

/** What `fluentorm seed` (and `reset --seed`) did: the files run, or why nothing was kept. */
export type SeedOutcome =
  | { readonly ok: true; readonly files: readonly string[] }
  | { readonly ok: false; readonly error: string; readonly file?: string }

/** A failure inside one seed file, carried out of the transaction to name the file. */
class SeedFailure extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(reason)
  }
}

/**
 * Runs the seed files of `project.seedsDir` (`*.ts`, `*.mts`, `*.js`, `*.mjs`, in name order),
 * each one's `export default async function (db, models)`, with the models of the schemas, in
 * one transaction: a file that throws rolls back every file's rows, and is named in the error.
 */
export async function runSeeds(
  db: RuntimeDatabase,
  runtime: Runtime,
  project: Pick<CliProject, 'seedsDir' | 'schemasDir' | 'root'>,
): Promise<SeedOutcome> {
  const where = relative(process.cwd(), project.seedsDir) || '.'
  const names = await seedFileNames(project.seedsDir)
  if (names === null) {
    return {
      ok: false,
      error: `there is no seeds folder at ${where}. Create ${join(where, '01_users.ts')} with export default async function (db, models) { … }, or pass --seeds dir (or set seeds in fluentorm.config.ts).`,
    }
  }
  const loaded = await loadSchemas({ schemasDir: project.schemasDir, root: project.root })
  if (!loaded.ok) return { ok: false, error: formatProblems(loaded.problems) }
  const models = runtime.defineModels(toModelMetas(loaded.schema))
  const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false })
  const seeds: { file: string; run: (db: unknown, models: unknown) => unknown }[] = []
  for (const name of names) {
    const file = join(where, name)
    let module: { default?: unknown }
    try {
      module = (await jiti.import(join(project.seedsDir, name))) as { default?: unknown }
    } catch (error) {
      return { ok: false, file, error: seedLoadError(error, join(project.seedsDir, name), file) }
    }
    if (typeof module.default !== 'function') {
      return {
        ok: false,
        file,
        error: `${file} has no default export function. Write export default async function (db, models) { … } (models: the schemas' models, db: the seeding transaction).`,
      }
    }
    seeds.push({ file, run: module.default as (db: unknown, models: unknown) => unknown })
  }
  try {
    await runtime.transaction(db, async (tx) => {
      for (const seed of seeds) {
        try {
          await seed.run(tx, models)
        } catch (error) {
          throw new SeedFailure(seed.file, firstLine(error))
        }
      }
    })
  } catch (error) {
    if (!(error instanceof SeedFailure)) throw error
    return {
      ok: false,
      file: error.file,
      error: `${error.file} failed: ${error.reason}. Nothing was kept: every seed file ran in one transaction, rolled back.`,
    }
  }
  return { ok: true, files: seeds.map((seed) => seed.file) }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? ''
}
