import { quoteIdent } from '@fluentorm/core'
import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, withDatabase } from './migration-cli.ts'
import { runSeeds } from './seed-runner.ts'

/**
 * `fluentorm reset`: drops the database's schema (the first of its search_path) with
 * everything in it and runs the numbered migrations again. Asks nothing; refuses a host that
 * does not look local unless `--force`.
 */
export const resetCommand: CliCommand = {
  name: 'reset',
  summary: 'empty a dev database (DROP SCHEMA … CASCADE) and run the migrations again',
  usage: `Usage: fluentorm reset [--force] [--seed] [--url url] [--migrations dir]

For a dev database: drops the schema the URL's connections work in (the first schema of
their search_path, usually public) with every table, type, row and the migration history in
it, creates it empty, and runs the numbered migrations again. It asks nothing (it is meant
for scripts); it refuses a database whose host does not look local (localhost, 127.0.0.1,
::1, a unix socket, *.local) unless --force. With --seed it then runs fluentorm seed.

Options:
${flagsUsage([
  ['--force', 'reset a database on a host that does not look local'],
  ['--seed', 'run the seed files after the migrations (see fluentorm seed)'],
  ['--seeds dir', "with --seed: the seed files (default: seeds, or the config's)"],
])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['force', 'seed', 'seeds'] })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    const fail = (message: string) => {
      io.err(`fluentorm reset: ${message}\n`)
      if (flags.json) output(io, true, { ok: false, error: message }, '')
      return 1 as const
    }
    const host = project.url ? remoteHost(project.url) : null
    if (host !== null && !flags.force) {
      return fail(
        `refusing to reset the database on ${host}: that host does not look local (localhost, 127.0.0.1, ::1, a unix socket, *.local), and reset drops every table and row. If it is a dev database, pass --force.`,
      )
    }
    return withDatabase(project.url, io, flags.json, async (db, runtime) => {
      const schema = await workingSchema(db)
      await db.transaction(async (tx) => {
        await tx.exec(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`)
        await tx.exec(`CREATE SCHEMA ${quoteIdent(schema)}`)
        // What a new database grants on public (PostgreSQL 15): everyone may use it.
        if (schema === 'public') await tx.exec('GRANT USAGE ON SCHEMA public TO PUBLIC')
      })
      const { applied } = await runtime.migrate(db, { migrations: project.migrationsDir })
      const seeded = flags.seed ? await runSeeds(db, runtime, project) : null
      if (seeded !== null && !seeded.ok) return fail(seeded.error)
      const data = { ok: true, schema, applied, seeds: seeded?.files ?? [] }
      const text = [
        `dropped and created schema ${schema}\n`,
        ...applied.map((name) => `applied ${name}.sql\n`),
        ...(seeded?.files ?? []).map((file) => `seeded ${file}\n`),
        `fluentorm reset: schema ${schema} holds the ${applied.length} numbered migration(s), and no other rows${seeded ? ' than the seeds' : ''}.\n`,
      ]
      output(io, flags.json, data, text.join(''))
      return 0
    })
  },
}

/** The schema new tables go to: the first of the search_path that exists, else the first named. */
async function workingSchema(db: {
  query<R>(config: { text: string }): Promise<{ rows: R[] }>
}): Promise<string> {
  const { rows } = await db.query<{ current: string | null; path: string }>({
    text: "SELECT current_schema() AS current, current_setting('search_path') AS path",
  })
  const row = rows[0]
  if (row?.current) return row.current
  const named = (row?.path ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^"(.*)"$/, '$1'))
    .find((entry) => entry !== '' && entry !== '$user')
  return named ?? 'public'
}

/**
 * The host of `url` when it does not look like this machine's, else null: localhost,
 * 127.0.0.0/8, ::1, a unix socket (an empty host, or `?host=/path`), a `*.local` name.
 */
export function remoteHost(url: string): string | null {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return null // not a URL: connecting reports it
  }
  const hosts = [
    decodeURIComponent(parsed.hostname),
    ...(parsed.searchParams.get('host') ?? '').split(',').filter(Boolean),
  ]
  const remote = hosts.find((host) => host !== '' && !isLocal(host))
  return remote ?? null
}

function isLocal(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return (
    name.startsWith('/') ||
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    /^127\.\d+\.\d+\.\d+$/.test(name) ||
    name.endsWith('.local')
  )
}
