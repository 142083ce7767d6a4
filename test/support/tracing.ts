import { trace } from '@opentelemetry/api'
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { afterAll } from 'vitest'

/**
 * A real OpenTelemetry SDK provider whose spans land in an in-memory exporter, shut down
 * (and the global tracer provider disabled) after the calling file's tests. Registering it
 * is left to the caller: when it registers is what some tests check.
 *
 * @example
 * const { exporter, provider } = inMemoryTracing()
 * trace.setGlobalTracerProvider(provider)
 */
export function inMemoryTracing(): {
  exporter: InMemorySpanExporter
  provider: BasicTracerProvider
} {
  const exporter = new InMemorySpanExporter()
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] })
  afterAll(async () => {
    trace.disable()
    await provider.shutdown()
  })
  return { exporter, provider }
}
