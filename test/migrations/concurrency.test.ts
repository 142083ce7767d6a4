import { type ChildProcess, spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface, type Interface } from 'node:readline'
import { migrate } from '@fluentorm/runtime'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DATABASE_URL } from '../support/backends.ts'
import { handWritten } from './support/migration-fixtures.ts'

const CHILD = join(import.meta.dirname, 'support', 'migrate-child.ts')
const JITI = join(import.meta.dirname, '..', '..', 'node_modules', 'jiti', 'lib', 'jiti-cli.mjs')

const create = handWritten(
  '0001_create_events',
  'CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, note TEXT);',
)
// The sleep widens the race; the INSERT would fail on a second run (duplicate key).
const fill = handWritten(
  '0002_fill_events',
  "SELECT pg_sleep(0.2);\nINSERT INTO events (id, note) VALUES (1, 'once');",
)

interface Runner {
  readonly child: ChildProcess
  readonly lines: Interface
  next(): Promise<string>
}

function startRunner(): Runner {
  const child = spawn(process.execPath, [JITI, CHILD], { stdio: ['pipe', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout! })
  const queue: string[] = []
  const waiting: ((line: string) => void)[] = []
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)))
  return {
    child,
    lines,
    next: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise((resolve) => waiting.push(resolve)),
  }
}

describe('concurrent runners on PostgreSQL', () => {
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 })
  const runners: Runner[] = []
  const schemas: string[] = []
  const freshSchema = async () => {
    const schema = `mig_${process.pid}_${schemas.length}`
    schemas.push(schema)
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`)
    return schema
  }
  const inSchema = (schema: string) =>
    new pg.Pool({ connectionString: DATABASE_URL, options: `-c search_path=${schema}`, max: 1 })

  beforeAll(() => {
    for (let i = 0; i < 10; i++) runners.push(startRunner())
  })
  afterAll(async () => {
    for (const runner of runners) runner.child.stdin!.end()
    const codes = await Promise.all(
      runners.map((r) => new Promise((resolve) => r.child.once('exit', resolve))),
    )
    expect(codes).toEqual(runners.map(() => 0))
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)
    await admin.end()
  })

  /** Ten processes migrate one schema at once; returns what each applied. */
  const round = async (round: number, schema: string) => {
    const job = `${JSON.stringify({ round, schema, migrations: [create, fill] })}\n`
    for (const runner of runners) runner.child.stdin!.write(job)
    return Promise.all(
      runners.map(
        async (r) => JSON.parse(await r.next()) as { applied?: string[]; error?: string },
      ),
    )
  }

  it.each([
    ['an empty database', false],
    ['a database with one pending migration', true],
  ])(
    'applies each migration exactly once over twenty rounds on %s',
    async (_, preapply) => {
      for (let r = 0; r < 20; r++) {
        const schema = await freshSchema()
        if (preapply) {
          const pool = inSchema(schema)
          await migrate(pool, [create])
          await pool.end()
        }
        const results = await round(r, schema)
        expect(results.filter((x) => x.error)).toEqual([])
        const applied = results.flatMap((x) => x.applied ?? []).sort()
        expect(applied).toEqual(
          preapply ? ['0002_fill_events'] : ['0001_create_events', '0002_fill_events'],
        )
        const rows = await admin.query(
          `SELECT name FROM ${schema}.fluentorm_migrations ORDER BY name`,
        )
        expect(rows.rows.map((x) => x.name)).toEqual(['0001_create_events', '0002_fill_events'])
        expect((await admin.query(`SELECT note FROM ${schema}.events`)).rows).toEqual([
          { note: 'once' },
        ])
      }
      // Twenty rounds of ten processes: generous on a loaded 2-core CI machine.
    },
    180_000,
  )

  it('a runner killed with SIGKILL mid-migration leaves the database as before; the next run completes', async () => {
    const schema = await freshSchema()
    const slow = handWritten(
      '0002_slow',
      'CREATE TABLE half (id INTEGER);\nSELECT pg_sleep(1.5);\nCREATE TABLE done (id INTEGER);',
    )
    const file = join(tmpdir(), `fluentorm-kill-${process.pid}.json`)
    writeFileSync(file, JSON.stringify([create, slow]))
    const child = spawn(process.execPath, [JITI, CHILD, '--once', schema, file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)))
    for (;;) {
      const sleeping = await admin.query(
        `SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.5)%' AND state = 'active'`,
      )
      if (sleeping.rowCount) break
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    child.kill('SIGKILL')
    expect(await exited).toBe('SIGKILL')
    const tables = async () =>
      (
        await admin.query(
          `SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`,
          [schema],
        )
      ).rows.map((x) => x.tablename)
    // The killed runner's backend finishes its sleep, finds the client gone, rolls back.
    while (
      (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(1.5)%'`))
        .rowCount
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(await tables()).toEqual(['events', 'fluentorm_migrations'])
    const pool = inSchema(schema)
    expect((await migrate(pool, [create, slow])).applied).toEqual(['0002_slow'])
    await pool.end()
    expect(await tables()).toEqual(['done', 'events', 'fluentorm_migrations', 'half'])
    const history = await admin.query(
      `SELECT name FROM ${schema}.fluentorm_migrations ORDER BY name`,
    )
    expect(history.rows.map((x) => x.name)).toEqual(['0001_create_events', '0002_slow'])
  })
})
