/** Where a command writes and which folder it runs in. */
export interface CliIO {
  readonly cwd: string
  readonly out: (text: string) => void
  readonly err: (text: string) => void
}

/** Exit codes: 0 success, 1 the command ran and failed (e.g. an invalid schema), 2 bad usage. */
export type ExitCode = 0 | 1 | 2

/** A `fluentorm <name>` subcommand: one file in `commands/`, listed in `command-list.ts`. */
export interface CliCommand {
  readonly name: string
  /** One line for `fluentorm --help`. */
  readonly summary: string
  /** The command's own `--help` text. */
  readonly usage: string
  run(args: readonly string[], io: CliIO): Promise<ExitCode>
}

/** A usage mistake: reported with the command's usage, exit code 2. */
export class UsageError extends Error {}
