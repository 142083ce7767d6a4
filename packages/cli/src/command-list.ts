import type { CliCommand } from './cli-command.ts'
import { checkCommand } from './commands/check-command.ts'
import { downCommand } from './commands/down-command.ts'
import { generateCommand } from './commands/generate-command.ts'
import { migrateCommand } from './commands/migrate-command.ts'
import { pullCommand } from './commands/pull-command.ts'
import { pushCommand } from './commands/push-command.ts'
import { resetCommand } from './commands/reset-command.ts'
import { seedCommand } from './commands/seed-command.ts'
import { statusCommand } from './commands/status-command.ts'

/** Every `fluentorm` subcommand; a new one is a file in `commands/` plus a line here. */
export const COMMANDS: readonly CliCommand[] = [
  generateCommand,
  migrateCommand,
  statusCommand,
  downCommand,
  checkCommand,
  pullCommand,
  pushCommand,
  resetCommand,
  seedCommand,
]
