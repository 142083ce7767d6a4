/**
 * Section (l)'s two server apps over the same 50 tables, bundled as a server is deployed
 * (esbuild: bundle, minify, tree-shaken, pg left external): fluentorm's imports the
 * `virtual:fluentorm/models` the plugin would write (the real codegen's output, as a file),
 * Drizzle's a schema module of the same tables. Each connects, reads one row by id and
 * prints when the answer arrived (ms since the process started); then it runs a query with
 * an include, so the bundle holds what an app with queries needs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { generateModelsModule, type SchemaIR, toModelMetas } from '@fluentorm/core'
import { build } from 'esbuild'
import { drizzleSchemaSource } from './drizzle-schema-source.ts'

export interface BundledApp {
  readonly name: string
  readonly file: string
  /** Minified bytes in the bundle from the ORM's own packages (not the app's schema). */
  readonly libraryBytes: number
  /** Minified bytes of the app's models or schema module. */
  readonly schemaBytes: number
  readonly totalBytes: number
  readonly gzipBytes: number
  /** The ORM's largest folders in the bundle, minified bytes, largest first. */
  readonly largestParts: readonly (readonly [string, number])[]
}

const FLUENTORM_APP = `import { connect } from '@fluentorm/runtime'
import { Root, Child } from './models.mjs'
const db = await connect({ url: process.env.BENCH_URL })
const found = await Root.findById(db, process.env.BENCH_ID)
const answered = performance.now()
const children = await Child.query().where('active', true).orderBy('created_at', 'desc').limit(20).include('parent').fetch(db)
process.stdout.write(JSON.stringify({ answered, found: found !== null, children: children.length }))
await db.close()
`

const DRIZZLE_APP = `import pg from 'pg'
import { drizzle } from 'drizzle-orm/node-postgres'
import * as schema from './schema.mjs'
const pool = new pg.Pool({ connectionString: process.env.BENCH_URL })
const db = drizzle({ client: pool, schema })
const found = await db.query.ROOT.findFirst({ where: (t, { eq }) => eq(t.id, process.env.BENCH_ID) })
const answered = performance.now()
const children = await db.query.CHILD.findMany({ where: (t, { eq }) => eq(t.active, true), orderBy: (t, { desc }) => [desc(t.created_at)], limit: 20, with: { parent: true } })
process.stdout.write(JSON.stringify({ answered, found: found !== undefined, children: children.length }))
await pool.end()
`

/** Writes and bundles both apps into `dir`; the root table is the first, the child the second. */
export async function bundledApps(dir: string, schema: SchemaIR): Promise<BundledApp[]> {
  const [root, child] = schema.tables as [SchemaIR['tables'][0], SchemaIR['tables'][0]]
  const fluentormDir = join(dir, 'fluentorm')
  const drizzleDir = join(dir, 'drizzle')
  mkdirSync(fluentormDir, { recursive: true })
  mkdirSync(drizzleDir, { recursive: true })
  writeFileSync(join(fluentormDir, 'models.mjs'), generateModelsModule(toModelMetas(schema)))
  writeFileSync(
    join(fluentormDir, 'app.mjs'),
    FLUENTORM_APP.replace(
      '{ Root, Child }',
      `{ ${root.modelName} as Root, ${child.modelName} as Child }`,
    ),
  )
  writeFileSync(join(drizzleDir, 'schema.mjs'), drizzleSchemaSource(schema))
  writeFileSync(
    join(drizzleDir, 'app.mjs'),
    DRIZZLE_APP.replace('ROOT', root.name).replace('CHILD', child.name),
  )
  return [
    await bundle('fluentorm', fluentormDir, 'models.mjs', '/packages/'),
    await bundle('drizzle-orm', drizzleDir, 'schema.mjs', '/node_modules/drizzle-orm/'),
  ]
}

async function bundle(
  name: string,
  dir: string,
  schemaFile: string,
  library: string,
): Promise<BundledApp> {
  const file = join(dir, 'server.mjs')
  const result = await build({
    entryPoints: [join(dir, 'app.mjs')],
    outfile: file,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pg', '@electric-sql/pglite'],
    metafile: true,
    write: true,
    logLevel: 'warning',
  })
  const output = Object.values(result.metafile.outputs)[0]!
  const inputs = Object.entries(output.inputs)
  const bytesOf = (match: (path: string) => boolean) =>
    inputs.reduce((sum, [path, { bytesInOutput }]) => sum + (match(path) ? bytesInOutput : 0), 0)
  const text = readFileSync(file)
  const parts = new Map<string, number>()
  for (const [path, { bytesInOutput }] of inputs) {
    const at = `/${path}`.indexOf(library)
    if (at < 0) continue
    const folder =
      `/${path}`
        .slice(at + library.length)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    parts.set(folder, (parts.get(folder) ?? 0) + bytesInOutput)
  }
  return {
    name,
    file,
    libraryBytes: bytesOf((path) => `/${path}`.includes(library)),
    schemaBytes: bytesOf((path) => path.endsWith(schemaFile)),
    totalBytes: output.bytes,
    gzipBytes: gzipSync(text, { level: 9 }).length,
    largestParts: [...parts].sort((a, b) => b[1] - a[1]).slice(0, 6),
  }
}
