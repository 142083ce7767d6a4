import { writeNextMigration } from '../../migration/write-next-migration.ts'
import type { SchemaIR } from '../../schema/schema-ir.ts'
import type { CliIO, ExitCode } from '../cli-command.ts'

/**
 * The numbered-migration half of `fluentorm generate`: writes the next `NNNN_<name>.sql`
 * when the schemas changed, prints its lint findings, or says there is nothing to do.
 * Branch conflicts are printed with the way out, exit code 1.
 */
export async function generateNextMigration(
  schema: SchemaIR,
  migrationsDir: string,
  io: CliIO,
): Promise<ExitCode> {
  const result = await writeNextMigration({ root: io.cwd, migrationsDir, schema })
  if (!result.ok) {
    io.err(`${result.message}\n`)
    return 1
  }
  io.out(`${result.message}\n`)
  return 0
}
