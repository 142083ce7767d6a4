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
    throw error
  }
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length))
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`)
  return `Usage: fluentorm <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun fluentorm <command> --help for a command's options.\n`
}
