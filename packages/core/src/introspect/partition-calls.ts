import type { DatabaseCatalog, TableRow } from './catalog-queries.ts'
import { type OptionValue, type SchemaCall, SqlText } from './pulled-schema.ts'

/** What pull makes of one partitioned table: its schema file's calls, or why it stays in SQL. */
export type PulledPartitioning =
  | {
      readonly calls: readonly SchemaCall[]
      /** Partitioned by an expression: PostgreSQL allows it no primary key, nor does its file. */
      readonly keyless: boolean
    }
  | { readonly reason: string }

const IDENTIFIER = /^(?:[a-z_][a-z0-9_$]*|"(?:[^"]|"")+")$/
const NUMBER = /^-?\d+(?:\.\d+)?$/

/**
 * The partitioned tables of the catalog a schema file can declare, by name: `t.partitionBy`
 * over its key columns and one `t.partition` per partition, each bound read back from
 * `pg_get_expr(relpartbound)` into literal values; a key of one expression is written as
 * `expression: sql('…')`. A table stays in the hand-written migration (with its partitions)
 * when its key mixes columns and expressions or has an operator class or a collation, when a
 * partition is itself partitioned, or when a bound does not read back.
 */
export function adoptPartitionings(
  catalog: DatabaseCatalog,
): ReadonlyMap<string, PulledPartitioning> {
  const adopted = new Map<string, PulledPartitioning>()
  for (const row of catalog.tables) {
    if (row.relkind !== 'p' || row.partition_key === null) continue
    const partitions = catalog.tables.filter((t) => t.partition_of === row.name)
    adopted.set(row.name, partitioning(row.partition_key, partitions))
  }
  return adopted
}

function partitioning(key: string, partitions: readonly TableRow[]): PulledPartitioning {
  const parsed = /^(RANGE|LIST|HASH) \((.*)\)$/s.exec(key)
  const elements = parsed === null ? null : splitList(parsed[2] ?? '')
  const [only] = elements ?? []
  const columnKey = elements?.every((e) => IDENTIFIER.test(e)) === true
  // One expression as PostgreSQL prints it: a call or a parenthesis, no operator class or collation after it.
  const expressionKey =
    elements?.length === 1 && only !== undefined && /\)$/.test(only) && !/\bCOLLATE\b/i.test(only)
  if (parsed === null || elements === null || !(columnKey || expressionKey))
    return { reason: `its partition key is not what a schema file can name (PARTITION BY ${key})` }
  const columns = columnKey ? elements.map(unquoteIdentifier) : []
  const kind = (parsed[1] ?? '').toLowerCase()
  const calls: SchemaCall[] = [
    {
      method: 'partitionBy',
      args: [columnKey ? { kind, columns } : { kind, expression: new SqlText(only ?? '') }],
    },
  ]
  for (const partition of partitions) {
    if (partition.relkind === 'p')
      return { reason: `its partition ${partition.name} is partitioned too (sub-partitioning)` }
    const bound = boundOptions(partition.partition_bound ?? '', Math.max(1, columns.length))
    if (bound === null)
      return {
        reason: `the bound of its partition ${partition.name} does not read back (${partition.partition_bound})`,
      }
    calls.push({ method: 'partition', args: [{ name: partition.name, ...bound }] })
  }
  return { calls, keyless: !columnKey }
}

/** `FOR VALUES …` or `DEFAULT` as t.partition's options, or null. */
function boundOptions(bound: string, keys: number): Record<string, OptionValue> | null {
  if (bound === 'DEFAULT') return { default: true }
  const hash = /^FOR VALUES WITH \(modulus (\d+), remainder (\d+)\)$/i.exec(bound)
  if (hash !== null) return { modulus: Number(hash[1]), remainder: Number(hash[2]) }
  const list = /^FOR VALUES IN \((.*)\)$/s.exec(bound)
  if (list !== null) {
    const values = listValues(list[1] ?? '', false)
    return values === null ? null : { in: values }
  }
  const range = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/s.exec(bound)
  if (range === null) return null
  const [from, to] = [listValues(range[1] ?? '', true), listValues(range[2] ?? '', true)]
  if (from === null || to === null || from.length !== keys || to.length !== keys) return null
  return keys === 1 ? { from: from[0] ?? '', to: to[0] ?? '' } : { from, to }
}

/**
 * The values of a deparsed bound list: quoted literals as their text, numbers as numbers
 * (while exact), booleans, NULL in a list, and MINVALUE / MAXVALUE in a range.
 */
function listValues(text: string, range: boolean): OptionValue[] | null {
  const elements = splitList(text)
  if (elements === null) return null
  const values: OptionValue[] = []
  for (const element of elements) {
    if (element.startsWith("'") && element.endsWith("'") && element.length >= 2)
      values.push(element.slice(1, -1).replaceAll("''", "'"))
    else if (NUMBER.test(element) && Number.isSafeInteger(Number(element)))
      values.push(Number(element))
    else if (NUMBER.test(element)) values.push(element)
    else if (element === 'true' || element === 'false') values.push(element === 'true')
    else if (!range && element === 'NULL') values.push(null)
    else if (range && (element === 'MINVALUE' || element === 'MAXVALUE')) values.push(element)
    else return null
  }
  return values
}

/** Splits `a, 'b, c', f(x, y)` at its top-level commas; null when quotes or parentheses do not close. */
function splitList(text: string): string[] | null {
  const parts: string[] = []
  let depth = 0
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    if (char === "'" || char === '"') {
      const close = text.indexOf(char, i + 1)
      if (close === -1) return null
      // A doubled quote is one quote inside the literal: keep scanning from after it.
      i = close
      while (text[i + 1] === char) {
        const next = text.indexOf(char, i + 2)
        if (next === -1) return null
        i = next
      }
    } else if (char === '(') depth++
    else if (char === ')') depth--
    else if (char === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim())
      start = i + 1
    }
    if (depth < 0) return null
  }
  if (depth !== 0) return null
  parts.push(text.slice(start).trim())
  return parts.every((part) => part !== '') ? parts : null
}

function unquoteIdentifier(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name
}
