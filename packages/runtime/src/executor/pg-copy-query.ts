import type pg from 'pg'
import { copyText } from './copy-text.ts'

/** The part of pg's connection a COPY FROM STDIN writes to (pg's Submittable protocol). */
interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
  sendCopyFail(message: string): void
}

/**
 * Rows per CopyData message: about 100 KiB of typical rows, well under the 1 GB cap, and
 * small enough that PostgreSQL parses one chunk while the next is being encoded.
 */
const chunkRows = 2_000

/**
 * `COPY … FROM STDIN` over pg's own connection: pg calls `submit`, the server answers
 * CopyInResponse, the rows follow in CopyData chunks, each encoded just before it is
 * written (so the server, on its own core, parses a chunk while this one encodes the next),
 * then CopyDone, and `COPY n` comes back. Written against pg's Submittable interface (what
 * pg-copy-streams uses) so no streaming dependency is needed for rows that are in memory.
 */
export function pgCopyFrom(
  client: pg.ClientBase,
  sql: string,
  rows: readonly (readonly unknown[])[],
): Promise<number> {
  // Encoding errors (an Invalid Date) surface before anything is sent.
  const first = copyText(rows.slice(0, chunkRows))
  return new Promise((resolve, reject) => {
    let rowCount = 0
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(sql)
      },
      handleCopyInResponse(connection: CopyConnection) {
        try {
          connection.sendCopyFromChunk(Buffer.from(first, 'utf8'))
          for (let start = chunkRows; start < rows.length; start += chunkRows) {
            const text = copyText(rows.slice(start, start + chunkRows))
            connection.sendCopyFromChunk(Buffer.from(text, 'utf8'))
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
