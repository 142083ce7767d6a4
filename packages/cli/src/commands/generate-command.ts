import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import {
  formatProblems,
  generateDts,
  generateTableFiles,
  loadSchemas,
  type SchemaIR,
  writeNextMigration,
} from '@fluentorm/core'
import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output } from './migration-cli.ts'

/**
 * `fluentorm generate`: writes `migrations/<table>.sql` for every table, the next numbered
 * migration when the schemas moved on from the snapshot, and the `.d.ts` the plugin writes;
 * only the files whose content changed, never removing one. With an invalid schema it prints
 * the report, writes nothing and exits 1.
 */
export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'write migrations/<table>.sql, the next numbered migration and fluentorm.d.ts',
  usage: `Usage: fluentorm generate [--schemas dir] [--migrations dir] [--dts file]

Compiles schemas/NN_name.ts and writes one migrations/<table>.sql per table
(CREATE TABLE IF NOT EXISTS, foreign keys, indexes), the next numbered migration when the
schemas changed since migrations/meta/snapshot.json, and the declarations of
virtual:fluentorm/models (the file the bundler plugin writes), and with @fluentorm/unplugin
installed the .sql.d.ts of every .sql query file (see docs/TYPED-SQL.md). Only changed files
are written.

Options:
${flagsUsage([['--dts file', "where to write the declarations (default: fluentorm.d.ts, or the config's)"]])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['dts'] })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    // Paths relative to the .d.ts's folder, as the plugin writes them: both write the same file.
    const root = project.dtsFile === null ? project.root : dirname(project.dtsFile)
    const result = await loadSchemas({ schemasDir: project.schemasDir, root })
    if (!result.ok) {
      io.err(formatProblems(result.problems))
      io.err('Nothing was written.\n')
      if (flags.json) output(io, true, { ok: false, problems: result.problems }, '')
      return 1
    }
    const dir = project.migrationsDir
    await mkdir(dir, { recursive: true })
    const files: [string, string][] = [...generateTableFiles(result.schema)].map(
      ([name, content]) => [resolve(dir, name), content],
    )
    if (project.dtsFile !== null) files.push([project.dtsFile, generateDts(result.schema)])
    const written: string[] = []
    for (const [path, content] of files) {
      if ((await readFile(path, 'utf8').catch(() => null)) === content) continue
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, content)
      written.push(relative(io.cwd, path))
    }
    const migration = await writeNextMigration({
      root: io.cwd,
      migrationsDir: dir,
      schema: result.schema,
    })
    if (!migration.ok) {
      io.err(`${migration.message}\n`)
      if (flags.json) output(io, true, { ok: false, problems: migration.problems }, '')
      return 1
    }
    const sqlTypes =
      project.dtsFile === null ? null : await writeSqlFileTypes(project, result.schema)
    written.push(...(sqlTypes?.written ?? []).map((file) => relative(io.cwd, file)))
    if (sqlTypes && sqlTypes.errors.length > 0) {
      io.err(`${sqlTypes.errors.join('\n')}\n`)
      if (flags.json) output(io, true, { ok: false, problems: sqlTypes.errors }, '')
      return 1
    }
    const tables = result.schema.tables.length
    const text = [
      ...written.map((file) => `wrote ${file}\n`),
      `${migration.message}\n`,
      `fluentorm: ${tables} table${tables === 1 ? '' : 's'}, ${written.length === 0 ? 'all files up to date' : `${written.length} file${written.length === 1 ? '' : 's'} written`}\n`,
    ]
    const data = {
      ok: true,
      tables,
      written,
      migration: migration.written,
      findings: migration.plan.findings,
    }
    output(io, flags.json, data, text.join(''))
    return 0
  },
}

interface SqlFileTypes {
  writeSqlFileTypes(options: {
    root: string
    migrationsDir: string
    schema: SchemaIR
  }): Promise<{ written: readonly string[]; errors: readonly string[] }>
}

/**
 * The `.sql.d.ts` of the project's `.sql` query files, typed as the plugin types them, when
 * `@fluentorm/unplugin` is installed (it holds the typer; the CLI does not depend on it).
 */
async function writeSqlFileTypes(
  project: { root: string; migrationsDir: string },
  schema: SchemaIR,
): Promise<{ written: readonly string[]; errors: readonly string[] } | null> {
  const specifier = '@fluentorm/unplugin/sql-files'
  const typer = (await import(specifier).catch(() => null)) as SqlFileTypes | null
  if (typer === null) return null
  return typer.writeSqlFileTypes({
    root: project.root,
    migrationsDir: project.migrationsDir,
    schema,
  })
}
