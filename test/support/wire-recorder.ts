import net from 'node:net'
import { DATABASE_URL } from './backends.ts'

/**
 * A TCP proxy on loopback in front of the test server that reads what clients send: the
 * type of every frontend message after the startup packet (`P` Parse, `B` Bind, `D`
 * Describe, `E` Execute, `S` Sync, `C` Close, `Q` simple query, …), in order, over all
 * connections. It only reads; every byte is forwarded as it came.
 */
export interface WireRecorder {
  /** The target's URL with the proxy's host and port. */
  readonly url: string
  /** Message types sent so far, e.g. `['P', 'B', 'D', 'E', 'S']`. */
  readonly sent: string[]
  close(): Promise<void>
}

/** Splits a client's stream into messages; the first one (startup) has no type byte. */
function messageReader(onType: (type: string) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0)
  let started = false
  return (chunk) => {
    pending = Buffer.concat([pending, chunk])
    for (;;) {
      const header = started ? 5 : 4
      if (pending.length < header) return
      const length = started ? pending.readInt32BE(1) + 1 : pending.readInt32BE(0)
      if (pending.length < length) return
      if (started) onType(String.fromCharCode(pending[0]!))
      started = true
      pending = pending.subarray(length)
    }
  }
}

export async function startWireRecorder(targetUrl = DATABASE_URL): Promise<WireRecorder> {
  const target = new URL(targetUrl)
  const sent: string[] = []
  const sockets = new Set<net.Socket>()
  const listener = net.createServer((client) => {
    const server = net.connect(Number(target.port || 5432), target.hostname)
    sockets.add(client).add(server)
    const read = messageReader((type) => sent.push(type))
    client.on('data', (chunk) => {
      read(chunk)
      server.write(chunk)
    })
    server.on('data', (chunk) => client.write(chunk))
    for (const [a, b] of [
      [client, server],
      [server, client],
    ] as const) {
      a.on('error', () => undefined)
      a.on('close', () => {
        sockets.delete(a)
        b.destroy()
      })
    }
  })
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve))
  const url = new URL(targetUrl)
  url.hostname = '127.0.0.1'
  url.port = String((listener.address() as net.AddressInfo).port)
  return {
    url: url.toString(),
    sent,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy()
        listener.close(() => resolve())
      }),
  }
}
