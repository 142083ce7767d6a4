/**
 * Where the benchmark and the database run. On a 2-core machine the scheduler places each
 * PostgreSQL backend either on Node's core or on the other one, and a round trip then costs
 * about 28 µs or about 95 µs: two contenders on two connections could differ 3x by placement
 * alone, and which connection lands where changes from run to run. So, when the server is on
 * this machine, Node (every thread) is pinned to the first core and every backend serving
 * one of this process's connections to the second: each contender pays the same cross-core
 * round trip, as an application pays the network to a database on another host.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import type pg from 'pg'

/**
 * Pins this process to CPU 0 and the backends of its open connections to CPU 1, asking the
 * server (through `client`) which backends those are. Call it once every contender has
 * connected (after the warm-up). Returns the line a section prints about placement, which
 * says why not when it cannot pin: no `taskset`, a server elsewhere or on a Unix socket.
 */
export async function separateCores(client: pg.Pool | pg.ClientBase): Promise<string> {
  const ports = ownTcpPorts()
  const { rows } = await client.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND client_port = ANY($1)",
    [ports],
  )
  const backends = rows.map((row) => row.pid).filter((pid) => isLocalPostgres(pid))
  if (backends.length === 0)
    return 'Placement: not pinned (no backend of this process runs on this machine).'
  try {
    execFileSync('taskset', ['-a', '-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
    for (const pid of backends) {
      execFileSync('taskset', ['-p', '-c', '1', String(pid)], { stdio: 'ignore' })
    }
  } catch (error) {
    return `Placement: not pinned (taskset failed: ${(error as Error).message.split('\n')[0]}).`
  }
  return `Placement: Node on CPU 0, the ${backends.length} PostgreSQL backends of the contenders on CPU 1 (taskset), so every contender pays the same cross-core round trip.`
}

/** Local ports of this process's TCP sockets: its fds' socket inodes, found in /proc/net/tcp*. */
function ownTcpPorts(): number[] {
  const inodes = new Set<string>()
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))
      if (match) inodes.add(match[1]!)
    } catch {
      // closed between readdir and readlink
    }
  }
  const ports: number[] = []
  for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
    let lines: string[]
    try {
      lines = readFileSync(table, 'utf8').split('\n').slice(1)
    } catch {
      continue
    }
    for (const line of lines) {
      const fields = line.trim().split(/\s+/)
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      if (fields.length > 9 && inodes.has(fields[9]!)) {
        ports.push(Number.parseInt(fields[1]!.split(':')[1]!, 16))
      }
    }
  }
  return ports
}

function isLocalPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('postgres')
  } catch {
    return false
  }
}
