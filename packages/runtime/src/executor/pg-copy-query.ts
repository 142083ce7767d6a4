import type pg from 'pg'
import type { CopyPayload } from './copy-payload.ts'

/** The part of pg's connection a COPY FROM STDIN writes to (pg's Submittable protocol). */
interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
  sendCopyFail(message: string): void
}

/**
 * `COPY … FROM STDIN` over pg's own connection: pg calls `submit`, the server answers
 * CopyInResponse, the rows follow in CopyData chunks, each encoded just before it is
 * written (so the server, on its own core, parses a chunk while this one encodes the next),
 * then CopyDone, and `COPY n` comes back. Written against pg's Submittable interface (what
 * pg-copy-streams uses) so no streaming dependency is needed for rows that are in memory.
 */
export function pgCopyFrom(client: pg.ClientBase, payload: CopyPayload): Promise<number> {
  // Encoding errors in the first chunk (an Invalid Date) surface before anything is sent.
  const first = payload.chunks.next()
  return new Promise((resolve, reject) => {
    let rowCount = 0
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(payload.sql)
      },
      handleCopyInResponse(connection: CopyConnection) {
        try {
          for (let chunk = first; !chunk.done; chunk = payload.chunks.next()) {
            connection.sendCopyFromChunk(chunk.value)
          }
          connection.endCopyFrom()
        } catch (error) {
          // CopyFail makes the server abort the COPY; its error then rejects through handleError.
          connection.sendCopyFail(error instanceof Error ? error.message : String(error))
          reject(error)
        }
      },
      handleCommandComplete(message: { text: string }) {
        rowCount = Number(/\d+$/.exec(message.text)?.[0] ?? 0)
      },
      handleReadyForQuery() {
        resolve(rowCount)
      },
      // pg calls this for a server error (then clears the active query) and for a lost socket.
      handleError(error: Error) {
        reject(error)
      },
    }
    client.query(submittable as unknown as pg.QueryConfig)
  })
}
