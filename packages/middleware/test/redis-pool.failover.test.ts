// Failover of a standalone primary, the way an ElastiCache primary endpoint sees it: the endpoint's DNS name moves
// to the promoted replica, while connections opened before stay on the old primary, which is demoted and answers
// writes with READONLY. A TCP proxy stands for the endpoint name. The pool must reconnect on READONLY (landing on
// the new primary) and lose no write it acknowledged.
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'
import { trackUnhandledRejections } from './support/unhandled-rejections.js'

// Start full syncs at once: the default waits 5 s for more replicas to join.
const replicationArgs = ['--repl-diskless-sync-delay', '0']

let oldPrimary: RedisProcess
let newPrimary: RedisProcess
let endpoint: TcpProxy

const info = async (server: RedisProcess, field: string): Promise<string | undefined> => {
  const text = await server.cli('INFO', 'replication')
  return new RegExp(`^${field}:(.*)$`, 'm').exec(text)?.[1]?.trim()
}

beforeAll(async () => {
  oldPrimary = await startRedis({ args: replicationArgs })
  newPrimary = await startRedis({
    args: [...replicationArgs, '--replicaof', '127.0.0.1', String(oldPrimary.port)],
  })
  await vi.waitFor(async () => expect(await info(newPrimary, 'master_link_status')).toBe('up'), {
    timeout: 10_000,
    interval: 50,
  })
  endpoint = await startTcpProxy(oldPrimary.port)
})

afterAll(async () => {
  await closeRedisPool()
  await endpoint?.close()
  await Promise.all([oldPrimary?.stop(), newPrimary?.stop()])
})

describe('redisPool: failover (READONLY)', () => {
  it('reconnects to the new primary on READONLY and every acknowledged write is readable there', async () => {
    const rejections = trackUnhandledRejections()
    const clients = new Set<Redis>()
    // Budget for a failover in progress; real ElastiCache failovers take seconds, this one well under one.
    const invoke = lambdaWith(
      redisPool({ url: `redis://127.0.0.1:${endpoint.port}`, commandTimeout: 3000 }),
      async (event, context) => {
        clients.add(context.redis)
        const { i } = event as { i: number }
        return context.redis.set(`fo:${i}`, String(i))
      },
    )

    const acknowledged: number[] = []
    const failed: Array<{ i: number; statusCode: number }> = []
    let running = true
    let inFlight = 0
    const writer = (async () => {
      for (let i = 1; running; i++) {
        inFlight = i
        const result = await invoke(10_000, { i })
        if (result.statusCode === 200 && result.body === 'OK') acknowledged.push(i)
        else failed.push({ i, statusCode: result.statusCode })
      }
    })()
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

    try {
      await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThan(50), { timeout: 5000 })

      // 1. Stop accepting writes on the old primary (they block, as during a planned failover) and let the
      //    writer get one write stuck there.
      await oldPrimary.cli('CLIENT', 'PAUSE', '10000', 'WRITE')
      const stuck = inFlight
      await sleep(100)
      expect(acknowledged).not.toContain(stuck)
      // 2. Wait until the replica has everything the old primary acknowledged.
      await vi.waitFor(
        async () => {
          const [primaryOffset, replicaOffset] = await Promise.all([
            info(oldPrimary, 'master_repl_offset'),
            info(newPrimary, 'slave_repl_offset'),
          ])
          expect(replicaOffset).toBe(primaryOffset)
        },
        { timeout: 5000, interval: 20 },
      )
      // 3. Promote the replica, move the endpoint name to it, demote the old primary, then let the paused write
      //    run: on a replica now, it gets READONLY.
      await newPrimary.cli('REPLICAOF', 'NO', 'ONE')
      endpoint.retarget(newPrimary.port)
      await oldPrimary.cli('REPLICAOF', '127.0.0.1', String(newPrimary.port))
      await oldPrimary.cli('CLIENT', 'UNPAUSE')

      await vi.waitFor(() => expect(acknowledged).toContain(stuck), { timeout: 5000 })
      const afterFailover = acknowledged.length
      await vi.waitFor(() => expect(acknowledged.length).toBeGreaterThan(afterFailover + 50), {
        timeout: 5000,
      })
    } finally {
      running = false
      await writer
    }

    // The stuck write met READONLY on the old primary...
    const errorstats = await oldPrimary.cli('INFO', 'errorstats')
    expect(Number(/errorstat_READONLY:count=(\d+)/.exec(errorstats)?.[1] ?? 0)).toBeGreaterThanOrEqual(1)
    // ...the same client reconnected through the endpoint, which now leads to the new primary...
    expect(clients.size).toBe(1)
    expect(endpoint.upstreams[0]).toBe(oldPrimary.port)
    expect(endpoint.upstreams.at(-1)).toBe(newPrimary.port)
    // ...and no invocation failed: the READONLY write was sent again on the new connection.
    expect(failed).toEqual([])

    // Every acknowledged write is on the new primary.
    const direct = new Redis({ port: newPrimary.port, lazyConnect: true })
    try {
      const values = await direct.mget(acknowledged.map((i) => `fo:${i}`))
      const missing = acknowledged.filter((i, index) => values[index] !== String(i))
      expect(missing).toEqual([])
    } finally {
      direct.disconnect()
    }
    expect(rejections.stop()).toEqual([])
  })
})
