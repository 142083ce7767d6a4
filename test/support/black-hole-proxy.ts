import net from 'node:net'
import { DATABASE_URL } from './backends.ts'

/**
 * A TCP proxy on loopback in front of the test server, whose network can fail the ways a
 * real one does:
 * - `blackHole()`: nothing gets through either way, and nothing is closed (no FIN, no RST),
 *   as when a link or a VM goes silent. New connections are accepted and never answered.
 *   What is sent meanwhile is held, as TCP retransmission would, and `resume()` delivers it.
 * - `reset()`: every connection is reset (the client reads ECONNRESET).
 * - `close()`: every connection closed and the port no longer listened on (ECONNREFUSED).
 */
export interface BlackHoleProxy {
  /** The target's URL (DATABASE_URL by default) with the proxy's host and port. */
  readonly url: string
  blackHole(): void
  resume(): void
  reset(): void
  close(): Promise<void>
}

interface Pair {
  readonly client: net.Socket
  server: net.Socket | undefined
  /** Bytes held while black-holed, each way. */
  readonly toServer: Buffer[]
  readonly toClient: Buffer[]
  clientClosed: boolean
  serverClosed: boolean
}

export async function startBlackHoleProxy(targetUrl = DATABASE_URL): Promise<BlackHoleProxy> {
  const target = new URL(targetUrl)
  const pairs = new Set<Pair>()
  let holed = false

  const connectUpstream = (pair: Pair) => {
    const server = net.connect(Number(target.port || 5432), target.hostname)
    pair.server = server
    server.on('error', () => undefined)
    server.on('data', (chunk) => {
      if (holed) pair.toClient.push(chunk)
      else pair.client.write(chunk)
    })
    server.on('close', () => {
      pair.serverClosed = true
      if (!holed) pair.client.destroy()
    })
    for (const chunk of pair.toServer.splice(0)) server.write(chunk)
  }

  const listener = net.createServer((client) => {
    const pair: Pair = {
      client,
      server: undefined,
      toServer: [],
      toClient: [],
      clientClosed: false,
      serverClosed: false,
    }
    pairs.add(pair)
    client.on('error', () => undefined)
    client.on('data', (chunk) => {
      if (holed || !pair.server) pair.toServer.push(chunk)
      else pair.server.write(chunk)
    })
    client.on('close', () => {
      pair.clientClosed = true
      if (holed) return
      pair.server?.destroy()
      pairs.delete(pair)
    })
    if (!holed) connectUpstream(pair)
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const { port } = listener.address() as net.AddressInfo
  const url = new URL(targetUrl)
  url.hostname = '127.0.0.1'
  url.port = String(port)

  return {
    url: url.toString(),
    blackHole() {
      holed = true
    },
    resume() {
      holed = false
      for (const pair of [...pairs]) {
        if (pair.clientClosed) {
          pair.server?.destroy()
          pairs.delete(pair)
          continue
        }
        if (!pair.server) {
          connectUpstream(pair)
          continue
        }
        for (const chunk of pair.toServer.splice(0)) pair.server.write(chunk)
        for (const chunk of pair.toClient.splice(0)) pair.client.write(chunk)
        if (pair.serverClosed) pair.client.destroy()
      }
    },
    reset() {
      for (const pair of pairs) {
        pair.client.resetAndDestroy()
        pair.server?.destroy()
      }
    },
    async close() {
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()))
      for (const pair of pairs) {
        pair.client.destroy()
        pair.server?.destroy()
      }
      await closed
    },
  }
}
