/**
 * The bench's network mode leaves nothing behind: after the work, and after work that
 * throws, no namespace, veth or server of it is left (scripts/bench-netns.sh status). Needs
 * root and PostgreSQL 15's binaries; skipped, saying why, without them. Not to be run while
 * `npm run bench -- j` runs: both use the same namespace name.
 */
import { spawnSync } from 'node:child_process'
import pg from 'pg'
import { describe, expect, test } from 'vitest'
import { NETNS_SCRIPT, withNetworkDatabase } from './network-mode.ts'

const why =
  process.getuid?.() !== 0
    ? 'needs root (ip netns, tc)'
    : spawnSync('ip', ['netns', 'list']).status !== 0
      ? 'ip netns does not work here'
      : undefined

const nothingLeft = () => spawnSync('bash', [NETNS_SCRIPT, 'status']).status === 0

describe.skipIf(why !== undefined)(
  `the bench's network mode${why ? ` (skipped: ${why})` : ''}`,
  () => {
    test('answers across the namespace, then removes the namespace, the veth and the server', async () => {
      const outcome = await withNetworkDatabase(async ({ url }) => {
        expect(nothingLeft()).toBe(false)
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        try {
          return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one
        } finally {
          await client.end()
        }
      })
      expect(outcome).toBe(1)
      expect(nothingLeft()).toBe(true)
    })

    test('cleans up when the work throws, and the error reaches the caller', async () => {
      await expect(
        withNetworkDatabase(async () => {
          throw new Error('the work failed')
        }),
      ).rejects.toThrow('the work failed')
      expect(nothingLeft()).toBe(true)
    })
  },
)
