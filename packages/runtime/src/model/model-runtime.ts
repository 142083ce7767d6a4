import type { TableInfo } from './table-info.ts'

/**
 * What the query builder needs from a model besides its public API: the table info and the
 * other models of the same `defineModels` call, for relations and joins.
 */
export interface ModelRuntime {
  readonly info: TableInfo
  /** The model of another table in the same `defineModels` call. */
  model(tableName: string): ModelRuntime | undefined
  /** Every table of the same `defineModels` call: no alias the compiler allocates takes one. */
  readonly tables: ReadonlySet<string>
}

const runtimes = new WeakMap<object, ModelRuntime>()

export function registerRuntime(model: object, runtime: ModelRuntime): void {
  runtimes.set(model, runtime)
}

/** The runtime behind a model object made by `defineModels`, or undefined for anything else. */
export function modelRuntime(model: object): ModelRuntime | undefined {
  return runtimes.get(model)
}

/** The runtime behind a model object made by `defineModels`. */
export function runtimeOf(model: object): ModelRuntime {
  const runtime = runtimes.get(model)
  if (!runtime) {
    throw new TypeError(
      'Expected a model made by defineModels (e.g. User from virtual:fluentorm/models).',
    )
  }
  return runtime
}
