/**
 * @fluentorm/cli: the `fluentorm` command. `main` runs it in process (what the bin does), for
 * scripts and tests that want its exit code and output without spawning Node.
 */
export type { CliIO, ExitCode } from './cli-command.ts'
export { main } from './main.ts'
