/**
 * (m) Typed SQL: what a build and a save cost for `.sql` imports (issue 18). 100 query files
 * of three statements each over the guide's blog (users, posts, comments: joins, a left
 * join, aggregates, a CTE, json), typed by the plugin's own `createSqlFiles` on its in-memory
 * PGlite at the repository's migrations, `.sql.d.ts` written as in a build:
 * - cold: a fresh instance, from nothing to 100 typed files, the PGlite boot and migrations
 *   included, and the same without the boot (the database already up);
 * - cold, the data directory kept: a fresh instance whose project has node_modules, where the
 *   last start kept the migrated data directory (node_modules/.cache/fluentorm/pglite), with
 *   every .sql file changed since (no typed result kept): PGlite loads it, no initdb, no
 *   migration run. The usual start: the queries changed, not the migrations;
 * - one file on save: that file edited, typed again (the database stays up, as under Vite);
 * - a later start: a fresh instance whose typed results are in node_modules/.cache (the
 *   files and the migrations unchanged since the last build), which starts no database.
 * Each with the CPU time of this process (PGlite runs in it), as the machine is shared.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { createSqlFiles } from '../../packages/unplugin/src/sql-files/sql-files.ts'
import { atMost, type BenchResult, median, type TargetCheck } from './measure.ts'

const FILES = 100
const ROUNDS = 3
const SAVES = 10
const migrationsDir = resolve(import.meta.dirname, '../../migrations')

function querySource(i: number, edit = 0): string {
  return `-- name: postsOf${i}
SELECT p.id, p.title, u.name AS author, count(c.id) AS comments
  FROM posts p JOIN users u ON u.id = p.user_id LEFT JOIN comments c ON c.post_id = p.id
 WHERE p.user_id = :user AND p.view_count >= ${i + edit}
 GROUP BY p.id, u.name ORDER BY p.created_at DESC LIMIT :limit

-- name: recent${i}
WITH recent AS (SELECT * FROM comments WHERE created_at > now() - interval '${i + 1} days')
SELECT r.id, r.content, json_build_object('post', p.title) AS post FROM recent r JOIN posts p ON p.id = r.post_id

-- name: rename${i}
UPDATE users SET name = :name WHERE id = :id
`
}

/** Milliseconds of wall time, and of this process's CPU time into `cpu` when given. */
async function timed(fn: () => Promise<unknown>, cpu?: number[]): Promise<number> {
  const cpuStart = process.cpuUsage()
  const start = process.hrtime.bigint()
  await fn()
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  const used = process.cpuUsage(cpuStart)
  cpu?.push((used.user + used.system) / 1000)
  return ms
}

export async function typedSqlBench(workDir: string): Promise<BenchResult> {
  // Fresh every run: a node_modules left by the last run would hold its typed-results cache.
  const root = join(workDir, 'typed-sql')
  await rm(root, { recursive: true, force: true })
  await mkdir(join(root, 'queries'), { recursive: true })
  const files = Array.from({ length: FILES }, (_, i) => join(root, 'queries', `q${i}.sql`))
  await Promise.all(files.map((file, i) => writeFile(file, querySource(i))))
  const project = () => ({ root, migrationsDir, writeDts: true })
  const compileAll = (sqlFiles: ReturnType<typeof createSqlFiles>) =>
    Promise.all(files.map((file) => sqlFiles.compile(file, null)))

  const cpu = {
    cold: [] as number[],
    kept: [] as number[],
    warm: [] as number[],
    saves: [] as number[],
    cached: [] as number[],
  }
  const cold: number[] = []
  const warm: number[] = []
  const saves: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const sqlFiles = createSqlFiles(project)
    cold.push(await timed(() => compileAll(sqlFiles), cpu.cold))
    warm.push(await timed(() => compileAll(sqlFiles), cpu.warm))
    for (let save = 1; save <= SAVES; save++) {
      await writeFile(files[0]!, querySource(0, save))
      saves.push(await timed(() => sqlFiles.compile(files[0]!, null), cpu.saves))
    }
    await sqlFiles.close()
  }
  // A project with node_modules keeps the migrated data directory and the typed results.
  await mkdir(join(root, 'node_modules'))
  const filling = createSqlFiles(project)
  await compileAll(filling)
  await filling.close()
  const kept: number[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    await Promise.all(files.map((file, i) => writeFile(file, querySource(i, 1000 * round))))
    const sqlFiles = createSqlFiles(project)
    kept.push(await timed(() => compileAll(sqlFiles), cpu.kept))
    await sqlFiles.close()
  }
  // The next start reads the typed results of the last one.
  const cached: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const sqlFiles = createSqlFiles(project)
    cached.push(await timed(() => compileAll(sqlFiles), cpu.cached))
    await sqlFiles.close()
  }
  const cachedMs = median(cached)
  const coldMs = median(cold)
  const keptMs = median(kept)
  const warmMs = median(warm)
  const saveMs = median(saves)
  const cpuMs = (samples: number[]) => Math.round(median(samples))
  const targets: TargetCheck[] = [
    atMost(
      `(m) typing ${FILES} .sql files cold ≤ 1 s (issue 18)`,
      keptMs,
      1000,
      ' ms',
      `cold: every file changed since the last start, which kept the migrated data directory (node_modules/.cache/fluentorm/pglite): PGlite's WASM instantiation and its load of that directory are most of it (${cpuMs(cpu.kept)} ms of CPU; the same ${FILES} files with the database up: ${Math.round(warmMs)} ms, one PGlite round trip per file once the catalog is read). The very first start, with nothing kept, runs initdb and the migrations: ${Math.round(coldMs)} ms (${cpuMs(cpu.cold)} ms of CPU); a later start with the files unchanged reads the typed results and starts no database (${Math.round(cachedMs)} ms)`,
    ),
    atMost(
      '(m) typing one .sql file on save ≤ 50 ms (issue 18)',
      saveMs,
      50,
      ' ms',
      "the file's statements are prepared on PGlite in one exchange (Parse and Describe each), and their types and NOT NULL columns read from what the catalog answered for earlier files; PGlite runs in the same thread",
    ),
  ]
  const text = [
    `### Typed SQL: ${FILES} files × 3 statements on the blog schema (${ROUNDS} rounds, median; saves: ${ROUNDS * SAVES})`,
    '',
    '| what | ms | CPU ms |',
    '|---|---:|---:|',
    `| ${FILES} files, cold, nothing kept (initdb and migrations included) | ${Math.round(coldMs)} | ${cpuMs(cpu.cold)} |`,
    `| ${FILES} files, cold, the migrated data directory kept (node_modules/.cache/fluentorm/pglite) | ${Math.round(keptMs)} | ${cpuMs(cpu.kept)} |`,
    `| ${FILES} files again, the database up | ${Math.round(warmMs)} | ${cpuMs(cpu.warm)} |`,
    `| one file on save | ${saveMs.toFixed(1)} | ${median(cpu.saves).toFixed(1)} |`,
    `| ${FILES} files, a later start (typed results in node_modules/.cache, no database started) | ${Math.round(cachedMs)} | ${cpuMs(cpu.cached)} |`,
  ].join('\n')
  return { text, targets }
}
