import { quoteIdent } from '../sql/identifier.ts'
import { binaryWriters, copyBinaryChunks } from './copy-binary.ts'
import { copyText } from './copy-text.ts'
import type { CopyTarget } from './driver.ts'

/**
 * Rows per CopyData message: about 100 KiB of typical rows, well under the 1 GB cap, and
 * small enough that PostgreSQL reads one chunk while the next is being encoded.
 */
const chunkRows = 2_000

/** A COPY ready to send: its statement and its data, encoded a chunk at a time as it is read. */
export interface CopyPayload {
  readonly sql: string
  readonly chunks: IterableIterator<Buffer>
}

/**
 * The statement and data for loading `rows` into `target` from `source` (`STDIN`, or PGlite's
 * `'/dev/blob'`): binary format when the target says its column types and every value has a
 * binary form (copy-binary.ts), else text, which takes any value a query parameter takes.
 *
 * @example
 * copyPayload({ table: 'events', columns: ['name'], types: [{ type: 'text', array: false }] }, rows, 'STDIN').sql
 * // COPY "events" ("name") FROM STDIN (FORMAT binary)
 */
export function copyPayload(
  target: CopyTarget,
  rows: readonly (readonly unknown[])[],
  source: string,
): CopyPayload {
  const writers = target.types && binaryWriters(target.types, rows)
  const statement = `COPY ${quoteIdent(target.table)} (${target.columns.map(quoteIdent).join(', ')}) FROM ${source}`
  if (writers) {
    return {
      sql: `${statement} (FORMAT binary)`,
      chunks: copyBinaryChunks(writers, rows, chunkRows),
    }
  }
  return { sql: statement, chunks: copyTextChunks(rows) }
}

function* copyTextChunks(rows: readonly (readonly unknown[])[]): Generator<Buffer> {
  for (let start = 0; start < rows.length; start += chunkRows) {
    yield Buffer.from(copyText(rows.slice(start, start + chunkRows)), 'utf8')
  }
}
