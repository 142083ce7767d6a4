import { describe, expect, it } from 'vitest'
import {
  type DiagramLayout,
  type LayoutEdge,
  type LayoutTable,
  layoutDiagram,
  tableSize,
} from '../../packages/unplugin/src/studio/er-layout.ts'

/** 50 tables as an app grows them: a tree of references, a star on users, a cycle, loners. */
function fiftyTables(): { tables: LayoutTable[]; edges: LayoutEdge[] } {
  const tables: LayoutTable[] = []
  const edges: LayoutEdge[] = []
  const add = (name: string, columns: number) =>
    tables.push({ name, ...tableSize(columns, 12 + (name.length % 9)) })
  add('users', 8)
  for (let i = 1; i <= 30; i++) {
    add(`t${String(i).padStart(2, '0')}`, 4 + (i % 9))
    edges.push({ from: `t${String(i).padStart(2, '0')}`, to: 'users' })
    if (i > 2)
      edges.push({
        from: `t${String(i).padStart(2, '0')}`,
        to: `t${String(Math.floor(i / 2)).padStart(2, '0')}`,
      })
  }
  add('a', 5)
  add('b', 5)
  edges.push({ from: 'a', to: 'b' }, { from: 'b', to: 'a' }, { from: 'a', to: 'a' })
  for (let i = 1; i <= 17; i++) add(`lone${i}`, 3 + (i % 4))
  return { tables, edges }
}

function overlaps(layout: DiagramLayout): string[] {
  const boxes = Object.entries(layout.tables)
  const found: string[] = []
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [an, a] = boxes[i]!
      const [bn, b] = boxes[j]!
      const apart =
        a.x + a.width <= b.x ||
        b.x + b.width <= a.x ||
        a.y + a.height <= b.y ||
        b.y + b.height <= a.y
      if (!apart) found.push(`${an}/${bn}`)
    }
  }
  return found
}

describe('the ER layout', () => {
  it('places 50 tables without overlaps, inside the diagram, referenced tables to the left', () => {
    const { tables, edges } = fiftyTables()
    const layout = layoutDiagram(tables, edges)
    expect(Object.keys(layout.tables).sort()).toEqual(tables.map((t) => t.name).sort())
    expect(overlaps(layout)).toEqual([])
    for (const box of Object.values(layout.tables)) {
      expect(box.x).toBeGreaterThanOrEqual(0)
      expect(box.y).toBeGreaterThanOrEqual(0)
      expect(box.x + box.width).toBeLessThanOrEqual(layout.width)
      expect(box.y + box.height).toBeLessThanOrEqual(layout.height)
    }
    // Every reference of the tree and the star runs right to left: a table stands right of
    // the tables it references (the cycle a ⇄ b has one edge each way, by necessity).
    for (const edge of edges.filter((e) => !['a', 'b'].includes(e.from))) {
      const from = layout.tables[edge.from]!
      const to = layout.tables[edge.to]!
      expect(to.x + to.width, `${edge.from} → ${edge.to}`).toBeLessThan(from.x)
    }
  })

  it('stays readable at 50 tables: no strip of one column, no endless row', () => {
    const layout = layoutDiagram(fiftyTables().tables, fiftyTables().edges)
    const ratio = layout.width / layout.height
    expect(ratio).toBeGreaterThan(0.5)
    expect(ratio).toBeLessThan(4)
    // At "fit" in a 1400 × 800 view the boxes stay big enough to read their names.
    const scale = Math.min(1400 / layout.width, 800 / layout.height)
    expect(scale).toBeGreaterThan(0.3)
  })

  it('is deterministic and puts unrelated tables under the related ones', () => {
    const { tables, edges } = fiftyTables()
    const first = layoutDiagram(tables, edges)
    expect(layoutDiagram([...tables].reverse(), [...edges].reverse())).toEqual(first)
    const lowestRelated = Math.max(
      ...['users', 't01', 't30', 'a', 'b'].map((n) => first.tables[n]!.y + first.tables[n]!.height),
    )
    expect(first.tables.lone1!.y).toBeGreaterThan(lowestRelated)
  })

  it('lays out nothing, one table, and edges to unknown tables', () => {
    expect(layoutDiagram([], [])).toEqual({ tables: {}, width: 48, height: 48 })
    const one = layoutDiagram(
      [{ name: 'users', width: 200, height: 100 }],
      [{ from: 'users', to: 'ghost' }],
    )
    expect(one.tables.users).toEqual({ x: 24, y: 24, width: 200, height: 100 })
  })

  it('sizes a box by its rows and its longest text', () => {
    expect(tableSize(3, 10)).toEqual({ width: 160, height: 28 + 3 * 18 + 8 })
    expect(tableSize(1, 200).width).toBe(360)
  })
})
