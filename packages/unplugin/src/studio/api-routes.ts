import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Database, Model } from '@fluentorm/runtime'
import { FluentOrmError } from '@fluentorm/runtime'
import type { WaitingChange } from '../core/apply-endpoint.ts'
import type { ResolvedOptions } from '../options.ts'
import type { Filter, QueriesAnswer, SessionInfo } from './api-types.ts'
import { deleteRow, insertRow, readRows, tableCounts, updateRow } from './data-api.ts'
import { explain } from './explain-api.ts'
import { readJson, StudioError, sendError, sendJson } from './http.ts'
import type { LiveKind } from './live-channel.ts'
import { readMigrations } from './migrations-api.ts'
import type { QueryLog } from './query-log.ts'
import type { SchemaSource } from './schema-api.ts'
import type { SessionToken } from './session-token.ts'

export interface ApiDeps {
  readonly options: () => ResolvedOptions
  readonly token: SessionToken
  readonly schema: SchemaSource
  readonly queryLog: QueryLog
  readonly live: { send(kind: LiveKind): void }
  readonly database: (() => Promise<Database>) | null
  readonly waiting: () => WaitingChange | null
  readonly apply: (token: string) => Promise<string | null>
  readonly models: () => Promise<Record<string, Model<any>>>
  readonly session: () => Omit<SessionInfo, 'writes'>
}

type Handler = (request: IncomingMessage, url: URL) => Promise<unknown>

/**
 * The JSON API under `/__fluentorm/api/`: each route a method and a name. Every call needs the
 * session token header; a write needs the writes toggle on (kept here, on the server, not
 * only in the page). Failures answer `{ error }` with a message that names tables, columns and
 * constraints but no row value.
 */
export function createApi(deps: ApiDeps) {
  let writes = false
  const database = () => {
    if (deps.database === null) {
      throw new StudioError(409, 'there is no dev database (the devDatabase option is false)')
    }
    return deps.database()
  }
  const data = { models: deps.models, database }
  const requireWrites = () => {
    if (!writes) throw new StudioError(403, 'writes are off: turn on "Allow writes" first')
  }
  const changedData = <T>(value: T): T => {
    deps.live.send('data')
    return value
  }

  const routes: Record<string, Handler> = {
    'GET session': async () => ({ ...deps.session(), writes }) satisfies SessionInfo,
    'POST writes': async (request) => {
      const body = await readJson(request)
      if (typeof body.enabled !== 'boolean')
        throw new StudioError(400, 'send { enabled: true|false }')
      writes = body.enabled
      return { writes }
    },
    'GET schema': () => deps.schema.answer(),
    'GET rows': async (_request, url) => {
      const params = url.searchParams
      return readRows(data, {
        table: params.get('table') ?? '',
        page: Number(params.get('page') ?? 1),
        perPage: Number(params.get('perPage') ?? 25),
        sort: params.get('sort') || null,
        direction: params.get('direction') === 'desc' ? 'desc' : 'asc',
        filters: filtersOf(params.get('filters')),
        deleted: deletedOf(params.get('deleted')),
      })
    },
    'GET counts': async () => ({ counts: await tableCounts(data) }),
    'POST rows/insert': async (request) => {
      requireWrites()
      const body = await readJson(request)
      return changedData({ row: await insertRow(data, String(body.table), body.values) })
    },
    'POST rows/update': async (request) => {
      requireWrites()
      const body = await readJson(request)
      return changedData({ row: await updateRow(data, String(body.table), body.key, body.values) })
    },
    'POST rows/delete': async (request) => {
      requireWrites()
      const body = await readJson(request)
      return changedData(await deleteRow(data, String(body.table), body.key, body.hard === true))
    },
    'GET migrations': async () =>
      readMigrations({
        migrationsDir: deps.options().migrationsDir,
        schema: async () => {
          await deps.schema.answer()
          return deps.schema.schema()
        },
        database: deps.database,
        waiting: deps.waiting,
      }),
    'POST migrations/apply': async (request) => {
      const body = await readJson(request)
      if (typeof body.token !== 'string') throw new StudioError(400, 'send the change’s token')
      const error = await deps.apply(body.token)
      if (error !== null) throw new StudioError(409, error)
      deps.schema.invalidate()
      deps.live.send('migrations')
      return { applied: true }
    },
    'GET queries': async () => {
      const { slowQueryMs, repeatedQueries } = deps.options()
      return {
        requests: deps.queryLog.requests(),
        background: deps.queryLog.background(),
        slowMs: slowQueryMs,
        repeatedThreshold: repeatedQueries,
      } satisfies QueriesAnswer
    },
    'POST queries/clear': async () => {
      deps.queryLog.clear()
      return { cleared: true }
    },
    'POST explain': async (request) => {
      const body = await readJson(request)
      const entry = deps.queryLog.entry(Number(body.id))
      if (!entry) throw new StudioError(404, 'that statement is no longer in the log')
      return explain(await database(), entry, {
        analyze: body.analyze === true,
        params: body.params,
        writes,
      })
    },
  }

  return {
    async handle(route: string, request: IncomingMessage, response: ServerResponse) {
      if (!deps.token.matches(request)) {
        return sendError(
          response,
          401,
          'this call needs the studio session token: open the studio from the link the dev server printed',
        )
      }
      const handler = routes[`${request.method} ${route}`]
      if (!handler) return sendError(response, 404, `no API ${request.method} ${route}`)
      try {
        const url = new URL(request.url ?? '/', 'http://studio.invalid')
        sendJson(response, 200, await handler(request, url))
      } catch (error) {
        const { status, message } = failure(error)
        sendError(response, status, message)
      }
    },
  }
}

/**
 * The answer to a failed call: the studio's own refusals as they are; a fluentorm error as
 * its message (which never holds row values) without PostgreSQL's detail; anything else
 * only by its kind (the terminal has the rest).
 */
function failure(error: unknown): { status: number; message: string } {
  if (error instanceof StudioError) return { status: error.status, message: error.message }
  // The models run the SSR runner's copy of the runtime: its FluentOrmError is another class.
  if (
    error instanceof FluentOrmError ||
    (error instanceof Error && error.name === 'FluentOrmError')
  ) {
    const kind = String((error as { kind?: unknown }).kind ?? '')
    const status =
      ['invalid_usage', 'invalid_input', 'value_too_long'].includes(kind) ||
      kind.endsWith('_violation')
        ? 400
        : 500
    return { status, message: withoutQuotedValues(error.message) }
  }
  return {
    status: 500,
    message: `the studio failed (${error instanceof Error ? error.name : 'error'}): see the terminal`,
  }
}

/** `…: invalid input syntax for type uuid: "x"` → without the quoted value. */
function withoutQuotedValues(message: string): string {
  return message.replace(/: "(?:[^"\\]|\\.)*"/g, '')
}

function filtersOf(text: string | null): Filter[] {
  if (!text) return []
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new StudioError(400, 'filters must be JSON')
  }
  if (!Array.isArray(parsed)) throw new StudioError(400, 'filters must be a JSON array')
  return parsed.map((filter) => {
    if (typeof filter !== 'object' || filter === null)
      throw new StudioError(400, 'a filter must be an object')
    const { column, op, value } = filter as Record<string, unknown>
    if (typeof column !== 'string' || typeof op !== 'string') {
      throw new StudioError(400, 'a filter needs a column and an op')
    }
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new StudioError(400, 'a filter value must be text')
    }
    return { column, op: op as Filter['op'], ...(typeof value === 'string' ? { value } : {}) }
  })
}

function deletedOf(value: string | null): 'exclude' | 'include' | 'only' {
  return value === 'include' || value === 'only' ? value : 'exclude'
}
