/**
 * How many instructions a node process executes, for (k): `perf stat -e instructions:u`
 * when the machine has hardware counters (fast), else valgrind's callgrind (about 50x
 * slower, but exact: virtual machines often have no counters), else the reason why neither.
 */
import { spawn, spawnSync } from 'node:child_process'

export interface InstructionCounter {
  readonly name: string
  /** Instructions (user space) a node process running `args` executed. */
  count(args: readonly string[]): Promise<number>
}

// V8's predictable mode (one thread, no timers deciding when to collect or compile) and
// fixed seeds: two identical runs then differ by a few thousand instructions in billions.
const NODE = [process.execPath, '--predictable', '--hash-seed=1', '--random-seed=1']

export function instructionCounter(): InstructionCounter | string {
  const perf = spawnSync('perf', ['stat', '-x', ',', '-e', 'instructions:u', 'true'], {
    encoding: 'utf8',
  })
  if (perf.status === 0 && /^\d+,/m.test(perf.stderr)) {
    return {
      name: '`perf stat -e instructions:u`',
      count: (args) =>
        counted('perf', ['stat', '-x', ',', '-e', 'instructions:u', ...NODE, ...args], /^(\d+),/m),
    }
  }
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    return 'perf has no instructions counter here and valgrind is not installed'
  }
  return {
    name: "valgrind's callgrind (perf has no hardware counter in this VM)",
    count: (args) =>
      counted(
        'valgrind',
        ['--tool=callgrind', '--callgrind-out-file=/dev/null', ...NODE, ...args],
        /Collected : (\d+)/,
      ),
  }
}

/** Runs the command and reads the count its standard error reports. */
function counted(command: string, args: readonly string[], pattern: RegExp): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.setEncoding('utf8').on('data', (data: string) => {
      stderr += data
    })
    child.on('error', reject)
    child.on('close', (status) => {
      const match = pattern.exec(stderr)
      if (status === 0 && match) resolve(Number(match[1]))
      else reject(new Error(`${command} failed (${status}):\n${stderr.slice(-2000)}`))
    })
  })
}
