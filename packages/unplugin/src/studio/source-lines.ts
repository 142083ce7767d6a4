import { readFile } from 'node:fs/promises'

/**
 * Where in a schema file a table and its columns are declared, found in the file's text: the
 * IR records each column's file but not its line. `name: 'title'` is a column's (or a
 * relation's) builder call; `t.timestamps()` declares created_at and updated_at, and
 * `t.softDelete()` deleted_at. Not found: the line of `build`.
 */
export interface SourceLines {
  /** The line of the table's `build` function (1-based). */
  readonly table: number
  /** The line of the builder call naming `name`, or the table's line. */
  line(name: string): number
}

const IMPLICIT: Readonly<Record<string, RegExp>> = {
  created_at: /\btimestamps\s*\(/,
  updated_at: /\btimestamps\s*\(/,
  deleted_at: /\bsoftDelete\s*\(/,
}

export function sourceLines(text: string): SourceLines {
  const lines = text.split('\n')
  const find = (pattern: RegExp) => {
    const index = lines.findIndex((line) => pattern.test(line))
    return index < 0 ? null : index + 1
  }
  const table = find(/\bfunction\s+build\b|\bbuild\s*[(=:]/) ?? 1
  const cache = new Map<string, number>()
  return {
    table,
    line(name) {
      let line = cache.get(name)
      if (line === undefined) {
        const quoted = escapeRegExp(name)
        line =
          find(new RegExp(`\\bname\\s*:\\s*(['"\`])${quoted}\\1`)) ??
          (IMPLICIT[name] ? find(IMPLICIT[name]) : null) ??
          table
        cache.set(name, line)
      }
      return line
    },
  }
}

/** The lines of a file, or only `build`'s line 1 when it cannot be read. */
export async function readSourceLines(path: string): Promise<SourceLines> {
  const text = await readFile(path, 'utf8').catch(() => '')
  return sourceLines(text)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
