import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  BytesBlob,
  pgliteArtifacts,
  pgliteVersion,
} from '../../packages/unplugin/src/sql-files/pglite-files.ts'

const dist = dirname(
  createRequire(join(import.meta.dirname, '../../packages/unplugin/package.json')).resolve(
    '@electric-sql/pglite',
  ),
)

// The typing database hands these to PGlite.create so the WASM compiles while PGlite's module
// loads; a PGlite that moved its files would silently get nothing here, and start slower.
describe("the typing database's PGlite files", () => {
  it('compiles the installed WASM and reads the whole file-system bundle', async () => {
    const { pgliteWasmModule, fsBundle } = await pgliteArtifacts()
    expect(pgliteWasmModule).toBeInstanceOf(WebAssembly.Module)
    expect(WebAssembly.Module.exports(pgliteWasmModule!).length).toBeGreaterThan(100)
    const bundle = new Uint8Array(await fsBundle!.arrayBuffer())
    expect(bundle.byteLength).toBe(statSync(join(dist, 'pglite.data')).size)
    expect(Buffer.from(bundle).equals(readFileSync(join(dist, 'pglite.data')))).toBe(true)
  })

  it('gives every start a bundle of its own', async () => {
    // PGlite's file system keeps views into the bundle and writes through them.
    const [first, second] = await Promise.all([pgliteArtifacts(), pgliteArtifacts()])
    const third = await pgliteArtifacts()
    const buffers = await Promise.all(
      [first, second, third].map((artifacts) => artifacts.fsBundle!.arrayBuffer()),
    )
    expect(new Set(buffers).size).toBe(3)
    const file = readFileSync(join(dist, 'pglite.data'))
    for (const buffer of buffers) expect(Buffer.from(buffer).equals(file)).toBe(true)
  })

  it('compiles once per process', async () => {
    const [first, second] = await Promise.all([pgliteArtifacts(), pgliteArtifacts()])
    expect(second.pgliteWasmModule).toBe(first.pgliteWasmModule)
    expect((await pgliteArtifacts()).pgliteWasmModule).toBe(first.pgliteWasmModule)
  })

  it('reads the version of the PGlite it compiled', () => {
    const manifest = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8'))
    expect(pgliteVersion()).toBe(manifest.version)
  })

  it('hands a part of a buffer over as those bytes alone', async () => {
    const bytes = Buffer.from('..abc..').subarray(2, 5)
    const blob = new BytesBlob(bytes, 'application/x-tar')
    expect(blob.size).toBe(3)
    expect(blob.type).toBe('application/x-tar')
    expect(Buffer.from(await blob.arrayBuffer()).toString()).toBe('abc')
  })
})
