/// <reference lib="dom" />
import type { ExplainAnswer, QueriesAnswer, QueryEntryInfo, RequestInfo } from '../api-types.ts'
import { api } from './api.ts'
import { fill, h } from './dom.ts'
import type { Studio, View } from './main.ts'

/**
 * The Queries tab: the application's statements on the dev database as they run, grouped by
 * the request that ran them (newest first), each with its duration, rows and caller; the
 * statements a request ran many times (N+1) marked. EXPLAIN plans one statement for any
 * values; EXPLAIN ANALYZE runs it with values you type, rolled back.
 */
export function queriesView(_studio: Studio): View {
  let root: HTMLElement | null = null
  let explained: {
    entry: QueryEntryInfo
    answer: ExplainAnswer | null
    error: string | null
  } | null = null

  async function show(into: HTMLElement) {
    root = into
    await draw()
  }

  async function draw() {
    if (!root) return
    const answer = await api<QueriesAnswer>('queries')
    const pane = h(
      'div',
      { class: 'pane' },
      h(
        'div',
        { class: 'toolbar' },
        h('strong', {}, 'Queries'),
        h(
          'span',
          { class: 'muted' },
          answer.slowMs === null ? 'slow: off' : `slow: ${answer.slowMs} ms or more`,
        ),
        h(
          'span',
          { class: 'muted' },
          answer.repeatedThreshold === null
            ? 'N+1: off'
            : `N+1: the same statement ${answer.repeatedThreshold}+ times in a request`,
        ),
        h(
          'button',
          {
            name: 'clear',
            onclick: async () => {
              await api('queries/clear', {})
              await draw()
            },
          },
          'Clear',
        ),
      ),
      answer.requests.length === 0 && answer.background.length === 0
        ? h('p', { class: 'muted' }, 'No statements yet: open a page of the app.')
        : null,
      ...answer.requests.slice(0, 50).map((request) => requestBlock(request, answer.slowMs)),
      answer.background.length > 0
        ? h(
            'details',
            { class: 'card' },
            h(
              'summary',
              {},
              `Outside requests (${answer.background.length}): the dev server's own and the app's start`,
            ),
            ...answer.background
              .slice(0, 100)
              .map((entry) => queryLine(entry, answer.slowMs, false)),
          )
        : null,
    )
    fill(root, pane, explained ? explainPanel() : null)
  }

  function requestBlock(request: RequestInfo, slowMs: number | null): HTMLElement {
    const total = request.queries.reduce((sum, q) => sum + q.durationMs, 0)
    const repeated = new Set(request.repeated.map((r) => r.text))
    return h(
      'section',
      { class: 'card request', 'data-request': `${request.method} ${request.url}` },
      h(
        'h4',
        {},
        `${request.method} ${request.url}`,
        h(
          'span',
          { class: 'muted' },
          ` · ${request.queries.length} statement${request.queries.length === 1 ? '' : 's'} · ${total.toFixed(1)} ms · ${new Date(request.at).toLocaleTimeString()}`,
        ),
        ...request.repeated.map((r) =>
          h('span', { class: 'badge warn', title: r.text }, `N+1: ${r.count}×`),
        ),
      ),
      ...request.queries.map((entry) => queryLine(entry, slowMs, repeated.has(entry.text))),
    )
  }

  function queryLine(entry: QueryEntryInfo, slowMs: number | null, repeated: boolean): HTMLElement {
    const classes = [
      'query',
      slowMs !== null && entry.durationMs >= slowMs ? 'slow' : '',
      entry.error ? 'failed' : '',
      repeated ? 'repeated' : '',
    ]
    return h(
      'div',
      { class: classes.filter(Boolean).join(' '), 'data-query': entry.id },
      h('span', { class: 'ms' }, `${entry.durationMs.toFixed(1)} ms`),
      h('span', { class: 'muted' }, `${entry.rows} row${entry.rows === 1 ? '' : 's'}`),
      h(
        'div',
        {},
        h(
          'div',
          {
            class: 'sql',
            title: 'Click to show it all',
            onclick: (event: Event) =>
              (event.currentTarget as HTMLElement).classList.toggle('open'),
          },
          entry.text,
        ),
        entry.error ? h('div', { class: 'finding error' }, entry.error) : null,
        entry.caller ? h('div', { class: 'muted mono caller' }, entry.caller) : null,
      ),
      h(
        'span',
        {},
        h(
          'button',
          { name: 'explain', onclick: () => void runExplain(entry, false, []) },
          'EXPLAIN',
        ),
        ' ',
        h(
          'button',
          {
            name: 'analyze',
            onclick: () => {
              explained = { entry, answer: null, error: null }
              void draw()
            },
          },
          'ANALYZE…',
        ),
      ),
    )
  }

  async function runExplain(entry: QueryEntryInfo, analyze: boolean, params: (string | null)[]) {
    try {
      const answer = await api<ExplainAnswer>('explain', { id: entry.id, analyze, params })
      explained = { entry, answer, error: null }
    } catch (error) {
      explained = { entry, answer: null, error: (error as Error).message }
    }
    await draw()
  }

  function explainPanel(): HTMLElement {
    const { entry, answer, error } = explained!
    const inputs = Array.from({ length: entry.values }, (_, i) =>
      h('input', {
        name: `param-${i + 1}`,
        placeholder: `$${i + 1}`,
        'aria-label': `Parameter $${i + 1}`,
      }),
    )
    return h(
      'aside',
      { class: 'side', style: 'width:480px' },
      h('h3', {}, answer?.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN'),
      h('pre', { class: 'sql mono' }, entry.text),
      error ? h('p', { class: 'problem' }, error) : null,
      answer ? h('pre', { class: 'plan' }, answer.plan) : null,
      h('h4', {}, 'EXPLAIN ANALYZE'),
      h(
        'p',
        { class: 'muted' },
        'Runs the statement with these values in a transaction that is rolled back. The log keeps no values: type them.',
      ),
      h(
        'div',
        { class: 'form-grid' },
        ...inputs.flatMap((input, i) => [h('label', {}, `$${i + 1}`), input]),
      ),
      h(
        'div',
        { class: 'toolbar', style: 'margin-top:8px' },
        h(
          'button',
          {
            class: 'primary',
            name: 'run-analyze',
            onclick: () =>
              void runExplain(
                entry,
                true,
                inputs.map((input) => input.value),
              ),
          },
          'Run EXPLAIN ANALYZE',
        ),
        h(
          'button',
          {
            onclick: () => {
              explained = null
              void draw()
            },
          },
          'Close',
        ),
      ),
    )
  }

  return {
    show,
    async changed(kind) {
      // The panel keeps its inputs: only redraw while no EXPLAIN is open.
      if (kind === 'queries' && explained === null) await draw()
    },
  }
}
