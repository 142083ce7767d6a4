import type { PGlite } from '@electric-sql/pglite'

/** A result column as PostgreSQL describes it: its type, and the table column it comes from. */
export interface DescribedField {
  readonly name: string
  readonly typeOid: number
  /** 0 when the value is computed, not a table column. */
  readonly tableOid: number
  readonly columnNumber: number
}

export type Described =
  | {
      readonly ok: true
      readonly paramTypes: readonly number[]
      /** null: the statement returns no rows (NoData). */
      readonly fields: readonly DescribedField[] | null
    }
  | { readonly ok: false; readonly message: string; readonly position: number | null }

/**
 * Parses each of `texts` as an unnamed prepared statement and describes it (Parse, Describe,
 * Sync on the wire protocol), all in one exchange: after an error PostgreSQL skips to the
 * statement's Sync, so each statement is described as if it were sent alone. PGlite's own
 * `describeQuery` drops the table OID and column number of each result column, which say
 * whether it can be null.
 */
export async function describeStatements(
  db: PGlite,
  texts: readonly string[],
): Promise<Described[]> {
  if (texts.length === 0) return []
  const message = Buffer.concat(
    texts.flatMap((text) => [
      frame('P', cstring(''), cstring(text), Buffer.from([0, 0])),
      frame('D', Buffer.from('S'), cstring('')),
      frame('S'),
    ]),
  )
  const { messages } = await db.runExclusive(() =>
    db.execProtocol(new Uint8Array(message), { throwOnError: false }),
  )
  const described: Described[] = []
  let replies: Reply[] = []
  for (const reply of messages as unknown as Reply[]) {
    if (reply.name !== 'readyForQuery') replies.push(reply)
    else {
      described.push(describedBy(replies))
      replies = []
    }
  }
  if (described.length !== texts.length) {
    throw new Error(`PGlite answered ${described.length} of ${texts.length} statements described`)
  }
  return described
}

/** What the replies to one statement's Parse, Describe and Sync say. */
function describedBy(replies: readonly Reply[]): Described {
  let paramTypes: readonly number[] = []
  let fields: DescribedField[] | null = null
  for (const reply of replies) {
    if (reply.name === 'error') {
      const position = Number(reply.position)
      return { ok: false, message: reply.message, position: position > 0 ? position : null }
    }
    if (reply.name === 'parameterDescription') paramTypes = reply.dataTypeIDs
    if (reply.name === 'rowDescription') {
      fields = reply.fields.map((f) => ({
        name: f.name,
        typeOid: f.dataTypeID,
        tableOid: f.tableID,
        columnNumber: f.columnID,
      }))
    }
  }
  return { ok: true, paramTypes, fields }
}

type Reply =
  | { name: 'error'; message: string; position?: string }
  | { name: 'parameterDescription'; dataTypeIDs: number[] }
  | {
      name: 'rowDescription'
      fields: { name: string; dataTypeID: number; tableID: number; columnID: number }[]
    }
  | { name: 'parseComplete' | 'noData' | 'readyForQuery' }

function frame(type: string, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts)
  const head = Buffer.alloc(5)
  head.write(type, 0)
  head.writeInt32BE(4 + body.length, 1)
  return Buffer.concat([head, body])
}

function cstring(text: string): Buffer {
  return Buffer.concat([Buffer.from(text, 'utf8'), Buffer.from([0])])
}
