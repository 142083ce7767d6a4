import type pg from 'pg'

/** The part of pg's connection a COPY FROM STDIN writes to (pg's Submittable protocol). */
interface CopyConnection {
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
}

/** COPY data travels in CopyData messages; 64 KiB each keeps them well under the 1 GB cap. */
const chunkBytes = 64 * 1024

/**
 * `COPY … FROM STDIN` over pg's own connection, with the whole payload already encoded: pg
 * calls `submit`, the server answers CopyInResponse, the chunks and CopyDone follow, and
 * `COPY n` comes back. Written against pg's Submittable interface (what pg-copy-streams
 * uses) so no streaming dependency is needed for data that is in memory anyway.
 */
export function pgCopyFrom(client: pg.ClientBase, sql: string, data: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let rowCount = 0
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(sql)
      },
      handleCopyInResponse(connection: CopyConnection) {
        const bytes = Buffer.from(data, 'utf8')
        for (let start = 0; start < bytes.length; start += chunkBytes) {
          connection.sendCopyFromChunk(bytes.subarray(start, start + chunkBytes))
        }
        connection.endCopyFrom()
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
