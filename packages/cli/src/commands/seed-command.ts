import type { CliCommand } from '../cli-command.ts'
import { cliProject } from '../cli-project.ts'
import { flagsUsage, parseCommandFlags } from '../command-flags.ts'
import { output, withDatabase } from './migration-cli.ts'
import { runSeeds } from './seed-runner.ts'

/** `fluentorm seed`: runs seeds/*.ts with the typed models, in one transaction. */
export const seedCommand: CliCommand = {
  name: 'seed',
  summary: 'run seeds/*.ts (in name order) with the models, in one transaction',
  usage: `Usage: fluentorm seed [--seeds dir] [--url url] [--schemas dir]

Runs every seed file of seeds/ (*.ts, *.mts, *.js, *.mjs, in name order: 01_users.ts,
02_posts.ts, …) in one transaction. Each file exports

  export default async function (db, models) { await models.User.upsert(db, { … }) }

where db is the transaction and models the schemas' models (User, Post, …). A file that
throws rolls back every file's rows, and is named in the error. Write seeds that can run
again: upsert, or insert with onConflict: 'nothing'.

Options:
${flagsUsage([['--seeds dir', "the seed files (default: seeds, or the config's)"]])}
`,
  async run(args, io) {
    const flags = parseCommandFlags(args, io, { extra: ['seeds'] })
    if (flags.help) {
      io.out(this.usage)
      return 0
    }
    const project = cliProject(flags, io)
    return withDatabase(project.url, io, flags.json, async (db, runtime) => {
      const seeded = await runSeeds(db, runtime, project)
      if (!seeded.ok) {
        io.err(`fluentorm seed: ${seeded.error}\n`)
        if (flags.json) output(io, true, { ok: false, error: seeded.error, file: seeded.file }, '')
        return 1
      }
      const text = [
        ...seeded.files.map((file) => `seeded ${file}\n`),
        seeded.files.length === 0
          ? 'No seed files: nothing to run.\n'
          : `fluentorm seed: ${seeded.files.length} seed file(s) run, committed.\n`,
      ]
      output(io, flags.json, { ok: true, seeds: seeded.files }, text.join(''))
      return 0
    })
  },
}
