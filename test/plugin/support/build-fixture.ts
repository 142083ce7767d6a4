import { createRequire } from 'node:module'
import { join } from 'node:path'
import fluentormEsbuild from '@fluentorm/unplugin/esbuild'
import fluentormRollup from '@fluentorm/unplugin/rollup'
import fluentormVite from '@fluentorm/unplugin/vite'
import * as esbuild from 'esbuild'
import type { Plugin as RollupPlugin } from 'rollup'
import { rollup } from 'rollup'
import { build as viteBuild } from 'vite'

/** The drivers stay outside the bundles: they load native and WebAssembly files at run time. */
const DRIVERS = ['pg', '@electric-sql/pglite']

export type Bundler = 'vite' | 'esbuild' | 'rollup'

/** Builds `<root>/main.js` into an ES module for Node with `bundler`; resolves to the output file. */
export async function buildFixture(bundler: Bundler, root: string): Promise<string> {
  const outDir = join(root, `dist-${bundler}`)
  await BUILDERS[bundler](root, outDir)
  return join(outDir, 'main.mjs')
}

const BUILDERS: Record<Bundler, (root: string, outDir: string) => Promise<unknown>> = {
  vite: (root, outDir) =>
    viteBuild({
      root,
      configFile: false,
      logLevel: 'silent',
      plugins: [fluentormVite()],
      ssr: { noExternal: [/^@fluentorm\//], external: DRIVERS },
      build: {
        ssr: 'main.js',
        outDir,
        rolldownOptions: { output: { entryFileNames: 'main.mjs', format: 'es' } },
      },
    }),
  esbuild: (root, outDir) =>
    esbuild.build({
      absWorkingDir: root,
      entryPoints: ['main.js'],
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile: join(outDir, 'main.mjs'),
      external: DRIVERS,
      logLevel: 'silent',
      plugins: [fluentormEsbuild()],
    }),
  rollup: async (root, outDir) => {
    const bundle = await rollup({
      input: join(root, 'main.js'),
      // Rollup has no project root: paths resolve against the current directory unless absolute.
      plugins: [
        fluentormRollup({
          schemas: join(root, 'schemas'),
          migrations: join(root, 'migrations'),
          dts: join(root, 'fluentorm.d.ts'),
        }),
        workspaceTypeScript(),
      ],
      // Rollup has no resolver of its own: bare imports other than our workspace stay imports.
      external: (id) =>
        /^[@a-z]/i.test(id) && !id.startsWith('@fluentorm/') && !/fluentorm\//.test(id),
      onwarn: () => undefined,
    })
    await bundle.write({ file: join(outDir, 'main.mjs'), format: 'es' })
    await bundle.close()
  },
}

/** What a Rollup user adds for TypeScript dependencies: resolve the workspace packages and strip types. */
function workspaceTypeScript(): RollupPlugin {
  const require = createRequire(import.meta.url)
  return {
    name: 'workspace-typescript',
    resolveId: (id) => (id.startsWith('@fluentorm/') ? require.resolve(id) : null),
    async transform(code, id) {
      if (!id.endsWith('.ts')) return null
      const result = await esbuild.transform(code, { loader: 'ts', format: 'esm', sourcefile: id })
      return { code: result.code, map: null }
    },
  }
}
