/** One frame of the stack a builder was called from: a file as it ran, 1-based line and column. */
export interface CodeFrame {
  readonly file: string
  readonly line: number
  readonly column: number
}

/**
 * Where a builder (`t.string(…)`, `t.belongsTo(…)`) was called: the frames under
 * TableSchema's own, innermost first. Captured cheaply at the call (V8 records the frames) and
 * read only when a problem needs its position; the loader maps the frames through the schema
 * bundle's source map to a line and column of the schema file.
 */
export type CallSite = () => readonly CodeFrame[]

export function captureCallSite(): CallSite {
  const holder: { stack?: unknown } = {}
  // Deep enough for a schema file's call through a few helpers, whatever the process set.
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 32
  Error.captureStackTrace(holder, captureCallSite)
  Error.stackTraceLimit = limit
  let frames: readonly CodeFrame[] | undefined
  return () => {
    frames ??= readFrames(holder)
    return frames
  }
}

/**
 * Where an error thrown by a schema file's build function was thrown (`t.bigInteger(…)`, not
 * a function): its stack's frames, read at once, before anything formats the stack.
 */
export function errorSite(error: unknown): CallSite | undefined {
  if (!(error instanceof Error)) return undefined
  const frames = readFrames(error)
  return () => frames
}

/** `    at build (/app/schemas/01_users.ts:7:5)`: one line of a stack already formatted. */
const STACK_LINE = /^\s*at (?:.*? \()?(.+?):(\d+):(\d+)\)?$/

/** The captured frames, read as structured call sites (V8 formats a stack when first read). */
function readFrames(holder: { stack?: unknown }): CodeFrame[] {
  const previous = Error.prepareStackTrace
  Error.prepareStackTrace = (_error, stack) => stack
  try {
    const stack = holder.stack
    if (typeof stack === 'string') return parseStack(stack)
    if (!Array.isArray(stack)) return []
    return (stack as NodeJS.CallSite[]).flatMap((frame) => {
      if (frame.getTypeName() === 'TableSchema') return []
      const file = frame.getFileName()
      const line = frame.getLineNumber()
      const column = frame.getColumnNumber()
      return file && line && column ? [{ file, line, column }] : []
    })
  } finally {
    Error.prepareStackTrace = previous
  }
}

/** The frames of a stack some code already formatted as text. */
function parseStack(stack: string): CodeFrame[] {
  return stack.split('\n').flatMap((text) => {
    const match = STACK_LINE.exec(text)
    if (match === null || text.includes('TableSchema.')) return []
    return [{ file: match[1]!, line: Number(match[2]), column: Number(match[3]) }]
  })
}
