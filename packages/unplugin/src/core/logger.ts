/** Where the plugin reports: Vite's logger under a dev server, the console elsewhere. */
export interface FluentormLogger {
  info(message: string): void
  error(message: string): void
}

export const consoleLogger: FluentormLogger = {
  info: (message) => console.info(`[fluentorm] ${message}`),
  error: (message) => console.error(`[fluentorm] ${message}`),
}
