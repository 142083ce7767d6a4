import type pg from 'pg'

/** The socket of a pg client (pg's own `connection.stream`, which pg-copy-streams uses too). */
interface Corkable {
  readonly connection?: { readonly stream?: { cork?(): void; uncork?(): void } }
}

const corked = new WeakSet<object>()

/**
 * Holds the client's writes until the current tick's promise jobs have run: the queries
 * callers send in one burst (typically as the answers to earlier ones arrive together) then
 * leave in one write, and PostgreSQL reads them in one go, instead of a system call and a
 * server wake-up per query.
 */
export function corkUntilNextTick(client: pg.ClientBase): void {
  const stream = (client as unknown as Corkable).connection?.stream
  if (!stream?.cork || !stream.uncork || corked.has(stream)) return
  corked.add(stream)
  stream.cork()
  process.nextTick(() => {
    corked.delete(stream)
    stream.uncork!()
  })
}
