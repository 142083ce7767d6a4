import { parseArgs } from 'node:util'
import { UsageError } from './cli-command.ts'

/**
 * Parses `--name value` string flags (and `--help`), rejecting unknown flags and
 * positional arguments with a UsageError.
 */
export function parseFlags<const Name extends string>(
  args: readonly string[],
  names: readonly Name[],
): { readonly values: Partial<Record<Name, string>>; readonly help: boolean } {
  const options = Object.fromEntries([
    ...names.map((name) => [name, { type: 'string' as const }]),
    ['help', { type: 'boolean' as const, short: 'h' }],
  ])
  try {
    const { values } = parseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: false,
    })
    const help = values.help === true
    const strings = Object.fromEntries(
      names.flatMap((name) => (typeof values[name] === 'string' ? [[name, values[name]]] : [])),
    )
    return { values: strings as Partial<Record<Name, string>>, help }
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}
