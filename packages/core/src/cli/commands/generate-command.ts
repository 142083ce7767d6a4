import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { loadSchemas } from '../../loader/load-schemas.ts'
import { formatProblems } from '../../schema/schema-problem.ts'
import { generateTableFiles } from '../../sql/table-files.ts'
import type { CliCommand } from '../cli-command.ts'
import { parseFlags } from '../parse-flags.ts'
import { generateNextMigration } from './generate-migration.ts'

/**
 * `fluentorm generate [--schemas dir] [--migrations dir]`: writes `migrations/<table>.sql`
 * for every table, only the files whose content changed; never removes a file. With an
 * invalid schema it prints the report, writes nothing and exits 1.
 */
export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'write migrations/<table>.sql from the schema files',
  usage: `Usage: fluentorm generate [--schemas dir] [--migrations dir]

Compiles schemas/NN_name.ts and writes one migrations/<table>.sql per table
(CREATE TABLE IF NOT EXISTS, foreign keys, indexes). Only changed files are written.

Options:
  --schemas dir      the schema files (default: schemas)
  --migrations dir   where the .sql files go (default: migrations)
  -h, --help         show this help
`,
  async run(args, io) {
    const { values, help } = parseFlags(args, ['schemas', 'migrations'])
    if (help) {
      io.out(this.usage)
      return 0
    }
    const result = await loadSchemas({ schemasDir: values.schemas ?? 'schemas', root: io.cwd })
    if (!result.ok) {
      io.err(formatProblems(result.problems))
      io.err('Nothing was written.\n')
      return 1
    }
    const dir = resolve(io.cwd, values.migrations ?? 'migrations')
    await mkdir(dir, { recursive: true })
    let written = 0
    for (const [name, content] of generateTableFiles(result.schema)) {
      const path = resolve(dir, name)
      const current = await readFile(path, 'utf8').catch(() => null)
      if (current === content) continue
      await writeFile(path, content)
      written++
      io.out(`wrote ${relative(io.cwd, path)}\n`)
    }
    const migrationStep = await generateNextMigration(result.schema, dir, io)
    const tables = result.schema.tables.length
    io.out(
      `fluentorm: ${tables} table${tables === 1 ? '' : 's'}, ${written === 0 ? 'all files up to date' : `${written} file${written === 1 ? '' : 's'} written`}\n`,
    )
    return migrationStep
  },
}
