/**
 * (l) Cold start and size, fluentorm against Drizzle over the same 50 tables (synthetic-
 * schema.ts): the time from process start to the first query answered (import the bundled
 * server, connect, read one row by id), fresh processes taking turns, medians; and the
 * minified, tree-shaken size of each ORM in its server bundle (cold-start-apps.ts).
 */
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { compileSchema } from '@fluentorm/core'
import pg from 'pg'
import { benchModels, benchSchema } from './bench-database.ts'
import { type BundledApp, bundledApps } from './cold-start-apps.ts'
import { atMost, type BenchResult, median } from './measure.ts'
import { schemaModules } from './synthetic-schema.ts'

const TABLES = 50
const STARTS = 15

export async function coldStartBench(workDir: string): Promise<BenchResult> {
  const compiled = compileSchema(schemaModules(TABLES))
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems))
  const apps = await bundledApps(join(workDir, 'cold-start'), compiled.schema)

  const schema = await benchSchema('fluentorm_bench_cold_start')
  const client = new pg.Client({ connectionString: schema.url })
  await client.connect()
  for (const model of Object.values(benchModels(schemaModules(TABLES)))) {
    await model.createTable(client)
  }
  const root = compiled.schema.tables[0]!.name
  const child = compiled.schema.tables[1]!.name
  const {
    rows: [row],
  } = await client.query<{ id: string }>(
    `INSERT INTO ${root} (name, slug) VALUES ('root', 'root') RETURNING id`,
  )
  await client.query(
    `INSERT INTO ${child} (name, slug, parent_id) SELECT 'c' || i, 'c' || i, $1 FROM generate_series(1, 20) i`,
    [row!.id],
  )
  await client.end()

  const env = { ...process.env, BENCH_URL: schema.url, BENCH_ID: row!.id }
  const samples = apps.map(() => [] as number[])
  // One start of each in turn, so a busy moment of the machine hits both alike.
  for (let start = 0; start < STARTS + 1; start++) {
    for (const [index, app] of apps.entries()) {
      const answered = await firstAnswer(app, env)
      // The first start of each reads the files from disk into the page cache.
      if (start > 0) samples[index]!.push(answered)
    }
  }
  await schema.drop()

  const [fluentorm, drizzle] = apps as [BundledApp, BundledApp]
  const [fluentStart, drizzleStart] = samples.map(median) as [number, number]
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`
  return {
    text: [
      `### Process start to the first query answered: import the server bundle, connect, read one row by id (${TABLES} tables; ${STARTS} fresh processes each, taking turns; median)`,
      '',
      '| ORM | ms to the first answer (median) | fastest | slowest |',
      '|---|---:|---:|---:|',
      ...apps.map(
        (app, i) =>
          `| ${app.name} | ${median(samples[i]!).toFixed(1)} | ${Math.min(...samples[i]!).toFixed(1)} | ${Math.max(...samples[i]!).toFixed(1)} |`,
      ),
      '',
      `### The server bundle (esbuild: bundle, minify, tree-shaken, platform node, pg external), the app reading by id and running a query with an include over ${TABLES} tables`,
      '',
      "| ORM | the ORM's own code | the app's models / schema module | whole bundle | whole bundle, gzip |",
      '|---|---:|---:|---:|---:|',
      ...apps.map(
        (app) =>
          `| ${app.name} | ${kib(app.libraryBytes)} | ${kib(app.schemaBytes)} | ${kib(app.totalBytes)} | ${kib(app.gzipBytes)} |`,
      ),
      '',
      ...apps.map(
        (app) =>
          `${app.name}'s largest folders: ${app.largestParts.map(([folder, bytes]) => `${folder} ${kib(bytes)}`).join(', ')}.`,
      ),
    ].join('\n'),
    targets: [
      atMost(
        `(l) cold start to the first query (${TABLES} models) ≤ Drizzle's`,
        fluentStart / drizzleStart,
        1,
        "x Drizzle's",
        "connect() opens two connections at once (the pool's, which checks for a pooler, and the first pipelined one) and loads @opentelemetry/api when installed, where Drizzle's first query opens one; the models module is one JSON.parse of compact metadata and defineModels renders no statement before its first use",
      ),
      atMost(
        "(l) the ORM's minified code in a server bundle ≤ drizzle-orm's",
        fluentorm.libraryBytes / drizzle.libraryBytes,
        1,
        "x drizzle-orm's",
        "a model is one object holding every method (insert, insertMany, upsert, copy, cursor pages, soft delete, …), and connect() reaches every executor (pipelined, pooled, replicas, pooler mode, PGlite) whatever options it is given: a bundler keeps all code a reachable object or branch refers to, even when the app calls two methods. Drizzle's query kinds are separate classes reached only by the builder calls the app makes. The executor folder includes connect()'s own wire path for pipelined connections (wire-connection.ts and wire-messages.ts, about 8 KiB minified), which reads rows faster than pg where every query of a server goes (section a)",
      ),
    ],
  }
}

/** Starts the app in a fresh node process; resolves to when its first answer arrived (ms after process start). */
function firstAnswer(app: BundledApp, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [app.file], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (data: string) => {
      out += data
    })
    child.stderr.setEncoding('utf8').on('data', (data: string) => {
      err += data
    })
    child.on('error', reject)
    child.on('close', (status) => {
      try {
        const result = JSON.parse(out) as { answered: number; found: boolean; children: number }
        if (status !== 0 || !result.found || result.children !== 20) throw new Error(out)
        resolve(result.answered)
      } catch {
        reject(new Error(`cold start: ${app.name}'s app failed (${status}): ${out}\n${err}`))
      }
    })
  })
}
