// Cluster mode against a local 3-master Redis Cluster: one Cluster client per process, commands on every shard.
import { connectedClients, type RedisCluster, startCluster } from '@cubewalk/redis-harness'
import type { Cluster } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, getRedisClient, redisPool } from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { trackUnhandledRejections } from './support/unhandled-rejections.js'

let cluster: RedisCluster

beforeAll(async () => {
  cluster = await startCluster(3)
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await cluster?.stop()
})

const seed = (): string => `redis://127.0.0.1:${cluster.nodes[0]?.port}`

describe('redisPool: cluster mode', () => {
  it('serves commands on every shard through one Cluster client reused by every invocation', async () => {
    const clients = new Set<Cluster>()
    const invoke = lambdaWith(redisPool({ url: seed(), cluster: true }), async (event, context) => {
      clients.add(context.redis)
      const { i } = event as { i: number }
      // Different hash tags land in different slots, hence on different masters.
      await context.redis.set(`{c${i}}:value`, String(i))
      return context.redis.get(`{c${i}}:value`)
    })
    for (let i = 0; i < 200; i++) {
      expect(await invoke(6000, { i })).toMatchObject({ statusCode: 200, body: String(i) })
    }
    expect(clients.size).toBe(1)
    const [client] = clients
    expect(client?.status).toBe('ready')
    expect(client?.isCluster).toBe(true)

    // Every master holds some of the keys, and each has exactly one connection from the pool once the
    // transient slot-refresh connections are gone.
    for (const node of cluster.nodes) {
      expect(Number(await node.cli('DBSIZE'))).toBeGreaterThan(0)
    }
    for (const node of cluster.nodes) {
      await vi.waitFor(async () => expect(await connectedClients(node)).toBe(1), { timeout: 5000 })
    }
  })

  it('extra seed nodes name the same cluster endpoint whatever their order', () => {
    const [a, b, c] = cluster.startupNodes
    if (!a || !b || !c) throw new Error('cluster has fewer than 3 nodes')
    const one = getRedisClient({ host: a.host, port: a.port, cluster: true, nodes: [b, c] })
    const two = getRedisClient({ host: a.host, port: a.port, cluster: true, nodes: [c, b] })
    expect(one).toBe(two)
    expect(one.isCluster).toBe(true)
  })

  it('applies the invocation budget to the commands of every node connection', async () => {
    const seen: Array<{ timedOut: number; ms: number }> = []
    const invoke = lambdaWith(redisPool({ url: seed(), cluster: true }), async (_event, context) => {
      // Hash tags spread over the three shards; BLPOP 0 on an empty list: each node is healthy but never answers.
      const started = performance.now()
      const outcomes = await Promise.allSettled(
        [0, 1, 2, 3, 4, 5].map((n) => context.redis.blpop(`{b${n}}:x`, 0)),
      )
      const timedOut = outcomes.filter(
        (outcome) =>
          outcome.status === 'rejected' && (outcome.reason as Error).message === 'Command timed out',
      ).length
      seen.push({ timedOut, ms: performance.now() - started })
      return null
    })
    await invoke(10_000)
    await invoke(300)
    await invoke(10_000)
    expect(seen.map((round) => round.timedOut)).toEqual([6, 6, 6])
    expect(seen[0]?.ms).toBeGreaterThanOrEqual(500)
    expect(seen[1]?.ms).toBeLessThan(300 - 10)
    expect(seen[2]?.ms).toBeGreaterThanOrEqual(500)
  })

  it("gives every node's next connect attempt what is left of a short invocation, and the full budget after", async () => {
    let client: Cluster | undefined
    const invoke = lambdaWith(
      redisPool({ url: seed(), cluster: true, connectTimeout: 800 }),
      async (_e, context) => {
        client = context.redis
        return context.redis.get('{n}:x')
      },
    )
    const budgets = (): number[] => client?.nodes('all').map((node) => node.options.connectTimeout ?? 0) ?? []
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(budgets()).toEqual([800, 800, 800])
    // 300 ms left, less the 50 ms margin: a node reconnecting now must give up in time for the 503.
    expect(await invoke(300)).toMatchObject({ statusCode: 200 })
    for (const ms of budgets()) expect(ms).toBeLessThanOrEqual(250)
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(budgets()).toEqual([800, 800, 800])
  })

  it('gives the nodes a cold client creates during a short invocation what is left of it', async () => {
    let client: Cluster | undefined
    const invoke = lambdaWith(
      redisPool({ url: seed(), cluster: true, connectTimeout: 800, disablePrefetch: true }),
      async (_e, context) => {
        client = context.redis
        return context.redis.get('{n}:x')
      },
    )
    // The nodes are created after the budget was set, as the cluster learns its slots.
    expect(await invoke(600)).toMatchObject({ statusCode: 200 })
    const budgets = client?.nodes('all').map((node) => node.options.connectTimeout ?? 0) ?? []
    expect(budgets).toHaveLength(3)
    for (const ms of budgets) expect(ms).toBeLessThanOrEqual(550)
  })

  it('answers 503 quickly when the whole cluster is unreachable', async () => {
    const rejections = trackUnhandledRejections()
    const invoke = lambdaWith(
      // A seed where nothing listens: the configuration endpoint is down.
      redisPool({ host: '127.0.0.1', port: 1, cluster: true, disablePrefetch: true }),
      async (_event, context) => context.redis.get('{x}:y'),
    )
    const cold = await invoke()
    expect(cold).toMatchObject({ statusCode: 503, body: { message: 'Service Unavailable' } })
    expect(cold.ms).toBeLessThan(1000)
    const short = await invoke(300)
    expect(short).toMatchObject({ statusCode: 503 })
    expect(short.ms).toBeLessThan(300 - 10)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(rejections.stop()).toEqual([])
  })
})
