/** Where the plugin reports: Vite's logger under a dev server, the console elsewhere. */
export interface FluentormLogger {
  info(message: string): void
  error(message: string): void
}

/**
 * `[fluentorm] message`, once: core's reports start with `fluentorm:` for the CLI, which the
 * prefix already says.
 */
export function prefixed(message: string): string {
  return `[fluentorm] ${message.replace(/^fluentorm:\s*/, '')}`
}

export const consoleLogger: FluentormLogger = {
  info: (message) => console.info(prefixed(message)),
  error: (message) => console.error(prefixed(message)),
}
