/// <reference lib="dom" />
import type { MigrationsAnswer } from '../api-types.ts'
import { api } from './api.ts'
import { fill, h } from './dom.ts'
import type { Studio, View } from './main.ts'

/**
 * The Migrations tab: what the dev loop did with the schemas' change (applied, or waiting for
 * the developer: the Apply button, as `/__fluentorm/apply`), the migration the next
 * `fluentorm generate` writes with its SQL and lint findings, the numbered files the dev
 * database has not run, and the applied ones with their time and checksum.
 */
export function migrationsView(studio: Studio): View {
  let root: HTMLElement | null = null

  async function show(into: HTMLElement) {
    root = into
    await draw()
  }

  async function draw() {
    if (!root) return
    const answer = await api<MigrationsAnswer>('migrations')
    fill(root, h('div', { class: 'pane', style: 'max-width:1000px' }, ...cards(answer)))
  }

  function cards(answer: MigrationsAnswer): (HTMLElement | null)[] {
    const { dev, pending } = answer
    const devCard =
      dev.state === 'waiting' || dev.state === 'blocked'
        ? h(
            'section',
            { class: 'card', 'data-card': 'waiting' },
            h(
              'h3',
              {},
              dev.state === 'waiting'
                ? 'A destructive change waits for you'
                : 'The dev database refused the change',
            ),
            ...dev.reasons.map((r) => h('p', { class: 'finding warning' }, r)),
            h('pre', {}, dev.sql.join('\n')),
            h(
              'p',
              {},
              h(
                'button',
                {
                  class: 'primary',
                  name: 'apply',
                  onclick: async () => {
                    const what =
                      dev.state === 'blocked'
                        ? 'Empty the dev database (its rows are deleted) and apply the change?'
                        : 'Apply this change to the dev database?'
                    if (!confirm(what)) return
                    try {
                      await api('migrations/apply', { token: dev.token })
                      studio.notice('Applied to the dev database.', true)
                    } catch (error) {
                      studio.notice((error as Error).message)
                    }
                    await draw()
                  },
                },
                dev.state === 'blocked' ? 'Empty and apply' : 'Apply to the dev database',
              ),
            ),
          )
        : h(
            'section',
            { class: 'card', 'data-card': 'dev' },
            h('h3', {}, 'Dev database'),
            h(
              'p',
              { class: 'muted' },
              dev.state === 'current'
                ? 'At the schemas: every change so far is applied to it.'
                : 'There is no dev database (devDatabase: false).',
            ),
          )
    const pendingCard = h(
      'section',
      { class: 'card', 'data-card': 'pending' },
      h('h3', {}, 'Pending migration'),
      pending === null
        ? h('p', { class: 'muted' }, 'None: the schemas match the last migration’s snapshot.')
        : h(
            'div',
            {},
            h(
              'p',
              {},
              h('code', { class: 'pending-name' }, pending.name),
              h(
                'span',
                { class: 'muted' },
                ' — `npx fluentorm generate` (or a build) writes it to migrations/',
              ),
            ),
            h('pre', { class: 'pending-sql' }, pending.sql.join('\n')),
            pending.findings.length === 0
              ? h('p', { class: 'muted' }, 'Lint: no findings.')
              : h(
                  'ul',
                  { class: 'findings' },
                  ...pending.findings.map((f) =>
                    h(
                      'li',
                      { class: `finding ${f.severity}` },
                      `${f.severity} (${f.rule}): ${f.message}`,
                    ),
                  ),
                ),
            pending.transactional
              ? null
              : h(
                  'p',
                  { class: 'muted' },
                  'Runs outside a transaction (CREATE INDEX CONCURRENTLY).',
                ),
            ...pending.irreversible.map((r) => h('p', { class: 'muted' }, `No rollback: ${r}`)),
          ),
    )
    const files =
      answer.pendingFiles.length > 0
        ? h(
            'section',
            { class: 'card' },
            h('h3', {}, 'Numbered migrations not applied'),
            h('ul', {}, ...answer.pendingFiles.map((f) => h('li', { class: 'mono' }, f))),
          )
        : null
    const problems =
      answer.problems.length > 0
        ? h(
            'section',
            { class: 'card' },
            h('h3', {}, 'Problems'),
            ...answer.problems.map((p) => h('p', { class: 'problem' }, p)),
          )
        : null
    const applied = h(
      'section',
      { class: 'card', 'data-card': 'applied' },
      h('h3', {}, `Applied (${answer.applied.length})`),
      h(
        'table',
        { class: 'grid' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', {}, 'Migration'),
            h('th', {}, 'Applied at'),
            h('th', {}, 'Took'),
            h('th', {}, 'Checksum'),
          ),
        ),
        h(
          'tbody',
          {},
          ...answer.applied.map((m) =>
            h(
              'tr',
              {},
              h('td', { class: 'mono' }, m.name),
              h('td', {}, new Date(m.finishedAt).toLocaleString()),
              h('td', {}, `${m.executionMs} ms`),
              h('td', { class: 'mono', title: m.checksum }, m.checksum.slice(0, 16)),
            ),
          ),
        ),
      ),
    )
    return [problems, devCard, pendingCard, files, applied]
  }

  return {
    show,
    async changed(kind) {
      if (kind === 'schema' || kind === 'migrations') await draw()
    },
  }
}
