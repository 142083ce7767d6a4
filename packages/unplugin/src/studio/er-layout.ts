/**
 * Where each table of the ER diagram goes: a pure function of the tables' sizes and their
 * foreign keys, so the same schema always draws the same picture (and a test can check it).
 *
 * Layered, left to right: a table stands right of every table it references (users, then
 * posts, then comments), so most relation lines run one way. Within a layer the tables are
 * ordered by the average place of their neighbours (a few sweeps each way), which keeps
 * related tables level and lines short. A layer taller than the diagram's target height wraps
 * into several columns, so 40 tables that all reference `users` make a block, not a strip.
 * Tables with no relation go in rows under the rest.
 */

/** The text metrics the client draws with (monospace 12px): the layout sizes boxes by them. */
export const DIAGRAM_METRICS = {
  headerHeight: 28,
  rowHeight: 18,
  padding: 8,
  charWidth: 7.3,
  minWidth: 160,
  maxWidth: 360,
} as const

export interface LayoutTable {
  readonly name: string
  readonly width: number
  readonly height: number
}

/** A foreign key: `from` holds it, `to` is the table it references. */
export interface LayoutEdge {
  readonly from: string
  readonly to: string
}

export interface PlacedTable {
  readonly x: number
  readonly y: number
  readonly width: number
  readonly height: number
}

export interface DiagramLayout {
  readonly tables: Readonly<Record<string, PlacedTable>>
  readonly width: number
  readonly height: number
}

export interface LayoutOptions {
  /** Space between layers, where the lines run. @default 90 */
  readonly layerGap?: number
  /** Space between the columns of one wrapped layer. @default 36 */
  readonly columnGap?: number
  /** Space between tables one above the other. @default 28 */
  readonly rowGap?: number
  /** Margin around the whole diagram. @default 24 */
  readonly margin?: number
}

/** A table's box for `lines` rows (its columns) whose longest text is `longest` characters. */
export function tableSize(lines: number, longest: number): { width: number; height: number } {
  const m = DIAGRAM_METRICS
  const width = Math.min(m.maxWidth, Math.max(m.minWidth, longest * m.charWidth + 3 * m.padding))
  return { width: Math.ceil(width), height: m.headerHeight + lines * m.rowHeight + m.padding }
}

export function layoutDiagram(
  tables: readonly LayoutTable[],
  edges: readonly LayoutEdge[],
  options: LayoutOptions = {},
): DiagramLayout {
  const layerGap = options.layerGap ?? 90
  const columnGap = options.columnGap ?? 36
  const rowGap = options.rowGap ?? 28
  const margin = options.margin ?? 24
  const byName = new Map(tables.map((table) => [table.name, table]))
  // Self references and references to unknown tables place nothing.
  const links = dedupe(
    edges.filter((e) => e.from !== e.to && byName.has(e.from) && byName.has(e.to)),
  )
  const linked = new Set(links.flatMap((e) => [e.from, e.to]))
  const connected = tables.filter((table) => linked.has(table.name))
  const alone = tables.filter((table) => !linked.has(table.name))

  const layers = orderLayers(connected, acyclic(connected, links), links)
  const placed: Record<string, PlacedTable> = {}
  const area = tables.reduce((sum, t) => sum + (t.width + columnGap) * (t.height + rowGap), 0)
  const tallest = Math.max(0, ...tables.map((t) => t.height))
  // Somewhat wider than tall, as screens are.
  const targetHeight = Math.max(tallest, Math.sqrt(area * 1.1), 480)

  let x = margin
  let bottom = margin
  for (const layer of layers) {
    for (const column of wrap(layer, targetHeight, rowGap)) {
      let y = margin
      const width = Math.max(...column.map((t) => t.width))
      for (const table of column) {
        placed[table.name] = { x, y, width: table.width, height: table.height }
        y += table.height + rowGap
      }
      bottom = Math.max(bottom, y - rowGap)
      x += width + columnGap
    }
    x += layerGap - columnGap
  }
  let right = layers.length > 0 ? x - layerGap : margin

  // The unrelated tables: rows under the diagram, as wide as it (or as the target height).
  if (alone.length > 0) {
    const rowWidth = Math.max(right - margin, targetHeight * 1.5)
    let y = connected.length > 0 ? bottom + layerGap : margin
    let rowX = margin
    let rowHeight = 0
    for (const table of [...alone].sort(byTableName)) {
      if (rowX > margin && rowX + table.width > margin + rowWidth) {
        y += rowHeight + rowGap
        rowX = margin
        rowHeight = 0
      }
      placed[table.name] = { x: rowX, y, width: table.width, height: table.height }
      rowX += table.width + columnGap
      rowHeight = Math.max(rowHeight, table.height)
      right = Math.max(right, rowX - columnGap)
    }
    bottom = y + rowHeight
  }
  return { tables: placed, width: Math.ceil(right + margin), height: Math.ceil(bottom + margin) }
}

function byTableName(a: LayoutTable, b: LayoutTable): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

function dedupe(edges: readonly LayoutEdge[]): LayoutEdge[] {
  const seen = new Set<string>()
  return edges.filter((e) => {
    const key = `${e.from}\u0000${e.to}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/**
 * The edges minus those that close a cycle (two tables referencing each other, a ring): a
 * depth-first walk in name order drops each edge back to a table still being walked.
 */
function acyclic(tables: readonly LayoutTable[], edges: readonly LayoutEdge[]): LayoutEdge[] {
  const parents = new Map<string, string[]>()
  for (const e of edges) parents.set(e.from, [...(parents.get(e.from) ?? []), e.to])
  const state = new Map<string, 'walking' | 'done'>()
  const kept: LayoutEdge[] = []
  const walk = (name: string) => {
    state.set(name, 'walking')
    for (const parent of [...(parents.get(name) ?? [])].sort()) {
      const seen = state.get(parent)
      if (seen === 'walking') continue
      kept.push({ from: name, to: parent })
      if (seen === undefined) walk(parent)
    }
    state.set(name, 'done')
  }
  for (const table of [...tables].sort(byTableName)) {
    if (!state.has(table.name)) walk(table.name)
  }
  return kept
}

/**
 * Layers by longest path from the tables that reference nothing, then ordered within by the
 * barycenter of their neighbours in the layer before (sweeping right) and after (sweeping left).
 */
function orderLayers(
  tables: readonly LayoutTable[],
  dag: readonly LayoutEdge[],
  all: readonly LayoutEdge[],
): LayoutTable[][] {
  const parentsOf = new Map<string, string[]>()
  for (const e of dag) parentsOf.set(e.from, [...(parentsOf.get(e.from) ?? []), e.to])
  const rank = new Map<string, number>()
  const rankOf = (name: string, path: Set<string>): number => {
    const known = rank.get(name)
    if (known !== undefined) return known
    path.add(name)
    let r = 0
    for (const parent of parentsOf.get(name) ?? []) {
      if (!path.has(parent)) r = Math.max(r, rankOf(parent, path) + 1)
    }
    path.delete(name)
    rank.set(name, r)
    return r
  }
  for (const table of tables) rankOf(table.name, new Set())
  const layers: LayoutTable[][] = []
  for (const table of [...tables].sort(byTableName)) {
    const r = rank.get(table.name) ?? 0
    const layer = layers[r] ?? []
    layer.push(table)
    layers[r] = layer
  }
  const dense = layers.filter((layer) => layer !== undefined)

  const neighbours = new Map<string, string[]>()
  for (const e of all) {
    neighbours.set(e.from, [...(neighbours.get(e.from) ?? []), e.to])
    neighbours.set(e.to, [...(neighbours.get(e.to) ?? []), e.from])
  }
  const position = new Map<string, number>()
  const remember = () => {
    for (const layer of dense) {
      for (const [i, table] of layer.entries()) position.set(table.name, i)
    }
  }
  remember()
  const sweep = (layer: LayoutTable[], from: ReadonlySet<string>) => {
    const center = (table: LayoutTable, fallback: number) => {
      const places = (neighbours.get(table.name) ?? [])
        .filter((n) => from.has(n))
        .map((n) => position.get(n)!)
      return places.length === 0 ? fallback : places.reduce((a, b) => a + b, 0) / places.length
    }
    const keyed = layer.map((table, i) => ({ table, key: center(table, i), i }))
    keyed.sort((a, b) => a.key - b.key || a.i - b.i)
    keyed.forEach(({ table }, i) => {
      layer[i] = table
      position.set(table.name, i)
    })
  }
  const namesOf = (layer: readonly LayoutTable[] | undefined) =>
    new Set((layer ?? []).map((table) => table.name))
  for (let round = 0; round < 4; round++) {
    for (let i = 1; i < dense.length; i++) sweep(dense[i]!, namesOf(dense[i - 1]))
    for (let i = dense.length - 2; i >= 0; i--) sweep(dense[i]!, namesOf(dense[i + 1]))
  }
  return dense
}

/** A layer cut into columns no taller than `height` (a table taller than that stands alone). */
function wrap(layer: readonly LayoutTable[], height: number, gap: number): LayoutTable[][] {
  const columns: LayoutTable[][] = []
  let column: LayoutTable[] = []
  let used = 0
  for (const table of layer) {
    if (column.length > 0 && used + table.height > height) {
      columns.push(column)
      column = []
      used = 0
    }
    column.push(table)
    used += table.height + gap
  }
  if (column.length > 0) columns.push(column)
  // Balance the columns of a wrapped layer: the same number of tables in each.
  if (columns.length > 1) {
    const per = Math.ceil(layer.length / columns.length)
    const balanced: LayoutTable[][] = []
    for (let i = 0; i < layer.length; i += per) balanced.push(layer.slice(i, i + per))
    const fits = balanced.every(
      (c) => c.length === 1 || c.reduce((s, t) => s + t.height + gap, -gap) <= height,
    )
    if (fits) return balanced
  }
  return columns
}
