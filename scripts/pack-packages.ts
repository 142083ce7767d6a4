/**
 * `npm run pack`: the four packages as npm would publish them. Each is compiled with tsc
 * (its tsconfig.build.json: JavaScript and declarations, `.ts` imports rewritten to `.js`)
 * into a staging folder whose package.json points its exports at that output instead of the
 * TypeScript sources the workspace runs from, then `npm pack`ed into the output folder.
 *
 * ```sh
 * npm run pack              # → .pack/fluentorm-runtime-0.1.0.tgz, …core…, …cli…, …unplugin…
 * ```
 */
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const PACKAGES = ['runtime', 'core', 'cli', 'unplugin'] as const

type Exports = Record<string, string>

/** `./src/vite.ts` → `{ types: './dist/vite.d.ts', default: './dist/vite.js' }`. */
function builtExports(exports: Exports): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(exports).map(([entry, source]) => {
      if (!source.startsWith('./src/')) return [entry, source]
      const built = source.replace(/^\.\/src\//, './dist/').replace(/\.ts$/, '')
      return [entry, { types: `${built}.d.ts`, default: `${built}.js` }]
    }),
  )
}

/** The bin of the published @fluentorm/cli: the compiled CLI, no TypeScript loader needed. */
const CLI_BIN = `#!/usr/bin/env node
import { main } from '../dist/main.js'

process.exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
})
`

/** The CommonJS files under `src` (tsc emits none of them) copied to the same place in `dist`. */
function copyCommonJs(source: string, dist: string): void {
  const files = readdirSync(join(source, 'src'), { recursive: true, encoding: 'utf8' })
  for (const file of files.filter((name) => name.endsWith('.cjs'))) {
    mkdirSync(dirname(join(dist, file)), { recursive: true })
    copyFileSync(join(source, 'src', file), join(dist, file))
  }
}

/** Builds and packs every package into `outDir`; returns the tarball paths by package name. */
export function packPackages(outDir: string): Record<string, string> {
  rmSync(outDir, { recursive: true, force: true })
  const tarballs: Record<string, string> = {}
  for (const name of PACKAGES) {
    const source = join(root, 'packages', name)
    const stage = join(outDir, 'stage', name)
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        join(source, 'tsconfig.build.json'),
        '--outDir',
        join(stage, 'dist'),
      ],
      { stdio: 'inherit' },
    )
    copyCommonJs(source, join(stage, 'dist'))
    const manifest = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'))
    manifest.exports = builtExports(manifest.exports)
    manifest.files = ['dist', ...(manifest.bin ? ['bin'] : [])]
    if (manifest.bin) {
      mkdirSync(join(stage, 'bin'), { recursive: true })
      writeFileSync(join(stage, 'bin', 'fluentorm.mjs'), CLI_BIN, { mode: 0o755 })
    }
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    for (const file of ['README.md', 'LICENSE']) copyFileSync(join(source, file), join(stage, file))
    const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], {
      cwd: stage,
      encoding: 'utf8',
    })
    tarballs[manifest.name] = join(outDir, packed.trim().split('\n').pop()!)
  }
  return tarballs
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  for (const [name, tarball] of Object.entries(packPackages(join(root, '.pack')))) {
    console.log(`${name}: ${tarball}`)
  }
}
