import { readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { nativeImport } from '../native-import.ts'

/**
 * The installed PGlite's `dist` folder (where its WASM and file-system bundle lie), resolved
 * as `import('@electric-sql/pglite')` from this package resolves it; null when not installed.
 */
function pgliteDist(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'))
  } catch {
    return null
  }
}

/** PGlite's module, loaded by Node itself (never through a Vite module runner). */
export function loadPglite(): Promise<typeof import('@electric-sql/pglite')> {
  return nativeImport('@electric-sql/pglite') as Promise<typeof import('@electric-sql/pglite')>
}

let version: string | undefined

/** The installed PGlite's version: a data directory is only loaded by the version that wrote it. */
export function pgliteVersion(): string {
  if (version !== undefined) return version
  const dist = pgliteDist()
  try {
    const manifest =
      dist === null ? null : readFileSync(join(dirname(dist), 'package.json'), 'utf8')
    version = manifest === null ? 'unknown' : String(JSON.parse(manifest).version)
  } catch {
    version = 'unknown'
  }
  return version
}

/** What `PGlite.create` takes instead of reading and compiling its own files. */
export interface PgliteArtifacts {
  readonly pgliteWasmModule?: WebAssembly.Module
  /** The same module under PGlite 0.3's name for it (a version ignores the name it lacks). */
  readonly wasmModule?: WebAssembly.Module
  readonly fsBundle?: Blob
}

/** Compiled once per process, as PGlite keeps its own compile when it makes it. */
let artifacts: Promise<{ module: WebAssembly.Module; bundle: Uint8Array } | null> | undefined
/** The bundle read with the compile, not yet handed over. */
let unread: Uint8Array | null = null

/**
 * PGlite's WASM, compiled, and its file-system bundle, read, started before PGlite's module is
 * imported: PGlite reads and compiles them only once its module has loaded and `create` runs,
 * while the compile (on V8's background threads) can overlap the import (measured: a start
 * from a kept data directory about a tenth sooner). Resolves to nothing for a PGlite without
 * these files, which then reads its own; a create given them that fails is tried without.
 *
 * Each call gets a bundle of its own: PGlite's file system keeps views into the bytes it is
 * given and writes through them. The first is the one read with the compile, handed over as
 * is; a later one (a start tried again, a second database) reads the file anew, which is
 * cheaper than a copy made in advance (6 MB: 16–23 ms on this machine, on every start).
 */
export async function pgliteArtifacts(): Promise<PgliteArtifacts> {
  artifacts ??= readArtifacts().then((found) => {
    unread = found?.bundle ?? null
    return found
  })
  const found = await artifacts
  if (found === null) return {}
  let bundle = unread
  unread = null
  bundle ??= await readFile(join(pgliteDist() ?? '', 'pglite.data')).catch(() => null)
  if (bundle === null) return {}
  return {
    pgliteWasmModule: found.module,
    wasmModule: found.module,
    fsBundle: new BytesBlob(bundle, 'application/octet-stream'),
  }
}

async function readArtifacts(): Promise<{ module: WebAssembly.Module; bundle: Uint8Array } | null> {
  const dist = pgliteDist()
  if (dist === null) return null
  const [module, bundle] = await Promise.all([
    readFile(join(dist, 'pglite.wasm')).then(
      (bytes) => WebAssembly.compile(bytes),
      () => undefined,
    ),
    readFile(join(dist, 'pglite.data')).catch(() => undefined),
  ])
  return module === undefined || bundle === undefined ? null : { module, bundle }
}

/**
 * Bytes as PGlite's `loadDataDir` and `fsBundle` take them. PGlite reads them with
 * `arrayBuffer()`, which Node's own Blob answers by copying its parts through a stream in
 * small chunks (for the megabytes of a data directory, a good part of the load); this one
 * hands over its bytes at once, without a copy when they are a whole buffer: a blob is for
 * one reader (PGlite reads each once per start).
 */
export class BytesBlob extends Blob {
  readonly #bytes: Uint8Array

  constructor(bytes: Uint8Array, type: string) {
    super([], { type })
    this.#bytes = bytes
  }

  override get size(): number {
    return this.#bytes.byteLength
  }

  override arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.#bytes
    const whole = byteOffset === 0 && byteLength === buffer.byteLength
    return Promise.resolve(
      (whole ? buffer : buffer.slice(byteOffset, byteOffset + byteLength)) as ArrayBuffer,
    )
  }
}
