import { namesWord } from '../sql/view-sql.ts'
import type { ResolvedTable } from './compile-relations.ts'
import type { BelongsToIR, TableIR } from './schema-ir.ts'
import type { SchemaProblem } from './schema-problem.ts'

interface Edge {
  readonly from: TableIR
  readonly to: string
  readonly relation: BelongsToIR
  readonly notNull: boolean
}

/**
 * Orders tables so that FK targets come first, ties broken by file prefix order then name;
 * views come after every table, in file prefix order, a view after the views it reads.
 * Cycles through a nullable FK are broken at the earliest table (its FK to the later table
 * is added after both exist); a cycle in which every FK column is NOT NULL is reported,
 * because no row of any of its tables could be inserted first.
 */
export function orderTables(
  resolved: readonly ResolvedTable[],
  problems: SchemaProblem[],
): TableIR[] {
  const names = new Set(resolved.map((entry) => entry.table.name))
  const edges = resolved.flatMap(({ table }) =>
    table.relations.flatMap((relation): Edge[] =>
      relation.kind === 'belongsTo' &&
      // Without a constraint, either table's rows can be inserted first.
      relation.constraint !== false &&
      relation.referencesTable !== table.name &&
      names.has(relation.referencesTable)
        ? [
            {
              from: table,
              to: relation.referencesTable,
              relation,
              notNull: !isNullable(table, relation.column),
            },
          ]
        : [],
    ),
  )
  reportRequiredCycles(
    resolved,
    edges.filter((edge) => edge.notNull),
    problems,
  )

  // Views after every table: a view's body may read any of them (and earlier views).
  const pending = [...resolved].sort(
    (a, b) =>
      Number(a.table.view !== undefined) - Number(b.table.view !== undefined) ||
      a.order - b.order ||
      compare(a.table.name, b.table.name),
  )
  const outgoing = edgesFrom(edges)
  const placed = new Set<string>()
  const ordered: TableIR[] = []
  while (pending.length > 0) {
    const readyIndex = pending.findIndex(({ table }) =>
      (outgoing.get(table.name) ?? []).every((edge) => placed.has(edge.to)),
    )
    const [next] = pending.splice(readyIndex === -1 ? 0 : readyIndex, 1)
    if (next === undefined) break
    placed.add(next.table.name)
    ordered.push(next.table)
  }
  return [...ordered.filter((t) => t.view === undefined), ...viewOrder(ordered)]
}

/**
 * The views in prefix order, each after the views its body names (a cycle, which PostgreSQL
 * could not create either, is left in prefix order).
 */
function viewOrder(tables: readonly TableIR[]): TableIR[] {
  const pending = tables.filter((t) => t.view !== undefined)
  const placed: TableIR[] = []
  const reads = (view: TableIR, other: TableIR) =>
    other !== view && namesWord(view.view?.sql ?? '', other.name)
  while (pending.length > 0) {
    const ready = pending.findIndex((view) => !pending.some((other) => reads(view, other)))
    placed.push(...pending.splice(ready === -1 ? 0 : ready, 1))
  }
  return placed
}

/** Each table's edges by its name: walking the graph then costs its edges, not all of them per step. */
function edgesFrom(edges: readonly Edge[]): Map<string, Edge[]> {
  const outgoing = new Map<string, Edge[]>()
  for (const edge of edges) {
    const list = outgoing.get(edge.from.name)
    if (list === undefined) outgoing.set(edge.from.name, [edge])
    else list.push(edge)
  }
  return outgoing
}

function isNullable(table: TableIR, column: string): boolean {
  return table.columns.find((candidate) => candidate.name === column)?.nullable ?? true
}

/** Strongly connected components (Tarjan) of the NOT NULL FK graph with more than one table. */
function reportRequiredCycles(
  resolved: readonly ResolvedTable[],
  edges: readonly Edge[],
  problems: SchemaProblem[],
): void {
  const outgoing = edgesFrom(edges)
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  let counter = 0
  const visit = (name: string): void => {
    index.set(name, counter)
    low.set(name, counter)
    counter++
    stack.push(name)
    onStack.add(name)
    for (const edge of outgoing.get(name) ?? []) {
      if (!index.has(edge.to)) {
        visit(edge.to)
        low.set(name, Math.min(low.get(name) ?? 0, low.get(edge.to) ?? 0))
      } else if (onStack.has(edge.to)) {
        low.set(name, Math.min(low.get(name) ?? 0, index.get(edge.to) ?? 0))
      }
    }
    if (low.get(name) !== index.get(name)) return
    const component: string[] = []
    let member: string | undefined
    do {
      member = stack.pop()
      if (member === undefined) break
      onStack.delete(member)
      component.push(member)
    } while (member !== name)
    if (component.length > 1) reportCycle(resolved, edges, component.reverse(), problems)
  }
  for (const { table } of resolved) if (!index.has(table.name)) visit(table.name)
}

function reportCycle(
  resolved: readonly ResolvedTable[],
  edges: readonly Edge[],
  tables: readonly string[],
  problems: SchemaProblem[],
): void {
  const inCycle = edges.filter(
    (edge) => tables.includes(edge.from.name) && tables.includes(edge.to),
  )
  const first = resolved.find(({ table }) => table.name === tables[0])?.table
  const example = inCycle[0]
  problems.push({
    file: first?.sources[0] ?? '',
    table: tables.join(', '),
    message: `Tables ${tables.join(', ')} reference each other through NOT NULL foreign keys (${inCycle
      .map((edge) => `${edge.from.name}.${edge.relation.column} → ${edge.to}`)
      .join(', ')}): no row of any of them could be inserted first.`,
    hint: `Make one of these columns nullable${example === undefined ? '' : `, e.g. ${example.from.name}.${example.relation.column} with nullable: true`}.`,
  })
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
