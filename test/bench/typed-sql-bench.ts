/**
 * (m) Typed SQL: what a build and a save cost for `.sql` imports (issue 18). 100 query files
 * of three statements each over the guide's blog (users, posts, comments: joins, a left
 * join, aggregates, a CTE, json), typed by the plugin's own `createSqlFiles` on its in-memory
 * PGlite at the repository's migrations, `.sql.d.ts` written as in a build:
 * - cold: a fresh instance, from nothing to 100 typed files, the PGlite boot and migrations
 *   included, and the same without the boot (the database already up);
 * - one file on save: that file edited, typed again (the database stays up, as under Vite);
 * - a later start: a fresh instance whose typed results are in node_modules/.cache (the
 *   files and the migrations unchanged since the last build), which starts no database.
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

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - start) / 1e6
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

  const cold: number[] = []
  const warm: number[] = []
  const saves: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const sqlFiles = createSqlFiles(project)
    cold.push(await timed(() => compileAll(sqlFiles)))
    warm.push(await timed(() => compileAll(sqlFiles)))
    for (let save = 1; save <= SAVES; save++) {
      await writeFile(files[0]!, querySource(0, save))
      saves.push(await timed(() => sqlFiles.compile(files[0]!, null)))
    }
    await sqlFiles.close()
  }
  // A project with node_modules keeps typed results: the next start reads them.
  await mkdir(join(root, 'node_modules'))
  const filling = createSqlFiles(project)
  await compileAll(filling)
  await filling.close()
  const cached: number[] = []
  for (let round = 0; round < ROUNDS; round++) {
    const sqlFiles = createSqlFiles(project)
    cached.push(await timed(() => compileAll(sqlFiles)))
    await sqlFiles.close()
  }
  const cachedMs = median(cached)
  const coldMs = median(cold)
  const warmMs = median(warm)
  const saveMs = median(saves)
  const targets: TargetCheck[] = [
    atMost(
      `(m) typing ${FILES} .sql files cold ≤ 1 s (issue 18)`,
      coldMs,
      1000,
      ' ms',
      `cold includes starting the in-memory PGlite (its WASM instantiation and initdb) and applying the migrations, which alone take most of it (the same ${FILES} files with the database up: ${Math.round(warmMs)} ms, four PGlite round trips per statement: Parse/Describe, types, NOT NULL columns, outer joins); a later start with the files unchanged reads the typed results from node_modules/.cache and starts no database (${Math.round(cachedMs)} ms)`,
    ),
    atMost(
      '(m) typing one .sql file on save ≤ 50 ms (issue 18)',
      saveMs,
      50,
      ' ms',
      'each statement is prepared on PGlite (Parse and Describe) and its result columns looked up in the catalog; PGlite runs in the same thread',
    ),
  ]
  const text = [
    `### Typed SQL: ${FILES} files × 3 statements on the blog schema (${ROUNDS} rounds, median; saves: ${ROUNDS * SAVES})`,
    '',
    '| what | ms |',
    '|---|---:|',
    `| ${FILES} files, cold (PGlite boot and migrations included) | ${Math.round(coldMs)} |`,
    `| ${FILES} files again, the database up | ${Math.round(warmMs)} |`,
    `| one file on save | ${saveMs.toFixed(1)} |`,
    `| ${FILES} files, a later start (typed results in node_modules/.cache, no database started) | ${Math.round(cachedMs)} |`,
  ].join('\n')
  return { text, targets }
}
