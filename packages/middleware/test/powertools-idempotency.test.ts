// Powertools for AWS Lambda Idempotency on the pooled client, against private redis-servers (standalone and a
// 3-master cluster): its CachePersistenceLayer calls node-redis' `set(key, value, { EX, NX })`, which the pooled
// ioredis client answers with `ERR syntax error`; through powertoolsCacheClient the idempotent handler runs once
// and the repeat is answered from the cache.
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency'
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import { type RedisCluster, type RedisProcess, startCluster, startRedis } from '@cubewalk/redis-harness'
import middy from '@middy/core'
import type { Context } from 'aws-lambda'
import type { Cluster, Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  closeRedisPool,
  getRedisClient,
  jsonResponse,
  powertoolsCacheClient,
  type RedisPoolContext,
  type RedisPoolOptions,
  redisPool,
} from '../src/index.js'
import { lambdaContext } from './support/lambda-context.js'

let server: RedisProcess
let cluster: RedisCluster

beforeAll(async () => {
  ;[server, cluster] = await Promise.all([startRedis(), startCluster(3)])
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await Promise.all([server?.stop(), cluster?.stop()])
})

const standalone = (): RedisPoolOptions => ({ url: server.url, disablePrefetch: true })
const clustered = (): RedisPoolOptions => ({
  host: cluster.startupNodes[0]?.host as string,
  port: cluster.startupNodes[0]?.port as number,
  cluster: true,
  disablePrefetch: true,
})

interface Order {
  orderId: string
  amount: number
}

/** An idempotent "charge" whose side effect is counted, wired as the Powertools docs show for makeIdempotent. */
const chargeWith = (persistenceStore: CachePersistenceLayer) => {
  const charges: Order[] = []
  const handler = makeIdempotent(
    async (event: Order, _context: Context) => {
      charges.push(event)
      return { charged: event.amount, receipt: `receipt-${charges.length}` }
    },
    {
      persistenceStore,
      keyPrefix: 'cubewalk-test',
      config: new IdempotencyConfig({ eventKeyJmesPath: 'orderId', expiresAfterSeconds: 60 }),
    },
  )
  return { handler, charges }
}

describe.each([
  ['standalone', standalone],
  ['cluster', clustered],
])('Powertools idempotency on the pooled client (%s)', (_mode, options) => {
  it('fails with the pooled ioredis client as it is (why the adapter exists)', async () => {
    const client = getRedisClient(options())
    const { handler, charges } = chargeWith(new CachePersistenceLayer({ client: client as never }))
    const failure = await handler({ orderId: 'raw-1', amount: 5 }, lambdaContext()).catch(
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(Error)
    const causes: string[] = []
    for (let error: unknown = failure; error instanceof Error; error = error.cause) causes.push(error.message)
    expect(causes.join(' | ')).toMatch(/ERR syntax error/)
    expect(charges).toEqual([])
  })

  it('runs the handler once per payload; the repeat is answered from Redis', async () => {
    const { handler, charges } = chargeWith(
      new CachePersistenceLayer({ client: powertoolsCacheClient(() => getRedisClient(options())) }),
    )
    const first = await handler({ orderId: 'order-1', amount: 42 }, lambdaContext())
    const repeat = await handler({ orderId: 'order-1', amount: 42 }, lambdaContext())
    const other = await handler({ orderId: 'order-2', amount: 7 }, lambdaContext())

    expect(first).toEqual({ charged: 42, receipt: 'receipt-1' })
    expect(repeat).toEqual(first)
    expect(other).toEqual({ charged: 7, receipt: 'receipt-2' })
    expect(charges).toEqual([
      { orderId: 'order-1', amount: 42 },
      { orderId: 'order-2', amount: 7 },
    ])

    // The record is in Redis, completed, with the TTL Powertools asked for (EX reached the server).
    const client = getRedisClient(options())
    const keys = (
      await Promise.all(
        (client.isCluster ? (client as Cluster).nodes('master') : [client as Redis]).map((node) =>
          node.keys('cubewalk-test#*'),
        ),
      )
    ).flat()
    expect(keys).toHaveLength(2)
    for (const key of keys) {
      const ttl = await client.ttl(key)
      expect(ttl).toBeGreaterThan(0)
      // Powertools counts the expiry from the start of the second; 61 when the second turned in between.
      expect(ttl).toBeLessThanOrEqual(61)
      expect(JSON.parse((await client.get(key)) as string)).toMatchObject({ status: 'COMPLETED' })
    }
  })

  it('works as middy middleware used before jsonResponse: the repeat gets the same proxy response', async () => {
    const persistenceStore = new CachePersistenceLayer({
      client: powertoolsCacheClient(() => getRedisClient(options())),
    })
    type PooledContext = Context & RedisPoolContext<'redis', Redis | Cluster>
    const invoke = (body: string) => lambda({ body }, lambdaContext() as PooledContext)
    let processed = 0
    let failNext = false
    // Idempotency first: its `before` answers a repeat early (middy then skips every `after`), and its `after`
    // runs last, so what it stores is the proxy response jsonResponse shaped, and a repeat gets exactly that.
    const lambda = middy<{ body: string }, unknown, Error, PooledContext>()
      .use(
        makeHandlerIdempotent({
          persistenceStore,
          keyPrefix: 'cubewalk-test-middy',
          config: new IdempotencyConfig({ eventKeyJmesPath: 'body' }),
        }),
      )
      .use(jsonResponse({ logger: () => {} }))
      .use(redisPool(options()))
      .handler(async (event, context) => {
        processed += 1
        if (failNext) {
          failNext = false
          throw new Error('payment provider down')
        }
        const total = await context.redis.incrby(`cubewalk-test:{totals}:${event.body}`, 10)
        return { total }
      })

    const first = await invoke('payment-1')
    const repeat = await invoke('payment-1')
    expect(first).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: '{"total":10}',
    })
    expect(repeat).toEqual(first)
    expect(processed).toBe(1)
    expect(await getRedisClient(options()).get('cubewalk-test:{totals}:payment-1')).toBe('10')

    // A failed request is not remembered (Powertools' onError deletes its record): the retry is processed.
    failNext = true
    expect(await invoke('payment-2')).toMatchObject({ statusCode: 500 })
    expect(await invoke('payment-2')).toMatchObject({ statusCode: 200, body: '{"total":10}' })
    expect(processed).toBe(3)
  })
})

describe('powertoolsCacheClient', () => {
  it('maps node-redis set options to SET arguments: NX refuses an existing key, XX an absent one', async () => {
    const cache = powertoolsCacheClient(getRedisClient(standalone()))
    expect(await cache.set('cubewalk-test:nx', 'a', { EX: 30, NX: true })).toBe('OK')
    expect(await cache.set('cubewalk-test:nx', 'b', { EX: 30, NX: true })).toBeNull()
    expect(await cache.get('cubewalk-test:nx')).toBe('a')
    expect(await cache.set('cubewalk-test:xx', 'c', { XX: true })).toBeNull()
    expect(await cache.set('cubewalk-test:nx', 'd', { PX: 20_000, XX: true })).toBe('OK')
    expect(await server.cli('PTTL', 'cubewalk-test:nx')).toMatch(/^(1\d{4}|20000)$/)
    expect(await cache.set('cubewalk-test:plain', new TextEncoder().encode('bytes'))).toBe('OK')
    expect(await server.cli('GET', 'cubewalk-test:plain')).toBe('bytes')
    expect(await cache.del(['cubewalk-test:nx', 'cubewalk-test:plain', 'cubewalk-test:absent'])).toBe(2)
    expect(await cache.del([])).toBe(0)
  })

  it('rejects what it cannot map instead of sending it', async () => {
    const cache = powertoolsCacheClient(getRedisClient(standalone()))
    await expect(cache.set('k', 'v', { KEEPTTL: true })).rejects.toThrow('unsupported set option "KEEPTTL"')
    await expect(cache.set('k', 'v', { EX: 0 })).rejects.toThrow('EX must be a positive integer, got 0')
    await expect(cache.set('k', 'v', { NX: 'yes' })).rejects.toThrow('NX must be a boolean')
    await expect(cache.set('k', 'v', 'EX')).rejects.toThrow('set options must be an object')
    await expect(cache.set('k', { not: 'bytes' })).rejects.toThrow('set value must be a string or bytes')
    expect(() => powertoolsCacheClient(undefined as never)).toThrow('needs an ioredis client')
    expect(await server.cli('EXISTS', 'k')).toBe('0')
  })
})
