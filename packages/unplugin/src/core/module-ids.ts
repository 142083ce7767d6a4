import { join } from 'node:path'

/** The ids applications import, and the ids the plugin resolves them to. */
export const VIRTUAL_IDS = {
  models: { import: /^(?:virtual:|~)fluentorm\/models$/, resolved: '\0virtual:fluentorm/models' },
  migrations: {
    import: /^(?:virtual:|~)fluentorm\/migrations$/,
    resolved: '\0virtual:fluentorm/migrations',
  },
  database: {
    import: /^(?:virtual:|~)fluentorm\/database$/,
    resolved: '\0virtual:fluentorm/database',
  },
} as const

const MODULES = Object.keys(VIRTUAL_IDS) as VirtualModule[]

export type VirtualModule = keyof typeof VIRTUAL_IDS

/** Every import id the plugin answers, in RE2 syntax so esbuild can test it in Go. */
export const IMPORT_FILTER = /^(virtual:|~)fluentorm\/(models|migrations|database)$/

/**
 * esbuild resolves imports inside a plugin module against the directory of its id, so there
 * the id must be a path in a real directory (the root), not a `\0` id: with `\0…` even the
 * generated `import … from '@fluentorm/runtime'` fails to resolve.
 */
export function esbuildModuleFile(root: string, module: VirtualModule): string {
  return join(root, `.fluentorm-${module}.mjs`)
}

export const ESBUILD_LOAD_FILTER = /\.fluentorm-(models|migrations|database)\.mjs$/

/** The resolved ids, for the load hook's filter. */
export const RESOLVED_FILTER = /^\0virtual:fluentorm\/(models|migrations|database)$/

/** The `.sql` files the plugin serves as modules of their statements. */
export const SQL_FILE_FILTER = /\.sql$/

/** Which virtual module an import id names, or null for any other id. */
export function virtualModuleOf(id: string): VirtualModule | null {
  return MODULES.find((module) => VIRTUAL_IDS[module].import.test(id)) ?? null
}

/** Which virtual module a resolved id (either bundler's form) is, or null. */
export function resolvedModuleOf(id: string): VirtualModule | null {
  return (
    MODULES.find(
      (module) => id === VIRTUAL_IDS[module].resolved || id.endsWith(`.fluentorm-${module}.mjs`),
    ) ?? null
  )
}
