/// <reference lib="dom" />
import type { ColumnInfo, EdgeInfo, ProblemInfo, SchemaAnswer, TableInfo } from '../api-types.ts'
import { api } from './api.ts'
import { editorLink, fill, h, s } from './dom.ts'
import type { Studio, View } from './main.ts'

interface Camera {
  x: number
  y: number
  scale: number
}

/**
 * The Schema tab: every table as a box of its columns (type, nullability, keys) with its
 * foreign keys drawn as lines, laid out by the server (er-layout.ts); drag to pan, wheel or
 * the buttons to zoom, Fit to see it all. A table's problems mark it and its column in red;
 * clicking a table lists its columns, indexes and relations with links to their lines.
 */
export function schemaView(studio: Studio): View {
  let root: HTMLElement | null = null
  let schema: SchemaAnswer | null = null
  let selected: string | null = null
  let camera: Camera | null = null

  async function show(into: HTMLElement, route: string) {
    root = into
    selected = route || selected
    schema = await api<SchemaAnswer>('schema')
    draw()
  }

  function draw() {
    if (!root || !schema) return
    const answer = schema
    const svg = s('svg', { class: 'er', role: 'img', 'aria-label': 'ER diagram' })
    const world = s('g', { class: 'world' })
    svg.append(defs(), world)
    const byName = new Map(answer.tables.map((t) => [t.name, t]))
    const edgeGroup = s('g', { class: 'edges' })
    const edges = answer.edges.flatMap((edge) => {
      const path = edgePath(answer, byName, edge)
      return path === null ? [] : [{ edge, element: path }]
    })
    for (const { element } of edges) edgeGroup.append(element)
    world.append(edgeGroup)
    for (const table of answer.tables) {
      const box = tableBox(answer, table, table.name === selected)
      const hot = (on: boolean) => {
        for (const { edge, element } of edges) {
          if (edge.from === table.name || edge.to === table.name)
            element.classList.toggle('hot', on)
        }
      }
      box.addEventListener('mouseenter', () => hot(true))
      box.addEventListener('mouseleave', () => hot(false))
      box.addEventListener('click', (event) => {
        event.stopPropagation()
        selected = table.name
        history.replaceState(null, '', `#schema/${encodeURIComponent(table.name)}`)
        draw()
      })
      world.append(box)
    }
    const diagram = h('div', { class: 'diagram' }, svg)
    const zoomBy = (factor: number) => {
      const rect = svg.getBoundingClientRect()
      zoomAt(rect.width / 2, rect.height / 2, factor)
    }
    diagram.append(
      h(
        'div',
        { class: 'zoom' },
        h('button', { onclick: () => zoomBy(1.25), title: 'Zoom in' }, '+'),
        h('button', { onclick: () => zoomBy(0.8), title: 'Zoom out' }, '−'),
        h('button', { onclick: () => fit(), title: 'Fit the diagram' }, 'Fit'),
      ),
    )
    const search = h('input', {
      type: 'search',
      placeholder: 'Find a table…',
      'aria-label': 'Find a table',
      list: 'studio-tables',
    })
    search.addEventListener('change', () => {
      const table = answer.tables.find((t) => t.name === search.value.trim())
      if (!table) return
      selected = table.name
      draw()
      focus(table.name)
    })
    const left = h(
      'div',
      { class: 'pane', style: 'display:flex;flex-direction:column;padding:0' },
      h(
        'div',
        {
          class: 'toolbar',
          style: 'padding:8px 12px;margin:0;border-bottom:1px solid var(--line)',
        },
        search,
        h(
          'datalist',
          { id: 'studio-tables' },
          ...answer.tables.map((t) => h('option', { value: t.name })),
        ),
        h(
          'span',
          { class: 'muted' },
          `${answer.tables.length} tables, ${answer.edges.length} foreign keys`,
        ),
        answer.valid
          ? null
          : h(
              'span',
              { class: 'badge bad' },
              'the schema files have problems: the last valid schema is shown',
            ),
        h(
          'span',
          { class: 'muted', style: 'margin-left:auto' },
          'PK primary key · FK foreign key · U unique · ? nullable · ● redacted',
        ),
      ),
      ...answer.problems.map((p) => problemLine(p)),
      diagram,
    )
    fill(root, left, sidePanel(byName.get(selected ?? '') ?? null))

    const apply = () => {
      if (camera)
        world.setAttribute('transform', `translate(${camera.x} ${camera.y}) scale(${camera.scale})`)
    }
    const zoomAt = (px: number, py: number, factor: number) => {
      if (!camera) return
      const scale = Math.min(3, Math.max(0.08, camera.scale * factor))
      const k = scale / camera.scale
      camera = { scale, x: px - (px - camera.x) * k, y: py - (py - camera.y) * k }
      apply()
    }
    const fit = () => {
      const rect = svg.getBoundingClientRect()
      const { width, height } = answer.layout
      if (rect.width === 0 || width === 0) return
      const scale = Math.min(1.2, rect.width / width, rect.height / height)
      camera = { scale, x: (rect.width - width * scale) / 2, y: (rect.height - height * scale) / 2 }
      apply()
    }
    const focus = (name: string) => {
      const box = answer.layout.tables[name]
      const rect = svg.getBoundingClientRect()
      if (!box) return
      const scale = Math.max(camera?.scale ?? 1, 0.9)
      camera = {
        scale,
        x: rect.width / 2 - (box.x + box.width / 2) * scale,
        y: rect.height / 2 - (box.y + box.height / 2) * scale,
      }
      apply()
    }
    svg.addEventListener(
      'wheel',
      (event) => {
        event.preventDefault()
        const rect = svg.getBoundingClientRect()
        zoomAt(
          event.clientX - rect.left,
          event.clientY - rect.top,
          Math.exp(-event.deltaY * 0.0015),
        )
      },
      { passive: false },
    )
    let drag: { x: number; y: number } | null = null
    svg.addEventListener('pointerdown', (event) => {
      if ((event.target as Element).closest('g.table')) return
      drag = { x: event.clientX, y: event.clientY }
      svg.classList.add('panning')
      svg.setPointerCapture(event.pointerId)
    })
    svg.addEventListener('pointermove', (event) => {
      if (!drag || !camera) return
      camera = {
        ...camera,
        x: camera.x + event.clientX - drag.x,
        y: camera.y + event.clientY - drag.y,
      }
      drag = { x: event.clientX, y: event.clientY }
      apply()
    })
    svg.addEventListener('pointerup', () => {
      drag = null
      svg.classList.remove('panning')
    })
    if (camera) apply()
    else requestAnimationFrame(fit)
  }

  function sidePanel(table: TableInfo | null): HTMLElement {
    if (table === null) {
      return h(
        'aside',
        { class: 'side' },
        h('h3', {}, 'Tables'),
        h('p', { class: 'muted' }, 'Click a table for its columns, indexes and relations.'),
        ...(schema?.tables ?? []).map((t) =>
          h(
            'div',
            {},
            h('a', { href: `#schema/${encodeURIComponent(t.name)}` }, t.name),
            ' ',
            h('span', { class: 'muted' }, t.modelName),
            t.problems.length > 0
              ? h('span', { class: 'badge bad' }, `${t.problems.length} problem`)
              : null,
          ),
        ),
      )
    }
    return h(
      'aside',
      { class: 'side', 'data-table': table.name },
      h('h3', {}, table.name, ' ', h('span', { class: 'muted' }, table.modelName)),
      h('p', {}, editorLink(table.path, table.line, `${table.file}:${table.line}`)),
      h(
        'p',
        {},
        h('a', { href: `#data/${encodeURIComponent(table.name)}` }, 'Browse its rows'),
        table.softDelete ? h('span', { class: 'badge' }, 'soft delete') : null,
      ),
      ...table.problems.map((p) => problemLine(p)),
      h('h4', {}, 'Columns'),
      h(
        'table',
        { class: 'columns-list' },
        ...table.columns.map((c) =>
          h(
            'tr',
            {},
            h('td', {}, editorLink(table.path, c.line, c.name)),
            h('td', { class: 'mono' }, c.sqlType, c.nullable ? '' : ' NOT NULL'),
            h('td', {}, ...columnBadges(c)),
          ),
        ),
      ),
      table.indexes.length + table.uniques.length > 0 ? h('h4', {}, 'Indexes') : null,
      ...table.indexes.map((i) =>
        h(
          'div',
          { class: 'mono' },
          `${i.unique ? 'UNIQUE ' : ''}${i.name} (${i.columns.join(', ')})${i.method ? ` USING ${i.method}` : ''}${i.where ? ` WHERE ${i.where}` : ''}`,
        ),
      ),
      ...table.uniques.map((u) =>
        h('div', { class: 'mono' }, `UNIQUE ${u.name} (${u.columns.join(', ')})`),
      ),
      table.checks.length > 0 ? h('h4', {}, 'Checks') : null,
      ...table.checks.map((c) => h('div', { class: 'mono' }, `${c.name}: ${c.expression}`)),
      table.relations.length > 0 ? h('h4', {}, 'Relations') : null,
      ...table.relations.map((r) =>
        h(
          'div',
          {},
          editorLink(table.path, r.line, r.name),
          ` ${r.kind} `,
          h('a', { href: `#schema/${encodeURIComponent(r.table)}` }, r.table),
          r.through ? ` through ${r.through}` : '',
        ),
      ),
    )
  }

  return {
    show,
    async changed(kind) {
      if (kind !== 'schema' && kind !== 'migrations') return
      schema = await api<SchemaAnswer>('schema')
      draw()
      studio.notice(null)
    },
  }
}

function columnBadges(column: ColumnInfo): HTMLElement[] {
  const badges: HTMLElement[] = []
  if (column.primaryKey) badges.push(h('span', { class: 'badge warn' }, 'PK'))
  if (column.references) {
    badges.push(
      h('span', { class: 'badge' }, `FK → ${column.references.table}.${column.references.column}`),
    )
  }
  if (column.unique) badges.push(h('span', { class: 'badge' }, 'unique'))
  if (column.redacted) badges.push(h('span', { class: 'badge bad' }, 'redacted'))
  if (column.identity) badges.push(h('span', { class: 'badge' }, 'identity'))
  if (column.defaultSql)
    badges.push(h('span', { class: 'badge', title: column.defaultSql }, 'default'))
  return badges
}

function problemLine(problem: ProblemInfo): HTMLElement {
  const where = `${problem.file}${problem.line === null ? '' : `:${problem.line}`}${problem.column === null ? '' : `:${problem.column}`}`
  return h(
    'div',
    { class: 'problem', role: 'alert' },
    editorLink(problem.path, problem.line, where),
    ` ${problem.message} `,
    h('span', { class: 'muted' }, `Fix: ${problem.hint}`),
  )
}

function defs(): SVGDefsElement {
  return s(
    'defs',
    {},
    s(
      'marker',
      {
        id: 'one',
        viewBox: '0 0 10 10',
        refX: '9',
        refY: '5',
        markerWidth: '9',
        markerHeight: '9',
        orient: 'auto',
      },
      s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#7a8aa6' }),
    ),
  )
}

/** The y of a column's row inside its box. */
function rowY(answer: SchemaAnswer, table: TableInfo, column: string): number {
  const index = Math.max(
    0,
    table.columns.findIndex((c) => c.name === column),
  )
  const { headerHeight, rowHeight, padding } = answer.metrics
  return headerHeight + padding / 2 + index * rowHeight + rowHeight / 2
}

/** A foreign key: from its column's row to the referenced column's row, on the facing sides. */
function edgePath(
  answer: SchemaAnswer,
  byName: ReadonlyMap<string, TableInfo>,
  edge: EdgeInfo,
): SVGPathElement | null {
  const from = answer.layout.tables[edge.from]
  const to = answer.layout.tables[edge.to]
  const fromTable = byName.get(edge.from)
  const toTable = byName.get(edge.to)
  if (!from || !to || !fromTable || !toTable) return null
  const sy = from.y + rowY(answer, fromTable, edge.fromColumn)
  const ey = to.y + rowY(answer, toTable, edge.toColumn)
  let d: string
  if (edge.from === edge.to) {
    const x = from.x + from.width
    d = `M${x},${sy} C${x + 40},${sy} ${x + 40},${ey} ${x},${ey}`
  } else if (to.x + to.width < from.x) {
    const sx = from.x
    const ex = to.x + to.width
    const bend = Math.max(30, (sx - ex) / 2)
    d = `M${sx},${sy} C${sx - bend},${sy} ${ex + bend},${ey} ${ex},${ey}`
  } else if (to.x > from.x + from.width) {
    const sx = from.x + from.width
    const ex = to.x
    const bend = Math.max(30, (ex - sx) / 2)
    d = `M${sx},${sy} C${sx + bend},${sy} ${ex - bend},${ey} ${ex},${ey}`
  } else {
    const sx = from.x
    const ex = to.x
    const out = Math.min(sx, ex) - 36
    d = `M${sx},${sy} C${out},${sy} ${out},${ey} ${ex},${ey}`
  }
  return s(
    'path',
    { class: 'edge', d, 'marker-end': 'url(#one)', 'data-edge': `${edge.from}.${edge.fromColumn}` },
    s('title', {}, `${edge.from}.${edge.fromColumn} → ${edge.to}.${edge.toColumn} (${edge.name})`),
  )
}

function tableBox(answer: SchemaAnswer, table: TableInfo, selected: boolean): SVGGElement {
  const place = answer.layout.tables[table.name]!
  const { headerHeight, rowHeight, padding } = answer.metrics
  const bad = new Set(table.problems.map((p) => p.columnName).filter((c) => c !== null))
  const classes = ['table', table.problems.length > 0 ? 'bad' : '', selected ? 'selected' : '']
  const group = s('g', {
    class: classes.filter(Boolean).join(' '),
    transform: `translate(${place.x} ${place.y})`,
    'data-table': table.name,
  })
  group.append(
    s('rect', { class: 'box', width: place.width, height: place.height, rx: 6 }),
    s('path', {
      class: 'head',
      d: `M0,6 a6,6 0 0 1 6,-6 h${place.width - 12} a6,6 0 0 1 6,6 v${headerHeight - 6} h${-place.width} z`,
    }),
    s('text', { class: 'title', x: padding, y: 18 }, table.name),
  )
  if (table.problems.length > 0) {
    group.append(
      s(
        'text',
        { x: place.width - padding, y: 18, 'text-anchor': 'end', fill: '#c4320a', class: 'title' },
        '⚠',
        s('title', {}, table.problems.map((p) => p.message).join('\n')),
      ),
    )
  }
  table.columns.forEach((column, i) => {
    const y = headerHeight + padding / 2 + i * rowHeight
    if (bad.has(column.name)) {
      group.append(
        s('rect', { class: 'badrow', x: 1, y, width: place.width - 2, height: rowHeight }),
      )
    }
    const key = column.primaryKey ? 'PK' : column.references ? 'FK' : column.unique ? 'U' : ''
    const row = s('g', { class: 'column', 'data-column': column.name })
    row.append(
      s('text', { class: column.primaryKey ? 'key' : 'fk', x: padding, y: y + 13 }, key),
      s('text', { x: padding + 22, y: y + 13 }, column.name, column.redacted ? ' ●' : ''),
      s(
        'text',
        { class: 'type', x: place.width - padding, y: y + 13, 'text-anchor': 'end' },
        `${column.sqlType.toLowerCase()}${column.nullable ? '?' : ''}`,
      ),
      s('title', {}, columnTitle(column)),
    )
    group.append(row)
  })
  return group
}

function columnTitle(column: ColumnInfo): string {
  return [
    `${column.name} ${column.sqlType}${column.nullable ? '' : ' NOT NULL'}`,
    column.primaryKey ? 'primary key' : null,
    column.references ? `references ${column.references.table}.${column.references.column}` : null,
    column.defaultSql ? `default ${column.defaultSql}` : null,
    column.redacted ? 'redacted: its values are never shown' : null,
  ]
    .filter(Boolean)
    .join('\n')
}
