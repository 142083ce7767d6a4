import { type LintFinding, lintStatements, type MigrationFileInfo } from '@fluentorm/core'
import {
  directiveLine,
  readAllowedRules,
  readDirectives,
  splitStatements,
} from '@fluentorm/runtime/migration-format'

/** One finding in a pending file, and whether the file acknowledges it. */
export interface PendingFinding extends LintFinding {
  readonly file: string
  readonly allowed: boolean
}

export interface PendingLint {
  readonly findings: readonly PendingFinding[]
  /** The error-level findings no `-- fluentorm:allow <rule>` line acknowledges, with what to do. */
  readonly failures: readonly string[]
}

/**
 * Lints the pending numbered files (`pending` null: every file), as `check` and `migrate` do:
 * an error-level finding counts until the file acknowledges it.
 */
export function lintPending(
  files: readonly Pick<MigrationFileInfo, 'file' | 'name' | 'sql'>[],
  pending: ReadonlySet<string> | null,
): PendingLint {
  const findings: PendingFinding[] = []
  const failures: string[] = []
  for (const { file, name, sql } of files) {
    if (pending && !pending.has(name)) continue
    const statements = splitStatements(sql).map((s) => s.text)
    const allowed = readAllowedRules(sql)
    for (const finding of lintStatements(statements, {
      transactional: !readDirectives(sql).noTransaction,
    })) {
      const acknowledged = allowed.has(finding.rule)
      findings.push({ ...finding, file, allowed: acknowledged })
      if (finding.severity === 'error' && !acknowledged) {
        failures.push(
          `${file}: ${finding.rule} is an error. If it is intended, add the line "${directiveLine.allow(finding.rule)}" to ${file}.`,
        )
      }
    }
  }
  return { findings, failures }
}

/** `migrations/0002_x.sql: error drop-column (allowed): …` */
export function formatFinding(finding: PendingFinding): string {
  return `${finding.file}: ${finding.severity} ${finding.rule}${finding.allowed ? ' (allowed)' : ''}: ${finding.message}\n`
}
