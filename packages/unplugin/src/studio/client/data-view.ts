/// <reference lib="dom" />
import type {
  Cell,
  ColumnInfo,
  Filter,
  FilterOp,
  RowsAnswer,
  SchemaAnswer,
  TableInfo,
} from '../api-types.ts'
import { api } from './api.ts'
import { fill, h } from './dom.ts'
import type { Studio, View } from './main.ts'

const OPS: readonly FilterOp[] = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'contains',
  'startsWith',
  'null',
  'not null',
]

interface State {
  table: string | null
  page: number
  perPage: number
  sort: string | null
  direction: 'asc' | 'desc'
  filters: Filter[]
  deleted: 'exclude' | 'include' | 'only'
  /** The filter being written: kept when the view redraws. */
  draft: { column: string; op: FilterOp; value: string }
}

/**
 * The Data tab: a table's rows read through the app's models (soft-deleted rows and redacted
 * columns left out, values decoded as the app gets them), a page at a time, sorted by a
 * column header and filtered by column. With "Allow writes" on, rows can be inserted, edited
 * and deleted; each change is one transaction on the server, its inputs typed by column.
 */
export function dataView(studio: Studio): View {
  let root: HTMLElement | null = null
  let schema: SchemaAnswer | null = null
  let counts: Record<string, number> = {}
  let writes = studio.session.writes
  const state: State = {
    table: null,
    page: 1,
    perPage: 25,
    sort: null,
    direction: 'asc',
    filters: [],
    deleted: 'exclude',
    draft: { column: '', op: '=', value: '' },
  }
  let editing: { row: Record<string, Cell> | null } | null = null

  async function show(into: HTMLElement, route: string) {
    root = into
    if (route && route !== state.table) {
      Object.assign(state, {
        table: route,
        page: 1,
        sort: null,
        filters: [],
        deleted: 'exclude',
        draft: { column: '', op: '=', value: '' },
      })
      editing = null
    }
    await reload()
  }

  async function reload() {
    schema = await api<SchemaAnswer>('schema')
    counts = (await api<{ counts: Record<string, number> }>('counts')).counts
    state.table ??= schema.tables[0]?.name ?? null
    await draw()
  }

  async function draw() {
    if (!root || !schema) return
    const table = schema.tables.find((t) => t.name === state.table) ?? null
    const list = h(
      'aside',
      { class: 'side', style: 'width:220px;border-left:0;border-right:1px solid var(--line)' },
      h('h3', {}, 'Tables'),
      ...schema.tables.map((t) =>
        h(
          'div',
          {},
          h(
            'a',
            {
              href: `#data/${encodeURIComponent(t.name)}`,
              'data-table-link': t.name,
              style: t.name === state.table ? 'font-weight:700' : '',
            },
            t.name,
          ),
          ' ',
          h(
            'span',
            { class: 'muted', 'data-count': t.name },
            counts[t.name] === undefined ? '' : `${counts[t.name]} rows`,
          ),
        ),
      ),
    )
    if (table === null) {
      fill(root, list, h('div', { class: 'pane muted' }, 'No table.'))
      return
    }
    let rows: RowsAnswer
    try {
      rows = await api<RowsAnswer>('rows', undefined, {
        table: table.name,
        page: state.page,
        perPage: state.perPage,
        sort: state.sort ?? '',
        direction: state.direction,
        filters: JSON.stringify(state.filters),
        deleted: state.deleted,
      })
    } catch (error) {
      fill(
        root,
        list,
        h(
          'div',
          { class: 'pane' },
          toolbar(table),
          h('p', { class: 'problem' }, (error as Error).message),
        ),
      )
      return
    }
    const pane = h(
      'div',
      { class: 'pane' },
      toolbar(table),
      filterChips(),
      grid(table, rows),
      pager(rows),
    )
    fill(root, list, pane, editing ? editor(table, editing.row) : null)
  }

  function toolbar(table: TableInfo): HTMLElement {
    const shown = table.columns.filter((c) => !c.redacted)
    const column = h(
      'select',
      { 'aria-label': 'Filter column', name: 'filter-column' },
      ...shown.map((c) => h('option', { value: c.name }, c.name)),
    )
    const op = h(
      'select',
      { 'aria-label': 'Filter operator', name: 'filter-op' },
      ...OPS.map((o) => h('option', { value: o }, o)),
    )
    const value = h('input', {
      'aria-label': 'Filter value',
      name: 'filter-value',
      placeholder: 'value',
    })
    if (shown.some((c) => c.name === state.draft.column)) column.value = state.draft.column
    op.value = state.draft.op
    value.value = state.draft.value
    const remember = () => {
      state.draft = { column: column.value, op: op.value as FilterOp, value: value.value }
    }
    for (const control of [column, op, value]) control.addEventListener('input', remember)
    const add = () => {
      remember()
      const filter: Filter = ['null', 'not null'].includes(op.value)
        ? { column: column.value, op: op.value as FilterOp }
        : { column: column.value, op: op.value as FilterOp, value: value.value }
      state.filters = [...state.filters, filter]
      state.page = 1
      void draw()
    }
    value.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') add()
    })
    const toggle = h('input', {
      type: 'checkbox',
      name: 'writes',
      ...(writes ? { checked: true } : {}),
    })
    toggle.addEventListener('change', async () => {
      try {
        writes = (await api<{ writes: boolean }>('writes', { enabled: toggle.checked })).writes
      } catch (error) {
        studio.notice((error as Error).message)
      }
      void draw()
    })
    const deleted = table.softDelete
      ? h(
          'select',
          { 'aria-label': 'Soft-deleted rows', name: 'deleted' },
          ...(['exclude', 'include', 'only'] as const).map((d) =>
            h(
              'option',
              { value: d, ...(state.deleted === d ? { selected: true } : {}) },
              d === 'exclude'
                ? 'without soft-deleted'
                : d === 'include'
                  ? 'with soft-deleted'
                  : 'only soft-deleted',
            ),
          ),
        )
      : null
    deleted?.addEventListener('change', () => {
      state.deleted = deleted.value as State['deleted']
      state.page = 1
      void draw()
    })
    return h(
      'div',
      { class: 'toolbar' },
      h('strong', {}, table.name),
      column,
      op,
      value,
      h('button', { onclick: add, name: 'add-filter' }, 'Filter'),
      deleted,
      h('label', { class: `switch${writes ? ' on' : ''}` }, toggle, 'Allow writes'),
      h(
        'button',
        {
          class: 'primary',
          name: 'insert',
          disabled: !writes,
          onclick: () => {
            editing = { row: null }
            void draw()
          },
        },
        'Insert row',
      ),
    )
  }

  function filterChips(): HTMLElement | null {
    if (state.filters.length === 0) return null
    return h(
      'div',
      { class: 'toolbar' },
      ...state.filters.map((f, i) =>
        h(
          'span',
          { class: 'badge', 'data-filter': f.column },
          `${f.column} ${f.op}${f.value === undefined ? '' : ` ${JSON.stringify(f.value)}`} `,
          h(
            'button',
            {
              style: 'border:0;background:none;padding:0',
              title: 'Remove',
              onclick: () => {
                state.filters = state.filters.filter((_, j) => j !== i)
                state.page = 1
                void draw()
              },
            },
            '×',
          ),
        ),
      ),
    )
  }

  function grid(table: TableInfo, rows: RowsAnswer): HTMLElement {
    const head = h(
      'tr',
      {},
      ...rows.columns.map((name) => {
        const arrow = state.sort === name ? (state.direction === 'asc' ? ' ▲' : ' ▼') : ''
        return h(
          'th',
          {},
          h(
            'button',
            {
              class: 'sort',
              'data-sort': name,
              onclick: () => {
                state.direction = state.sort === name && state.direction === 'asc' ? 'desc' : 'asc'
                state.sort = name
                void draw()
              },
            },
            name,
            arrow,
          ),
        )
      }),
      writes ? h('th', {}, '') : null,
    )
    const body = rows.rows.map((row) =>
      h(
        'tr',
        { 'data-key': JSON.stringify(keyOf(rows, row)) },
        ...rows.columns.map((name) => {
          const value = row[name]
          return value === null || value === undefined
            ? h('td', { class: 'null' }, 'NULL')
            : h('td', { title: shown(value) }, shown(value))
        }),
        writes
          ? h(
              'td',
              {},
              h(
                'button',
                {
                  name: 'edit',
                  onclick: () => {
                    editing = { row }
                    void draw()
                  },
                },
                'Edit',
              ),
              ' ',
              h(
                'button',
                { class: 'danger', name: 'delete', onclick: () => void remove(table, rows, row) },
                'Delete',
              ),
            )
          : null,
      ),
    )
    return h(
      'div',
      {},
      h(
        'table',
        { class: 'grid', 'data-rows': rows.rows.length },
        h('thead', {}, head),
        h('tbody', {}, ...body),
      ),
      rows.hidden.length > 0
        ? h('p', { class: 'muted' }, `Not shown (redacted): ${rows.hidden.join(', ')}.`)
        : null,
    )
  }

  function pager(rows: RowsAnswer): HTMLElement {
    const go = (page: number) => {
      state.page = page
      void draw()
    }
    return h(
      'div',
      { class: 'toolbar', style: 'margin-top:8px' },
      h(
        'button',
        { name: 'prev', disabled: rows.page <= 1, onclick: () => go(rows.page - 1) },
        '‹ Prev',
      ),
      h('span', { class: 'pages' }, `page ${rows.page} of ${Math.max(1, rows.pages)}`),
      h(
        'button',
        { name: 'next', disabled: rows.page >= rows.pages, onclick: () => go(rows.page + 1) },
        'Next ›',
      ),
      h(
        'span',
        { class: 'muted total', 'data-total': rows.total },
        `${rows.total} matching · ${rows.count} rows in ${rows.table}`,
      ),
    )
  }

  async function remove(table: TableInfo, rows: RowsAnswer, row: Record<string, Cell>) {
    const soft = table.softDelete ? ' (a soft delete: deleted_at is set)' : ''
    if (!confirm(`Delete this row of ${table.name}${soft}?`)) return
    try {
      await api('rows/delete', { table: table.name, key: keyOf(rows, row) })
      studio.notice('Row deleted.', true)
    } catch (error) {
      studio.notice((error as Error).message)
    }
    await reload()
  }

  /** The insert (row null) or edit form: one input per column, typed by the column. */
  function editor(table: TableInfo, row: Record<string, Cell> | null): HTMLElement {
    const fields: { column: ColumnInfo; read: () => unknown }[] = []
    const grid = h('div', { class: 'form-grid' })
    for (const column of table.columns) {
      const insert = row === null
      if (insert && column.createInput === 'excluded') continue
      if (!insert && column.redacted) continue
      const editable = insert || (column.updateInput && !column.identity)
      const input = inputFor(column, insert ? undefined : row[column.name], editable)
      const required = insert && column.createInput === 'required'
      grid.append(
        h('label', { for: `field-${column.name}` }, column.name, required ? ' *' : ''),
        h(
          'div',
          {},
          input.element,
          h('div', { class: 'muted', style: 'font-size:11px' }, hintFor(column, insert)),
        ),
      )
      if (editable) fields.push({ column, read: input.read })
    }
    const save = async () => {
      const values: Record<string, unknown> = {}
      for (const { column, read } of fields) {
        const value = read()
        if (value !== undefined) values[column.name] = value
      }
      try {
        if (row === null) await api('rows/insert', { table: table.name, values })
        else await api('rows/update', { table: table.name, key: keyFromTable(table, row), values })
        editing = null
        studio.notice(row === null ? 'Row inserted.' : 'Row saved.', true)
        await reload()
      } catch (error) {
        studio.notice((error as Error).message)
      }
    }
    return h(
      'aside',
      { class: 'side editor' },
      h('h3', {}, row === null ? `Insert into ${table.name}` : `Edit a row of ${table.name}`),
      grid,
      h(
        'div',
        { class: 'toolbar', style: 'margin-top:12px' },
        h(
          'button',
          { class: 'primary', name: 'save', onclick: () => void save() },
          row === null ? 'Insert' : 'Save',
        ),
        h(
          'button',
          {
            onclick: () => {
              editing = null
              void draw()
            },
          },
          'Cancel',
        ),
      ),
      h(
        'p',
        { class: 'muted' },
        'Empty fields are left out: the column keeps its value, or gets its default.',
      ),
    )
  }

  return {
    show,
    async changed(kind) {
      if (kind === 'schema' || kind === 'data' || kind === 'migrations') await reload()
    },
  }
}

function keyOf(rows: RowsAnswer, row: Record<string, Cell>): Record<string, Cell> {
  return Object.fromEntries(rows.primaryKey.map((name) => [name, row[name] ?? null]))
}

function keyFromTable(table: TableInfo, row: Record<string, Cell>): Record<string, unknown> {
  return Object.fromEntries(table.primaryKey.map((name) => [name, keyText(row[name])]))
}

function keyText(value: Cell | undefined): unknown {
  return typeof value === 'number' ? String(value) : (value ?? null)
}

function shown(value: Cell): string {
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function hintFor(column: ColumnInfo, insert: boolean): string {
  const parts = [column.sqlType.toLowerCase(), column.nullable ? 'nullable' : 'not null']
  if (insert && column.createInput === 'optional')
    parts.push(column.defaultSql ? `default ${column.defaultSql}` : 'optional')
  if (!insert && (!column.updateInput || column.identity)) parts.push('not updatable')
  if (column.redacted) parts.push('redacted: write only')
  return parts.join(' · ')
}

/**
 * An input for a column's type; `read()` gives what the API takes: text, a boolean, null
 * (the NULL box ticked), or undefined (left empty: not sent).
 */
function inputFor(
  column: ColumnInfo,
  value: Cell | undefined,
  editable: boolean,
): { element: HTMLElement; read: () => unknown } {
  const id = `field-${column.name}`
  const text =
    value === undefined || value === null
      ? ''
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value)
  let control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement
  const t = column.type
  if (column.array || t === 'json' || t === 'jsonb') {
    control = h('textarea', {
      id,
      name: column.name,
      rows: 3,
      placeholder: column.array ? '["…"]' : '{}',
    })
    control.value = text
  } else if (t === 'boolean') {
    control = h(
      'select',
      { id, name: column.name },
      h('option', { value: '' }, '—'),
      h('option', { value: 'true' }, 'true'),
      h('option', { value: 'false' }, 'false'),
    )
    control.value = value === true ? 'true' : value === false ? 'false' : ''
  } else if (t === 'enum' && column.values) {
    control = h(
      'select',
      { id, name: column.name },
      h('option', { value: '' }, '—'),
      ...column.values.map((v) => h('option', { value: v }, v)),
    )
    control.value = text
  } else {
    const type = column.redacted
      ? 'password'
      : t === 'smallint' || t === 'integer' || t === 'real' || t === 'double'
        ? 'number'
        : t === 'date'
          ? 'date'
          : (t === 'timestamptz' || t === 'timestamp') && column.timeMode === 'date'
            ? 'datetime-local'
            : 'text'
    control = h('input', {
      id,
      name: column.name,
      type,
      ...(type === 'number' ? { step: t === 'real' || t === 'double' ? 'any' : '1' } : {}),
      ...(type === 'datetime-local' ? { step: '0.001' } : {}),
      ...(t === 'numeric' || t === 'bigint' ? { inputmode: 'decimal' } : {}),
      ...(t === 'uuid'
        ? { placeholder: column.defaultSql ? 'generated' : '00000000-0000-0000-0000-000000000000' }
        : {}),
    })
    control.value = type === 'datetime-local' && text ? toLocalInput(text) : text
  }
  control.disabled = !editable
  const nullBox =
    column.nullable && editable
      ? h('input', {
          type: 'checkbox',
          name: `${column.name}-null`,
          ...(value === null ? { checked: true } : {}),
        })
      : null
  const element = h(
    'span',
    {},
    control,
    nullBox ? h('label', { class: 'muted' }, ' ', nullBox, 'NULL') : null,
  )
  return {
    element,
    read() {
      if (nullBox?.checked) return null
      const raw = control.value
      if (raw === '') return undefined
      if (
        value !== undefined &&
        raw === (control.type === 'datetime-local' ? toLocalInput(text) : text)
      )
        return undefined
      if (t === 'boolean') return raw === 'true'
      if (control.type === 'datetime-local') return new Date(raw).toISOString()
      return raw
    },
  }
}

/** ISO time → the local `YYYY-MM-DDTHH:mm:ss.sss` a datetime-local input shows. */
function toLocalInput(iso: string): string {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return ''
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000)
  return local.toISOString().slice(0, 23)
}
