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
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  }
  for (const name of names) options[name] = { type: 'string' }
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: false })
    const values: Record<string, unknown> = parsed.values
    const strings: Partial<Record<Name, string>> = {}
    for (const name of names) {
      const value = values[name]
      if (typeof value === 'string') strings[name] = value
    }
    return { values: strings, help: values.help === true }
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}
