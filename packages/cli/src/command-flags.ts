import { parseArgs } from 'node:util'
import { type CliIO, UsageError } from './cli-command.ts'

/** A flag only some commands take, beyond the ones every command takes. */
export type ExtraFlag =
  | 'dry-run'
  | 'lock-wait'
  | 'dts'
  | 'allow-lint-errors'
  | 'schema'
  | 'baseline'
  | 'accept-data-loss'
  | 'force'
  | 'seed'
  | 'seeds'

/**
 * The flags of a command. Every command takes `--schemas`, `--migrations`, `--url`, `--config`
 * and `--json` (the same flag for the same thing everywhere); `--dir` is the deprecated name
 * of `--migrations`.
 */
export interface CommandFlags {
  readonly schemas: string | undefined
  readonly migrations: string | undefined
  readonly url: string | undefined
  readonly config: string | undefined
  readonly dts: string | undefined
  readonly json: boolean
  readonly dryRun: boolean
  readonly allowLintErrors: boolean
  readonly lockWait: number | undefined
  /** `pull --schema`: the PostgreSQL schema to read. */
  readonly schema: string | undefined
  /** `migrate --baseline n`: record migrations up to n as applied without running them. */
  readonly baseline: number | undefined
  /** `push --accept-data-loss`: apply destructive steps too. */
  readonly acceptDataLoss: boolean
  /** `reset --force`: reset a database whose host does not look local. */
  readonly force: boolean
  /** `reset --seed`: run the seed files after the migrations. */
  readonly seed: boolean
  /** `seed --seeds dir`: the seed files. */
  readonly seeds: string | undefined
  readonly help: boolean
  readonly positionals: readonly string[]
}

const COMMON_FLAGS: readonly (readonly [string, string])[] = [
  ['--schemas dir', "the schema files (default: schemas, or the config's)"],
  ['--migrations dir', "the migrations folder (default: migrations, or the config's)"],
  ['--url url', "the database (default: the config's url, else DATABASE_URL)"],
  ['--config file', 'the fluentorm.config.ts to read (default: the nearest one upward)'],
  ['--json', 'print one JSON object on stdout, for scripts'],
  ['-h, --help', 'show this help'],
]

/** The `Options:` lines of a command's help: its own flags, then the ones every command takes. */
export function flagsUsage(own: readonly (readonly [string, string])[] = []): string {
  const all = [...own, ...COMMON_FLAGS]
  const width = Math.max(...all.map(([flag]) => flag.length)) + 2
  return all.map(([flag, what]) => `  ${flag.padEnd(width)}${what}`).join('\n')
}

const STRING_FLAGS = ['schemas', 'migrations', 'url', 'config', 'dir'] as const
const BOOLEAN_FLAGS: ReadonlySet<ExtraFlag> = new Set([
  'dry-run',
  'allow-lint-errors',
  'accept-data-loss',
  'force',
  'seed',
])

export function parseCommandFlags(
  args: readonly string[],
  io: CliIO,
  {
    extra = [],
    positionals: maxPositionals = 0,
  }: { extra?: readonly ExtraFlag[]; positionals?: number } = {},
): CommandFlags {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
  }
  for (const name of STRING_FLAGS) options[name] = { type: 'string' }
  for (const name of extra) {
    options[name] = {
      type: BOOLEAN_FLAGS.has(name) ? 'boolean' : 'string',
    }
  }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] }
  try {
    parsed = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: maxPositionals > 0,
    }) as typeof parsed
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
  const { values, positionals } = parsed
  if (positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument '${positionals.at(-1)}'`)
  }
  const text = (name: string) =>
    typeof values[name] === 'string' ? (values[name] as string) : undefined
  let migrations = text('migrations')
  if (text('dir') !== undefined) {
    if (migrations !== undefined)
      throw new UsageError('--dir is the old name of --migrations: pass one of them')
    io.err('fluentorm: --dir is deprecated; use --migrations (the same flag in every command).\n')
    migrations = text('dir')
  }
  const lockWaitText = text('lock-wait')
  const lockWait = lockWaitText === undefined ? undefined : Number(lockWaitText)
  if (lockWait !== undefined && !(lockWait >= 0)) {
    throw new UsageError('--lock-wait takes milliseconds, e.g. --lock-wait 60000')
  }
  const baselineText = text('baseline')
  if (baselineText !== undefined && !/^\d+$/.test(baselineText)) {
    throw new UsageError(
      '--baseline takes the number of the last migration the database has, e.g. --baseline 2',
    )
  }
  return {
    schemas: text('schemas'),
    migrations,
    url: text('url'),
    config: text('config'),
    dts: text('dts'),
    json: values.json === true,
    dryRun: values['dry-run'] === true,
    allowLintErrors: values['allow-lint-errors'] === true,
    lockWait,
    schema: text('schema'),
    baseline: baselineText === undefined ? undefined : Number(baselineText),
    acceptDataLoss: values['accept-data-loss'] === true,
    force: values.force === true,
    seed: values.seed === true,
    seeds: text('seeds'),
    help: values.help === true,
    positionals,
  }
}
