import type { Case, QueryAst } from './query-tree.ts'
import { shapes } from './shapes.ts'
import type { Row } from './value.ts'

// QUERY_PROPERTIES_STATS=1 prints how often each shape occurs, and how many rows the fetches
// gave: a property test of empty results proves little.

interface RowCount {
  readonly rows: number
  readonly includeRows: number
}

/** Row counts per fetch, or null when QUERY_PROPERTIES_STATS is not set. */
const STATS: RowCount[] | null = process.env.QUERY_PROPERTIES_STATS ? [] : null

function rowStats(rows: unknown, q: QueryAst): RowCount {
  let includeRows = 0
  const walk = (value: unknown, query: QueryAst) => {
    const list = Array.isArray(value) ? value : value ? [value] : []
    for (const row of list as Row[]) {
      for (const inc of query.includes) {
        const nested = row[inc.relation]
        const n = Array.isArray(nested) ? nested.length : nested ? 1 : 0
        includeRows += n
        walk(nested, inc.query)
      }
    }
  }
  walk(rows, q)
  return { rows: (rows as unknown[]).length, includeRows }
}

/** Counts the rows of one fetch (its expected rows). */
export function recordRows(rows: unknown, q: QueryAst): void {
  STATS?.push(rowStats(rows, q))
}

/** Prints the row counts recorded since the last call. */
export function printRowStats(): void {
  if (!STATS) return
  const empty = STATS.filter((s) => s.rows === 0).length
  const total = STATS.reduce((sum, s) => sum + s.rows, 0)
  const included = STATS.reduce((sum, s) => sum + s.includeRows, 0)
  const withIncludes = STATS.filter((s) => s.includeRows > 0).length
  console.log(
    `${STATS.length} fetches: ${empty} empty, ${total} rows; ${withIncludes} with included rows, ${included} in all`,
  )
  STATS.length = 0
}

/** Prints how many of the cases have each shape. */
export function printShapeCounts(cases: readonly Case[]): void {
  if (!STATS) return
  const counts = new Map<string, number>()
  for (const c of cases) for (const tag of shapes(c)) counts.set(tag, (counts.get(tag) ?? 0) + 1)
  console.log(
    [...counts.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([tag, n]) => `${tag}: ${n}`)
      .join('\n'),
  )
}
