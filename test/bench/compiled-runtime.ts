/**
 * The bench runs @fluentorm/runtime the way an application runs it: compiled JavaScript that
 * Node loads, not the workspace's TypeScript sources through jiti. jiti turns every import
 * between the runtime's modules into a getter on an exports object, called on every use: it
 * cost the per-call query builder 40-65% of its time (2.3-4 µs against 1.4 µs for building and
 * rendering the 20-row query), while pg, Drizzle, Kysely and postgres.js run from their
 * compiled dist. So the sections' processes get `@fluentorm/runtime` (and its
 * `./migration-format` export) from an esbuild bundle of the sources, built at the start of
 * every run, and `@fluentorm/core` and the benches import that one copy.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildSync } from 'esbuild'

const runtimeSources = join(import.meta.dirname, '..', '..', 'packages', 'runtime', 'src')

/**
 * Bundles the runtime into `<workDir>/runtime` (ESM, dependencies external, as in a server
 * bundle) and returns the `JITI_ALIAS` value that points the package's name at it.
 */
export function compiledRuntimeAlias(workDir: string): string {
  const out = join(workDir, 'runtime')
  rmSync(out, { recursive: true, force: true })
  buildSync({
    entryPoints: [
      join(runtimeSources, 'index.ts'),
      join(runtimeSources, 'migration', 'migration-format.ts'),
    ],
    entryNames: '[name]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outdir: out,
    logLevel: 'warning',
  })
  writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n')
  // A directory: `@fluentorm/runtime` resolves to its index.js, `…/migration-format` to that file.
  return JSON.stringify({ '@fluentorm/runtime': out })
}
