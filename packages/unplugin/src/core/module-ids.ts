import { join } from 'node:path'

/** The ids applications import, and the ids the plugin resolves them to. */
export const VIRTUAL_IDS = {
  models: { import: /^(?:virtual:|~)fluentorm\/models$/, resolved: '\0virtual:fluentorm/models' },
  migrations: {
    import: /^(?:virtual:|~)fluentorm\/migrations$/,
    resolved: '\0virtual:fluentorm/migrations',
  },
} as const

export type VirtualModule = keyof typeof VIRTUAL_IDS

/** Every import id the plugin answers, in RE2 syntax so esbuild can test it in Go. */
export const IMPORT_FILTER = /^(virtual:|~)fluentorm\/(models|migrations)$/

/**
 * esbuild resolves imports inside a plugin module against the directory of its id, so there
 * the id must be a path in a real directory (the root), not a `\0` id: with `\0…` even the
 * generated `import … from '@fluentorm/runtime'` fails to resolve.
 */
export function esbuildModuleFile(root: string, module: VirtualModule): string {
  return join(root, `.fluentorm-${module}.mjs`)
}

export const ESBUILD_LOAD_FILTER = /\.fluentorm-(models|migrations)\.mjs$/

/** Which virtual module an import id names, or null for any other id. */
export function virtualModuleOf(id: string): VirtualModule | null {
  if (VIRTUAL_IDS.models.import.test(id)) return 'models'
  if (VIRTUAL_IDS.migrations.import.test(id)) return 'migrations'
  return null
}

/** Which virtual module a resolved id (either bundler's form) is, or null. */
export function resolvedModuleOf(id: string): VirtualModule | null {
  for (const module of ['models', 'migrations'] as const) {
    if (id === VIRTUAL_IDS[module].resolved || id.endsWith(`.fluentorm-${module}.mjs`)) {
      return module
    }
  }
  return null
}
