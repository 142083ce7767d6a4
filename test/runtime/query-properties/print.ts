import { type Arg, type Call, calls } from './builder.ts'
import { FRAGS, type FragDef } from './fragments.ts'
import type { Frag, QueryAst } from './query-tree.ts'
import { TABLES } from './schema.ts'

// A query tree's builder calls as TypeScript, for failure messages.

function printValue(value: unknown): string {
  if (value === null) return 'null'
  if (typeof value === 'bigint') return `${value}n`
  if (value instanceof Date) return `new Date('${value.toISOString()}')`
  if (Array.isArray(value)) return `[${value.map(printValue).join(', ')}]`
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  return String(value)
}

function printArg(arg: Arg, indent: string): string {
  if ('v' in arg) return printValue(arg.v)
  if ('ref' in arg) return `${TABLES[arg.ref.table].model}.column('${arg.ref.column}')`
  if ('frag' in arg) return printFrag(arg.frag, indent)
  if ('query' in arg) return printQuery(arg.query, `${indent}  `)
  if ('fn' in arg) return `(q) => q${printCalls(arg.fn, `${indent}  `)}`
  if ('model' in arg) return TABLES[arg.model].model
  const entries = Object.entries(arg.obj).map(([k, a]) => `${k}: ${printArg(a, indent)}`)
  return `{ ${entries.join(', ')} }`
}

function printFrag(f: Frag, indent: string): string {
  const def: FragDef = FRAGS[f.frag]
  const args = f.args.map((a) =>
    a.kind === 'ref'
      ? `${TABLES[a.table].model}.column('${a.column}')`
      : a.kind === 'value'
        ? printValue(a.value)
        : printQuery(a.query, `${indent}  `),
  )
  return def.code(...args)
}

function printCalls(list: readonly Call[], indent: string): string {
  return list
    .map((c) => `\n${indent}.${c.method}(${c.args.map((a) => printArg(a, indent)).join(', ')})`)
    .join('')
}

export function printQuery(q: QueryAst, indent = '  '): string {
  return `${TABLES[q.table].model}.query()${printCalls(calls(q), indent)}`
}
