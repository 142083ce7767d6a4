import { type ChildProcess, spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { waitFor } from '../plugin/support/wait-for.ts'

/**
 * The README's main command as a user types it, `npm run dev -- --port N` at the repository
 * root with DATABASE_URL unset: the playground on embedded PGlite answers on that port.
 */
const root = resolve(import.meta.dirname, '../..')
let dev: ChildProcess | undefined
afterAll(() => {
  // npm → vite: the whole process group goes.
  if (dev?.pid !== undefined) process.kill(-dev.pid, 'SIGTERM')
})

const freePort = () =>
  new Promise<number>((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => done(port))
    })
  })

it('npm run dev -- --port N serves the playground on PGlite at that port', async () => {
  const port = await freePort()
  const env = { ...process.env }
  delete env.DATABASE_URL
  dev = spawn('npm', ['run', 'dev', '--', '--port', String(port), '--strictPort'], {
    cwd: root,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  dev.stdout?.on('data', (chunk) => {
    output += chunk
  })
  dev.stderr?.on('data', (chunk) => {
    output += chunk
  })
  await waitFor(
    `the playground on port ${port}`,
    () => (output.includes(`http://localhost:${port}/`) ? true : undefined),
    150_000,
  )
  expect(output).toContain('starting the dev database: embedded PGlite')
  const page = await waitFor(
    'the first page',
    async () => {
      const response = await fetch(`http://localhost:${port}/`)
      return response.ok ? response.text() : undefined
    },
    150_000,
  )
  expect(page).toContain('<html')
  expect(output).toMatch(/dev database ready \(PGlite, \d+\.\d s\)/)
})
