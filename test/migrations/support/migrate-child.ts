/**
 * A separate runner process for the concurrency tests. Reads JSON jobs from stdin, one per
 * line ({ round, schema, migrations }), runs migrate() on its own pg.Pool in that schema, and
 * answers each with one JSON line. `--once <schema> <file>` runs one job and exits (the
 * SIGKILL test).
 */

import { readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { type Migration, migrate } from '@fluentorm/runtime'
import pg from 'pg'
import { DATABASE_URL } from '../../support/backends.ts'

async function run(schema: string, migrations: Migration[]): Promise<string[]> {
  const pool = new pg.Pool({
    connectionString: DATABASE_URL,
    options: `-c search_path=${schema}`,
    max: 2,
  })
  try {
    return (await migrate(pool, { migrations, lockWaitTimeout: 30_000 })).applied as string[]
  } finally {
    await pool.end()
  }
}

if (process.argv[2] === '--once') {
  const migrations = JSON.parse(readFileSync(process.argv[4]!, 'utf8')) as Migration[]
  process.stdout.write('started\n')
  await run(process.argv[3]!, migrations)
  process.stdout.write('done\n')
} else {
  for await (const line of createInterface({ input: process.stdin })) {
    const job = JSON.parse(line) as { round: number; schema: string; migrations: Migration[] }
    try {
      const applied = await run(job.schema, job.migrations)
      process.stdout.write(`${JSON.stringify({ round: job.round, applied })}\n`)
    } catch (error) {
      process.stdout.write(
        `${JSON.stringify({ round: job.round, error: (error as Error).message })}\n`,
      )
    }
  }
}
