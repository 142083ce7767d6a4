import { AsyncLocalStorage } from 'node:async_hooks'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { relative, sep } from 'node:path'
import type { QueryLogEntry } from '@fluentorm/runtime'
import type { QueryEntryInfo, RequestInfo } from './api-types.ts'

/** The request a statement ran for: the dev server's middleware opens one per request. */
export interface RequestContext {
  readonly id: number
  readonly method: string
  readonly url: string
  readonly at: number
  /** The studio's own requests: their statements are not logged. */
  readonly studio: boolean
}

export interface QueryLogOptions {
  /** Print statements this slow (ms) or slower in the terminal; null: never. */
  readonly slowMs: number | null
  /** Flag a statement run this many times in one request; null: never. */
  readonly repeated: number | null
  /** Callers are shown relative to it. */
  readonly root: string
  readonly warn: (message: string) => void
  /** How many statements are kept. @default 2000 */
  readonly capacity?: number
}

export interface QueryLog {
  /** For `connect({ onQuery })`. */
  onQuery(entry: QueryLogEntry): void
  /** Runs the rest of a request's handling (`next`) in its context. */
  track(request: IncomingMessage, response: ServerResponse, next: () => void, studio: boolean): void
  /** Runs `fn` as the studio's own work: its statements are not logged. */
  quiet<T>(fn: () => Promise<T>): Promise<T>
  requests(): RequestInfo[]
  background(): QueryEntryInfo[]
  entry(id: number): QueryEntryInfo | undefined
  clear(): void
  /** Told after each logged statement (the live view). */
  onChange: (() => void) | null
}

type Logged = QueryEntryInfo

const SHOWN_SQL = 400
/**
 * The longest text kept per statement: the log holds 2,000 of them, and a request that makes
 * the app build a huge statement must not make the dev server hold 2,000 copies of it.
 */
export const MAX_TEXT = 32 * 1024

export function createQueryLog(options: QueryLogOptions): QueryLog {
  const storage = new AsyncLocalStorage<RequestContext>()
  const capacity = options.capacity ?? 2000
  const entries: Logged[] = []
  const requests = new Map<number, RequestContext>()
  let nextEntry = 1
  let nextRequest = 1

  const log: QueryLog = {
    onChange: null,
    onQuery(entry) {
      const context = storage.getStore()
      if (context?.studio) return
      if (context && !requests.has(context.id)) {
        requests.set(context.id, context)
        // The last 200 requests that ran statements; their statements age out with the entries.
        if (requests.size > 200) requests.delete(requests.keys().next().value!)
      }
      const caller = callerOf(options.root)
      const logged: Logged = {
        id: nextEntry++,
        at: Date.now(),
        text: entry.text.length > MAX_TEXT ? entry.text.slice(0, MAX_TEXT) : entry.text,
        truncated: entry.text.length > MAX_TEXT,
        values: entry.values,
        durationMs: Math.round(entry.durationMs * 100) / 100,
        rows: entry.rows,
        // The error's message names the statement's operation, never the values bound.
        error: entry.error ? entry.error.message : null,
        caller,
        request: context?.id ?? null,
      }
      entries.push(logged)
      if (entries.length > capacity) entries.splice(0, entries.length - capacity)
      if (options.slowMs !== null && entry.durationMs >= options.slowMs) {
        options.warn(slowMessage(logged, context))
      }
      log.onChange?.()
    },
    track(request, response, next, studio) {
      const context: RequestContext = {
        id: nextRequest++,
        method: request.method ?? 'GET',
        url: (request as { originalUrl?: string }).originalUrl ?? request.url ?? '/',
        at: Date.now(),
        studio,
      }
      if (!studio && options.repeated !== null) {
        const threshold = options.repeated
        response.once('close', () => {
          if (!requests.has(context.id)) return
          for (const group of repeatedIn(entriesOf(context.id), threshold)) {
            options.warn(repeatedMessage(context, group))
          }
        })
      }
      storage.run(context, next)
    },
    quiet(fn) {
      const context = storage.getStore()
      return storage.run(
        { id: context?.id ?? 0, method: '', url: '', at: Date.now(), studio: true },
        fn,
      )
    },
    requests() {
      const byRequest = new Map<number, Logged[]>()
      for (const entry of entries) {
        if (entry.request === null) continue
        byRequest.set(entry.request, [...(byRequest.get(entry.request) ?? []), entry])
      }
      return [...byRequest.entries()]
        .flatMap(([id, queries]) => {
          const context = requests.get(id)
          if (!context) return []
          const repeated = repeatedIn(queries, options.repeated ?? Number.POSITIVE_INFINITY).map(
            ({ text, entries: group }) => ({ text, count: group.length }),
          )
          return [
            { id, method: context.method, url: context.url, at: context.at, queries, repeated },
          ]
        })
        .reverse()
    },
    background: () => entries.filter((entry) => entry.request === null).reverse(),
    entry: (id) => entries.find((entry) => entry.id === id),
    clear() {
      entries.length = 0
    },
  }
  const entriesOf = (id: number) => entries.filter((entry) => entry.request === id)
  return log
}

/** The statements of one request run `threshold` times or more, by text. */
export function repeatedIn(
  queries: readonly QueryEntryInfo[],
  threshold: number,
): { text: string; entries: QueryEntryInfo[] }[] {
  const groups = new Map<string, QueryEntryInfo[]>()
  for (const query of queries) groups.set(query.text, [...(groups.get(query.text) ?? []), query])
  return [...groups.entries()]
    .filter(([, group]) => group.length >= threshold)
    .map(([text, group]) => ({ text, entries: group }))
}

function shortSql(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > SHOWN_SQL ? `${flat.slice(0, SHOWN_SQL)}…` : flat
}

function where(context: RequestContext | undefined, caller: string | null): string {
  const parts = [context ? `${context.method} ${context.url}` : null, caller].filter(Boolean)
  return parts.length > 0 ? ` (${parts.join(', ')})` : ''
}

function slowMessage(entry: QueryEntryInfo, context: RequestContext | undefined): string {
  const rows = entry.rows === 1 ? '1 row' : `${entry.rows} rows`
  return `slow query: ${Math.round(entry.durationMs)} ms, ${rows}${where(context, entry.caller)}\n  ${shortSql(entry.text)}`
}

function repeatedMessage(
  context: RequestContext,
  group: { text: string; entries: QueryEntryInfo[] },
): string {
  const callers = [...new Set(group.entries.map((e) => e.caller).filter((c) => c !== null))]
  const from = callers.length > 0 ? `, from ${callers.slice(0, 3).join(', ')}` : ''
  return `N+1: ${context.method} ${context.url} ran the same statement ${group.entries.length} times${from}\n  ${shortSql(group.text)}\n  Load the related rows in one query: include() the relation, or where(column, 'in', ids).`
}

/** Frames that are fluentorm's, Vite's, Node's or a dependency's: not the app's caller. */
const LIBRARY_FRAME =
  /node_modules|[\\/]packages[\\/](?:runtime|core|unplugin)[\\/]src[\\/]|^node:|^internal[\\/]|<anonymous>|\(native\)/

/**
 * The application's frame that ran the statement: the first one on the stack (async frames
 * included: the app awaited the query) outside fluentorm, Vite and node_modules, as
 * `src/app.ts:47:30` relative to `root`. Null when none is there (a migration at start).
 */
export function callerOf(root: string, stack = captureStack()): string | null {
  for (const line of stack.split('\n').slice(1)) {
    const match = /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?\s*$/.exec(line.trim())
    if (!match) continue
    const file = match[1]!.replace(/^file:\/\//, '')
    if (LIBRARY_FRAME.test(file) || !file.includes('/')) continue
    const shown =
      file.startsWith(root + sep) || file.startsWith(`${root}/`) ? relative(root, file) : file
    return `${shown.split(sep).join('/')}:${match[2]}:${match[3]}`
  }
  return null
}

function captureStack(): string {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 40
  const holder: { stack?: string } = {}
  Error.captureStackTrace(holder, callerOf)
  Error.stackTraceLimit = limit
  return holder.stack ?? ''
}
