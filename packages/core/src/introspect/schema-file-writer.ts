import { type OptionValue, type PulledTable, SqlText } from './pulled-schema.ts'

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/
const LINE = 100

/**
 * A schema file as a person would write it: the type import (and `sql` when a default
 * needs it), `tableName` only when the file name cannot carry it, one builder call per line.
 *
 * ```ts
 * writeSchemaFile({ name: 'users', file: '01_users.ts', calls: [{ method: 'uuid', args: [{ name: 'id', primaryKey: true }] }] })
 * // import type { TableSchema } from '@fluentorm/core'
 * //
 * // export function build(t: TableSchema): void {
 * //   t.uuid({ name: 'id', primaryKey: true })
 * // }
 * ```
 */
export function writeSchemaFile(table: PulledTable): string {
  const body = table.calls.map((call) => call_(`t.${call.method}`, call.args))
  const usesSql = body.some((line) => line.includes('sql('))
  const imports = usesSql
    ? "import { sql, type TableSchema } from '@fluentorm/core'"
    : "import type { TableSchema } from '@fluentorm/core'"
  const fileTable = table.file.replace(/^\d+_/, '').replace(/\.ts$/, '')
  const tableName =
    fileTable === table.name ? [] : [`export const tableName = ${string(table.name)}`, '']
  return [
    imports,
    '',
    ...tableName,
    'export function build(t: TableSchema): void {',
    ...body.map((text) => indent(text, '  ')),
    '}',
    '',
  ].join('\n')
}

/** The file name a table can carry: `02_posts.ts`; a name a file cannot hold gets `tableName`. */
export function schemaFileName(number: string, table: string): string {
  return /^[a-z0-9_]+$/i.test(table) ? `${number}_${table}.ts` : `${number}_table.ts`
}

function call_(callee: string, args: readonly OptionValue[]): string {
  const flat = `${callee}(${args.map((arg) => value(arg, false)).join(', ')})`
  if (flat.length <= LINE - 2 && !flat.includes('\n')) return flat
  return `${callee}(${args.map((arg) => value(arg, true)).join(', ')})`
}

function value(item: OptionValue, multiline: boolean): string {
  if (item === null) return 'null'
  if (item instanceof SqlText) return `sql(${string(item.sql)})`
  if (typeof item === 'string') return string(item)
  if (typeof item === 'number' || typeof item === 'boolean') return String(item)
  if (Array.isArray(item)) {
    const flat = `[${item.map((entry) => value(entry, false)).join(', ')}]`
    if (!multiline || flat.length <= LINE - 4) return flat
    return `[\n${item.map((entry) => indent(`${value(entry, false)},`, '  ')).join('\n')}\n]`
  }
  const entries = Object.entries(item as Record<string, OptionValue>).map(
    ([key, entry]) => `${IDENTIFIER.test(key) ? key : string(key)}: ${value(entry, false)}`,
  )
  const flat = `{ ${entries.join(', ')} }`
  if (!multiline || flat.length <= LINE - 4) return flat
  return `{\n${entries.map((entry) => indent(`${entry},`, '  ')).join('\n')}\n}`
}

/** A single-quoted TypeScript string, as the repository's formatter writes them. */
function string(text: string): string {
  if (text.includes("'") && !text.includes('"')) return JSON.stringify(text)
  const escaped = JSON.stringify(text).slice(1, -1).replaceAll("'", "\\'").replaceAll('\\"', '"')
  return `'${escaped}'`
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : by + line))
    .join('\n')
}
