import { relative } from 'node:path'
import { MissingSchemaError, pullProject, quoteIdent } from '@fluentorm/core'
import type { Driver } from '@fluentorm/runtime'
import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { catalogExecutor, output, withDatabase } from './migration-cli.ts'

/**
 * `fluentorm pull`: adopts an existing database. Writes a schema file per table, what
 * generate writes for them, hand-written migrations of everything the DSL cannot express,
 * and records those migrations as applied on the database (docs/ADOPTING.md).
 */
export const pullCommand: CliCommand = {
  name: 'pull',
  summary: 'adopt an existing database: write schemas/ and a baselined first migration',
  usage: `Usage: fluentorm pull [--url url] [--schema name] [--schemas dir] [--migrations dir]

Reads the tables, enums, keys, uniques, checks, foreign keys and indexes of one schema of
the database and writes schemas/NN_<table>.ts per table, in foreign-key order, then what
fluentorm generate writes for them (migrations/<table>.sql, the first numbered migration,
the snapshot, the declarations). Views, functions, triggers, columns of types without a
builder, expression indexes and the rest the schema files cannot express go into
hand-written migrations (types and functions before the tables, the rest after), each listed
here. All of them are recorded as applied on the database read, so generate then writes
nothing and migrate applies nothing there.
The schemas and migrations folders must not have schema files or numbered migrations yet.

Options:
${flagsUsage([
  ['--schema name', 'the PostgreSQL schema to read (default: public)'],
  ['--dts file', "where to write the declarations (default: fluentorm.d.ts, or the config's)"],
])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['schema', 'dts'] })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    const schema = flags.schema ?? 'public'
    return withDatabase(project.url, io, flags.json, async (db, runtime) =>
      runtime.toDriver(db).session(async (session) => {
        const fail = (message: string) => {
          io.err(`fluentorm pull: ${message}\nNothing was recorded in the database.\n`)
          if (flags.json) output(io, true, { ok: false, error: message }, '')
          return 1 as const
        }
        let result: Awaited<ReturnType<typeof pullProject>>
        try {
          result = await pullProject({
            db: catalogExecutor(session),
            schema,
            schemasDir: project.schemasDir,
            migrationsDir: project.migrationsDir,
            dtsFile: project.dtsFile,
            root: io.cwd,
          })
        } catch (error) {
          if (error instanceof MissingSchemaError) return fail(error.message)
          throw error
        }
        if (!result.ok) return fail(result.message)
        const recorded =
          result.baselineNumber === 0
            ? []
            : await baselineIn(session, schema, () =>
                runtime.baseline(session, {
                  migrations: project.migrationsDir,
                  upTo: result.baselineNumber,
                }),
              )
        const { pulled } = result
        const handWritten = result.written.filter((file) => /_adopted_\w+\.sql$/.test(file))
        const lines = [
          ...result.written.map((file) => `wrote ${file}\n`),
          ...(pulled.unexpressed.length === 0
            ? []
            : [
                `\nNot expressible in schema files (${pulled.unexpressed.length}), in ${handWritten.join(' and ')}:\n`,
                ...pulled.unexpressed.map(
                  (item) =>
                    `  ${item.object}: ${item.reason}${item.sql === null ? ' (NOT WRITTEN: add it by hand)' : ''}\n`,
                ),
              ]),
          ...(pulled.notes.length === 0
            ? []
            : ['\nWritten differently:\n', ...pulled.notes.map((note) => `  ${note}\n`)]),
          `\nRecorded as applied on this database: ${recorded.length === 0 ? 'nothing' : recorded.map((name) => `${name}.sql`).join(', ')}.\n`,
          `fluentorm: ${pulled.tables.length} table${pulled.tables.length === 1 ? '' : 's'} pulled into ${relative(io.cwd, project.schemasDir) || '.'}; fluentorm generate now writes nothing and fluentorm migrate applies nothing here.\n`,
        ]
        const data = {
          ok: true,
          tables: pulled.tables.map((table) => table.name),
          written: result.written,
          unexpressed: pulled.unexpressed.map(({ object, reason, sql }) => ({
            object,
            reason,
            written: sql !== null,
          })),
          notes: pulled.notes,
          baseline: recorded,
        }
        output(io, flags.json, data, lines.join(''))
        return 0
      }),
    )
  },
}

/**
 * Runs the baseline with the search path at the pulled schema: the history goes where
 * `migrate` looks for it, run with that search path as docs/ADOPTING.md says (its lock and
 * `fluentorm_migrations` are per schema), whatever schema the URL's connection starts in.
 */
async function baselineIn<T>(session: Driver, schema: string, run: () => Promise<T>): Promise<T> {
  await session.exec(`SET search_path TO ${quoteIdent(schema)}`)
  try {
    return await run()
  } finally {
    await session.exec('RESET search_path')
  }
}
