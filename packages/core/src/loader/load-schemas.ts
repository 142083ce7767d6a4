import { readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { relative, resolve, sep } from 'node:path'
import {
  type CompileResult,
  createSchemaCompiler,
  type SchemaCompiler,
  type SchemaFileModule,
} from '../schema/compile-schema.ts'
import type { SchemaProblem } from '../schema/schema-problem.ts'
import type { TableSchema } from '../schema/table-schema.ts'
import { type Evaluation, evaluateSchemaFiles, type Locate } from './evaluate-schema-files.ts'

export interface LoadSchemasOptions {
  /** The folder holding `NN_name.ts` schema files. */
  readonly schemasDir: string
  /** Paths in problems and `sources` are relative to it. @default process.cwd() */
  readonly root?: string
  /**
   * Evaluated files kept between calls by a long-lived caller (the dev server): a file whose
   * text is unchanged is not evaluated again, so saving one schema re-evaluates one file.
   */
  readonly cache?: SchemaModuleCache
  /**
   * The compiler kept between calls by the same caller: with `cache`, the unchanged files come
   * back as the same modules, and their tables are not compiled again.
   * @default a new compiler: every table is compiled
   */
  readonly compiler?: SchemaCompiler
}

/** Absolute path → the file's text and its exports when last evaluated. */
export type SchemaModuleCache = Map<
  string,
  { readonly source: string; readonly exports: Record<string, unknown> }
>

/** A compile result, plus the absolute paths of the schema files read (for watchers). */
export type LoadResult = CompileResult & { readonly files: readonly string[] }

const SCHEMA_FILE = /\.(ts|mts|js|mjs)$/
const PREFIXED = /^(\d+)_(.+)\.(ts|mts|js|mjs)$/

/**
 * Finds `schemas/NN_name.ts` (also `.mts`, `.js`, `.mjs`), evaluates each file afresh
 * (bundled by esbuild, no module cache: a call after an edit sees the edit) and compiles them.
 *
 * ```ts
 * const result = await loadSchemas({ schemasDir: 'schemas' })
 * if (!result.ok) console.error(formatProblems(result.problems))
 * ```
 */
export async function loadSchemas(options: LoadSchemasOptions): Promise<LoadResult> {
  const root = resolve(options.root ?? process.cwd())
  const dir = resolve(root, options.schemasDir)
  const folder = relative(root, dir).split(sep).join('/')
  // One relative() for the folder instead of one per file: that was 1-2 ms at 200 files.
  const displayFile = (name: string) => (folder === '' ? name : `${folder}/${name}`)
  const problems: SchemaProblem[] = []

  let names: string[]
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter(
        (entry) => entry.isFile() && SCHEMA_FILE.test(entry.name) && !entry.name.endsWith('.d.ts'),
      )
      .map((entry) => entry.name)
  } catch {
    const problem = {
      file: folder,
      message: `The schemas folder ${folder} cannot be read.`,
      hint: 'Create it, or point the schemas option at the folder holding your NN_name.ts files.',
    }
    return { ok: false, problems: [problem], files: [] }
  }

  const candidates = names.flatMap((name) => {
    const match = PREFIXED.exec(name)
    if (match === null) {
      problems.push({
        file: displayFile(name),
        message: `The schema file ${name} has no numeric prefix.`,
        hint: `Rename it NN_${name} (e.g. 04_${name}): the prefix orders the files.`,
      })
      return []
    }
    return [
      { name, order: Number(match[1]), defaultTable: match[2] ?? '', path: resolve(dir, name) },
    ]
  })
  candidates.sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : 1))

  const evaluated = await evaluateAll(
    candidates.map((candidate) => candidate.path),
    options.cache,
  )
  const modules = toModules(candidates, evaluated, displayFile, problems)
  const files = candidates.map((candidate) => candidate.path)
  // A file that did not evaluate leaves its tables out: compiling the rest would report every
  // relation to them as a second, misleading problem.
  if (evaluated.some((evaluation) => !evaluation.ok)) return { ok: false, problems, files }
  const compiled = (options.compiler ?? createSchemaCompiler()).compile(modules)
  if (problems.length === 0 && compiled.ok) return { ...compiled, files }
  const located = compiled.ok ? [] : await withPositions(compiled.problems, candidates, displayFile)
  return { ok: false, problems: [...problems, ...located], files }
}

interface Candidate {
  readonly name: string
  readonly order: number
  readonly defaultTable: string
  /** Absolute. */
  readonly path: string
}

/** The evaluated files as modules to compile; a file that cannot be one is a problem. */
function toModules(
  candidates: readonly Candidate[],
  evaluated: readonly Evaluation[],
  displayFile: (name: string) => string,
  problems: SchemaProblem[],
): SchemaFileModule[] {
  const modules: SchemaFileModule[] = []
  for (const [index, candidate] of candidates.entries()) {
    const file = displayFile(candidate.name)
    const evaluation = evaluated[index]!
    if (!evaluation.ok) {
      problems.push({
        file,
        message: `The file cannot be evaluated: ${firstLines(evaluation.message)}`,
        hint: 'Fix the syntax or import error in this file.',
        ...(evaluation.at === undefined ? {} : { at: evaluation.at }),
      })
      continue
    }
    const { exports } = evaluation
    const tableName = exports.tableName ?? candidate.defaultTable
    if (typeof tableName !== 'string' || tableName === '') {
      problems.push({
        file,
        message: 'The tableName export is not a non-empty string.',
        hint: "Export the table name as a string: export const tableName = 'posts'.",
      })
      continue
    }
    if (typeof exports.build !== 'function') {
      problems.push({
        file,
        table: tableName,
        message: 'The file does not export a build function.',
        hint: 'Add: export function build(t: TableSchema): void { … }',
      })
      continue
    }
    modules.push({
      path: file,
      tableName,
      order: candidate.order,
      build: exports.build as (t: TableSchema) => void,
    })
  }
  return modules
}

/**
 * The compiler's problems, each with `at`: the line and column of the builder call at fault.
 * Only a schema with problems pays for it: its files run again, bundled with a source map,
 * through a compiler that records call sites, and each problem takes the position of the
 * same problem in that second run (same files, same builds: the same problems in the same
 * order). A problem of a whole table or file has no call site and gets no position.
 */
async function withPositions(
  problems: readonly SchemaProblem[],
  candidates: readonly Candidate[],
  displayFile: (name: string) => string,
): Promise<SchemaProblem[]> {
  const evaluated = await evaluateSchemaFiles(
    candidates.map((candidate) => candidate.path),
    { sourceMap: true },
  )
  const traced = createSchemaCompiler({ callSites: true }).compile(
    toModules(candidates, evaluated, displayFile, []),
  )
  const tracedProblems = traced.ok ? [] : traced.problems
  // A compiler the caller made with callSites: true leaves its sites on: they stay inside.
  if (tracedProblems.length !== problems.length) return problems.map(withoutSite)
  const locators = new Map<string, { path: string; locate: Locate }>()
  for (const [index, candidate] of candidates.entries()) {
    const evaluation = evaluated[index]!
    if (evaluation.ok && evaluation.locate) {
      locators.set(displayFile(candidate.name), { path: candidate.path, locate: evaluation.locate })
    }
  }
  return problems.map((original, index) => {
    const problem = withoutSite(original)
    const { site, ...twin } = tracedProblems[index]!
    const same =
      twin.file === problem.file && twin.message === problem.message && twin.table === problem.table
    const file = locators.get(problem.file)
    const at = same && site && file ? file.locate(site, file.path) : undefined
    return at === undefined ? problem : { ...problem, at }
  })
}

function withoutSite(problem: SchemaProblem): SchemaProblem {
  if (problem.site === undefined) return problem
  const { site: _, ...rest } = problem
  return rest
}

/**
 * Every file's exports, evaluated afresh in one batch; with a cache, only the files whose text
 * changed since the last call are evaluated.
 */
async function evaluateAll(
  paths: readonly string[],
  cache: SchemaModuleCache | undefined,
): Promise<Evaluation[]> {
  if (cache === undefined) return evaluateSchemaFiles(paths)
  // Read synchronously: for a few hundred small files, 3 ms instead of 20-40 ms of fs/promises round trips.
  const sources = paths.map((path) => readFileSync(path, 'utf8'))
  const stale = paths.flatMap((path, i) => (cache.get(path)?.source === sources[i] ? [] : [i]))
  const fresh = await evaluateSchemaFiles(stale.map((i) => paths[i]!))
  const results = paths.map(
    (path): Evaluation => ({ ok: true, exports: cache.get(path)?.exports ?? {} }),
  )
  for (const [n, i] of stale.entries()) {
    const evaluation = fresh[n]!
    results[i] = evaluation
    if (evaluation.ok) cache.set(paths[i]!, { source: sources[i]!, exports: evaluation.exports })
    else cache.delete(paths[i]!)
  }
  return results
}

/** The error message without any stack, shortened to the part a person reads. */
function firstLines(message: string): string {
  return message
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^\s+at /.test(line))
    .slice(0, 6)
    .join('\n  ')
}
