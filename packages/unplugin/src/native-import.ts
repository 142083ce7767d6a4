import { createRequire } from 'node:module'

/**
 * Imports `specifier` with Node's own loader, resolved from this package, also when the plugin
 * itself was loaded by Vite's config module runner (native-import.cjs says why).
 */
export const nativeImport: (specifier: string) => Promise<unknown> = createRequire(import.meta.url)(
  './native-import.cjs',
)
