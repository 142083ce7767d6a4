import type { Writable } from 'node:stream'
import type pg from 'pg'
import type { CopyPayload } from './copy-payload.ts'

/** The part of pg's connection a COPY FROM STDIN writes to (pg's Submittable protocol). */
interface CopyConnection {
  readonly stream: Writable
  query(text: string): void
  sendCopyFromChunk(chunk: Buffer): void
  endCopyFrom(): void
  sendCopyFail(message: string): void
}

/**
 * `COPY … FROM STDIN` over pg's own connection: pg calls `submit`, the server answers
 * CopyInResponse, the rows follow in CopyData chunks, each encoded just before it is
 * written, then CopyDone, and `COPY n` comes back. When the socket's buffer is full the next
 * chunk waits for it to drain, so the server, on its own core, parses one chunk while this
 * one encodes the next, and memory holds a few chunks, not the whole load. Written against
 * pg's Submittable interface (what pg-copy-streams uses) so no streaming dependency is needed
 * for rows that are in memory.
 */
export function pgCopyFrom(client: pg.ClientBase, payload: CopyPayload): Promise<number> {
  // Encoding errors in the first chunk (an Invalid Date) surface before anything is sent.
  const first = payload.chunks.next()
  return new Promise((resolve, reject) => {
    let rowCount = 0
    let failed = false
    const fail = (error: unknown) => {
      failed = true
      reject(error)
    }
    const submittable = {
      submit(connection: CopyConnection) {
        connection.query(payload.sql)
      },
      async handleCopyInResponse(connection: CopyConnection) {
        const { stream } = connection
        try {
          for (let chunk = first; !chunk.done; chunk = payload.chunks.next()) {
            connection.sendCopyFromChunk(chunk.value)
            if (stream.writableNeedDrain) await drained(stream)
            // The server refused the data or the socket closed: the rest would go nowhere.
            if (failed || !stream.writable) return
          }
          connection.endCopyFrom()
        } catch (error) {
          // CopyFail makes the server abort the COPY; its error then rejects through handleError.
          connection.sendCopyFail(error instanceof Error ? error.message : String(error))
          fail(error)
        }
      },
      handleCommandComplete(message: { text: string }) {
        rowCount = Number(/\d+$/.exec(message.text)?.[0] ?? 0)
      },
      handleReadyForQuery() {
        resolve(rowCount)
      },
      // pg calls this for a server error (then clears the active query) and for a lost socket.
      handleError: fail,
    }
    client.query(submittable as unknown as pg.QueryConfig)
  })
}

/** Resolves when `stream` has room again, or has closed (then nothing more can be written). */
function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
  })
}
