import { readFileSync } from 'node:fs'
import { ConfigError, SnapshotError } from '@fluentorm/core'
import { type CliIO, type ExitCode, UsageError } from './cli-command.ts'
import { COMMANDS } from './command-list.ts'

/**
 * Runs `fluentorm <command> [flags]` and returns the exit code. User errors are printed
 * as messages, never stack traces.
 *
 * ```sh
 * npx fluentorm generate --schemas schemas --migrations migrations
 * ```
 */
export async function main(argv: readonly string[], io: CliIO): Promise<ExitCode> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(overview())
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-v') {
    io.out(`${version()}\n`)
    return 0
  }
  const command = COMMANDS.find((candidate) => candidate.name === name)
  if (command === undefined) {
    io.err(`fluentorm: unknown command '${name}'.\n\n${overview()}`)
    return 2
  }
  try {
    return await command.run(args, io)
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`fluentorm ${command.name}: ${error.message}\n\n${command.usage}`)
      return 2
    }
    if (error instanceof ConfigError) {
      io.err(`fluentorm ${command.name}: ${error.message}\n`)
      return 2
    }
    // A project file the command found broken: a problem it ran into, not a misuse.
    if (error instanceof SnapshotError) {
      io.err(`fluentorm ${command.name}: ${error.message}\n`)
      return 1
    }
    throw error
  }
}

/** The version of @fluentorm/cli, which carries the `fluentorm` command. */
function version(): string {
  const file = new URL('../package.json', import.meta.url)
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length))
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`)
  return `Usage: fluentorm <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nEvery command takes --schemas, --migrations, --url, --config and --json; fluentorm --version prints the version.\nRun fluentorm <command> --help for a command's options.\n`
}
