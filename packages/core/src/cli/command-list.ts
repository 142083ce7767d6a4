import type { CliCommand } from './cli-command.ts'
import { generateCommand } from './commands/generate-command.ts'

/** Every `fluentorm` subcommand; a new one is a file in `commands/` plus a line here. */
export const COMMANDS: readonly CliCommand[] = [generateCommand]
