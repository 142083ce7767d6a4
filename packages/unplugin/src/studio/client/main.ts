/// <reference lib="dom" />
import type { SessionInfo } from '../api-types.ts'
import { api, sessionToken, useToken } from './api.ts'
import { dataView } from './data-view.ts'
import { fill, h } from './dom.ts'
import { connectLive } from './live.ts'
import { migrationsView } from './migrations-view.ts'
import { queriesView } from './queries-view.ts'
import { schemaView } from './schema-view.ts'

/** A tab of the studio: drawn into `main`, told when the dev server says something changed. */
export interface View {
  show(root: HTMLElement, route: string): Promise<void>
  /** `schema`, `migrations`, `queries` or `data` changed on the server. */
  changed(kind: string): Promise<void>
}

export interface Studio {
  readonly session: SessionInfo
  notice(message: string | null, good?: boolean): void
  go(hash: string): void
}

const root = document.getElementById('view')!
const noticeBox = document.getElementById('notice')!

function notice(message: string | null, good = false): void {
  noticeBox.hidden = message === null
  noticeBox.textContent = message ?? ''
  noticeBox.style.background = good ? '#ecfdf3' : ''
  noticeBox.style.color = good ? '#067647' : ''
}

async function start(): Promise<void> {
  const token = sessionToken()
  useToken(token)
  if (token === null) {
    notice(
      'Open the studio from the link the dev server printed in the terminal (it carries this session’s token).',
    )
    return
  }
  let session: SessionInfo
  try {
    session = await api<SessionInfo>('session')
  } catch (error) {
    notice(`${(error as Error).message}`)
    return
  }
  const go = (hash: string) => {
    location.hash = hash
  }
  const studio: Studio = { session, notice, go }
  const views: Record<string, View> = {
    schema: schemaView(studio),
    data: dataView(studio),
    migrations: migrationsView(studio),
    queries: queriesView(studio),
  }
  let current = 'schema'
  const show = async () => {
    const [tab = 'schema', ...rest] = location.hash.replace(/^#/, '').split('/')
    current = views[tab] ? tab : 'schema'
    for (const button of document.querySelectorAll<HTMLButtonElement>('.tabs button')) {
      button.setAttribute('aria-selected', String(button.dataset.tab === current))
    }
    notice(null)
    fill(root, h('div', { class: 'pane muted' }, 'Loading…'))
    try {
      await views[current]!.show(root, decodeURIComponent(rest.join('/')))
    } catch (error) {
      fill(
        root,
        h('div', { class: 'pane' }, h('p', { class: 'problem' }, (error as Error).message)),
      )
    }
  }
  for (const button of document.querySelectorAll<HTMLButtonElement>('.tabs button')) {
    button.addEventListener('click', () => {
      location.hash = button.dataset.tab ?? 'schema'
    })
  }
  window.addEventListener('hashchange', () => void show())
  await show()
  const live = document.getElementById('live')!
  if (session.hmr !== null) {
    connectLive(
      session.hmr,
      session.event,
      (kind) => {
        views[current]!.changed(kind).catch((error: Error) => notice(error.message))
      },
      (connected) => {
        live.classList.toggle('on', connected)
        live.title = connected ? 'Live: updates arrive from the dev server' : 'Not connected'
        document.body.dataset.live = String(connected)
      },
    )
  }
}

void start()
