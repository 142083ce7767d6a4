import type { QueryLogEntry, QueryLogger } from './query-log.ts'

/** The part of `@opentelemetry/api` used here (it is an optional peer: never bundled, never required). */
interface OtelApi {
  readonly trace: {
    getTracer(name: string, version?: string): OtelTracer
  }
  readonly context: { active(): unknown }
  readonly SpanKind: { readonly CLIENT: number }
  readonly SpanStatusCode: { readonly ERROR: number }
}

interface OtelTracer {
  startSpan(
    name: string,
    options: { kind: number; startTime: number; attributes: Record<string, string | number> },
    context: unknown,
  ): OtelSpan
}

interface OtelSpan {
  setStatus(status: { code: number; message?: string }): void
  end(endTime: number): void
}

/** Where the spans' connection attributes come from: the URL's host, port and database. */
export interface TraceTarget {
  readonly address?: string
  readonly port?: number
  readonly database?: string
  readonly system: 'postgresql'
}

/**
 * Where `@opentelemetry/api` 1.x keeps what was registered with it (a tracer provider, a
 * context manager): on `globalThis`, set at the first registration, whichever copy of the
 * API made it. Absent, no SDK has been started, and the API's spans would record nothing.
 */
const registry = Symbol.for('opentelemetry.js.api.1')

/** Whether an OpenTelemetry SDK (or anything else) has registered with the API in this process. */
export function openTelemetryRegistered(): boolean {
  return (globalThis as Record<symbol, unknown>)[registry] !== undefined
}

/**
 * `@opentelemetry/api`, when the application has it installed, else null. Imported by a name
 * the bundlers cannot follow, so an app without it builds and runs as before.
 */
export async function loadOpenTelemetry(): Promise<OtelApi | null> {
  const name = '@opentelemetry/api'
  try {
    const api = (await import(/* @vite-ignore */ name)) as Partial<OtelApi>
    return api.trace && api.context && api.SpanKind ? (api as OtelApi) : null
  } catch {
    return null
  }
}

/** `SELECT`, `INSERT`, `WITH`, … : the statement's first keyword (comments skipped). */
function operationOf(text: string): string {
  const match = /^(?:\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*([A-Za-z]+)/.exec(text)
  return match ? match[1]!.toUpperCase() : 'SQL'
}

/**
 * A query logger that records every statement as an OpenTelemetry CLIENT span, in the
 * context of the caller (the span the application's request handler is in), named after the
 * semantic conventions for databases: `SELECT app`. The attributes are the statement's text
 * with its `$n` placeholders, never a value; the row count; on failure the SQLSTATE and the
 * FluentOrmError's message, which carries no row data. With no SDK registered the API's
 * spans do nothing.
 */
export function traceSpans(api: OtelApi, target: TraceTarget): QueryLogger {
  const tracer = api.trace.getTracer('fluentorm')
  return (entry: QueryLogEntry) => {
    const end = performance.timeOrigin + performance.now()
    const operation = operationOf(entry.text)
    // Assigned one by one: V8 copies an object with dotted keys by spread in about 3 µs,
    // three hundred times the cost of these assignments, on every statement.
    const attributes: Record<string, string | number> = {
      'db.system.name': target.system,
      'db.operation.name': operation,
      'db.query.text': entry.text,
      'db.response.returned_rows': entry.rows,
    }
    if (target.database !== undefined) attributes['db.namespace'] = target.database
    if (target.address !== undefined) attributes['server.address'] = target.address
    if (target.port !== undefined) attributes['server.port'] = target.port
    if (entry.error !== undefined) {
      attributes['error.type'] = entry.error.code
      // A SQLSTATE, not one of fluentorm's own codes (CONNECTION_TIMEOUT, …).
      if (/^[0-9A-Z]{5}$/.test(entry.error.code)) {
        attributes['db.response.status_code'] = entry.error.code
      }
    }
    const name = target.database === undefined ? operation : `${operation} ${target.database}`
    const span = tracer.startSpan(
      name,
      { kind: api.SpanKind.CLIENT, startTime: end - entry.durationMs, attributes },
      api.context.active(),
    )
    if (entry.error !== undefined) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: entry.error.message })
    }
    span.end(end)
  }
}
