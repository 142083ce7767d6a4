import type pg from 'pg'

/** pg's connection of a client: it emits the server's errors and the socket's. */
interface PgWireEvents {
  on(
    event: 'errorMessage' | 'error',
    listener: (error: Error & { severity?: string }) => void,
  ): void
}

/** Why each watched client's connection died, once it has. */
const deaths = new WeakMap<object, Error | undefined>()

/**
 * Remembers why `client`'s connection dies: the server's FATAL message (57P01
 * `terminating connection due to administrator command` when pg_terminate_backend or a
 * restart ended it between statements) or the socket's error. pg itself then answers every
 * later statement with only `Client has encountered a connection error and is not queryable`.
 * Listens on pg's connection, not the client, so an application's own 'error' handling of
 * the client is unchanged.
 */
export function watchForDeath(client: pg.ClientBase): void {
  if (deaths.has(client)) return
  deaths.set(client, undefined)
  const wire = (client as unknown as { connection?: PgWireEvents }).connection
  const record = (error: Error & { severity?: string }) => {
    if (deaths.get(client) !== undefined) return
    if (error.severity !== undefined && error.severity !== 'FATAL' && error.severity !== 'PANIC') {
      return
    }
    deaths.set(client, error)
  }
  wire?.on('errorMessage', record)
  wire?.on('error', record)
}

/** pg's refusal of a statement on a dead client, told as why the client died when known. */
export function causeOfDeath(client: pg.ClientBase, error: unknown): unknown {
  if (!(error instanceof Error) || !/not queryable/.test(error.message)) return error
  return deaths.get(client) ?? error
}
