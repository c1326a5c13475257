// Redis going away: killed, hung, or dropping the idle connection. The invocation must answer 503 quickly (never
// hang until the Lambda timeout), leave no unhandled rejection, and the same process must recover by itself.
import { connectedClients, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { startTcpProxy } from './support/tcp-proxy.js'
import { trackUnhandledRejections } from './support/unhandled-rejections.js'

const unavailable = { statusCode: 503, body: { message: 'Service Unavailable' } }

let server: RedisProcess

beforeAll(async () => {
  server = await startRedis()
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await server?.stop()
})

/** Lets late timers and rejections fire before the unhandled-rejection check. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 100))

/** Runs `body` with the server killed, then restarts it and checks nothing was left unhandled. */
const withServerDown = async (body: () => Promise<void>): Promise<void> => {
  const rejections = trackUnhandledRejections()
  await server.kill()
  try {
    await body()
  } finally {
    await server.restart()
    await settle()
    expect(rejections.stop()).toEqual([])
  }
}

describe('redisPool: Redis killed', () => {
  it('answers 503 within 1 s (defaults) and before the remaining time runs out; recovers after a restart', async () => {
    const rejections = trackUnhandledRejections()
    const clients: Redis[] = []
    const invoke = lambdaWith(redisPool({ url: server.url }), async (_event, context) => {
      clients.push(context.redis)
      return { n: await context.redis.incr('f1:n') }
    })
    try {
      expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 1 } })

      await server.kill()
      // At once, while the client may not have noticed the closed socket yet, and then again later.
      const down = [await invoke(), await invoke(300), await invoke(), await invoke(300)]
      for (const result of down) expect(result).toMatchObject(unavailable)
      expect(down[0]?.ms).toBeLessThan(1000)
      expect(down[1]?.ms).toBeLessThan(300 - 10)
      expect(down[2]?.ms).toBeLessThan(1000)
      expect(down[3]?.ms).toBeLessThan(300 - 10)

      await server.restart()
      // The next invocation in the same process succeeds (the data is gone: the server keeps nothing on disk).
      expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 1 } })
      expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 2 } })
      await vi.waitFor(async () => expect(await connectedClients(server)).toBe(1), { timeout: 3000 })
      await settle()
    } finally {
      expect(rejections.stop()).toEqual([])
    }
  })

  it('answers 503 fast on a cold start against a dead endpoint', () =>
    withServerDown(async () => {
      const invoke = lambdaWith(
        redisPool({ url: server.url, disablePrefetch: true }),
        async (_event, context) => context.redis.get('f2:any'),
      )
      const cold = await invoke()
      expect(cold).toMatchObject(unavailable)
      expect(cold.ms).toBeLessThan(1000)
      const short = await invoke(300)
      expect(short).toMatchObject(unavailable)
      expect(short.ms).toBeLessThan(300 - 10)
    }))
})

describe('redisPool: Redis hung (SIGSTOP: connections accepted, nothing answered)', () => {
  it('answers 503 within 1 s (defaults) and before the remaining time runs out; recovers on SIGCONT', async () => {
    const rejections = trackUnhandledRejections()
    const invoke = lambdaWith(redisPool({ url: server.url }), async (_event, context) =>
      context.redis.set('f3:key', 'v'),
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'OK' })
    const pid = server.pid
    if (pid === undefined) throw new Error('no redis-server pid')
    process.kill(pid, 'SIGSTOP')
    try {
      const warmHung = await invoke()
      expect(warmHung).toMatchObject(unavailable)
      expect(warmHung.ms).toBeLessThan(1000)
      const warmShort = await invoke(300)
      expect(warmShort).toMatchObject(unavailable)
      expect(warmShort.ms).toBeLessThan(300 - 10)

      // Cold: a brand-new client connects (the kernel accepts) but never gets an answer.
      await closeRedisPool()
      const coldHung = await invoke()
      expect(coldHung).toMatchObject(unavailable)
      expect(coldHung.ms).toBeLessThan(1000)
      const coldShort = await invoke(300)
      expect(coldShort).toMatchObject(unavailable)
      expect(coldShort.ms).toBeLessThan(300 - 10)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await vi.waitFor(async () => expect(await invoke()).toMatchObject({ statusCode: 200, body: 'OK' }), {
      timeout: 5000,
      interval: 50,
    })
    await settle()
    expect(rejections.stop()).toEqual([])
  })
})

describe('redisPool: idle connection killed by the server (CLIENT KILL, as after a Lambda freeze)', () => {
  it('the next invocation succeeds on the same client object, without error', async () => {
    const clients = new Set<Redis>()
    const invoke = lambdaWith(redisPool({ url: server.url }), async (_event, context) => {
      clients.add(context.redis)
      return context.redis.incr('f4:n')
    })
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 1 })
    for (let round = 2; round <= 6; round++) {
      const killed = await server.cli('CLIENT', 'KILL', 'TYPE', 'normal')
      expect(Number(killed)).toBe(1)
      // Straight away (the close may not have reached the client yet) and after it surely has.
      if (round % 2 === 0) await new Promise((resolve) => setTimeout(resolve, 50))
      const next = await invoke()
      expect(next).toMatchObject({ statusCode: 200, body: round })
      expect(next.ms).toBeLessThan(500)
    }
    expect(clients.size).toBe(1)
    await vi.waitFor(async () => expect(await connectedClients(server)).toBe(1), { timeout: 3000 })
  })
})

describe('redisPool: connection silently dropped (no FIN, no RST: a NAT or a frozen network path forgot it)', () => {
  it('the invocation that meets it answers 503 in time; the next one gets a fresh connection', async () => {
    const rejections = trackUnhandledRejections()
    const path = await startTcpProxy(server.port)
    try {
      const clients = new Set<Redis>()
      const invoke = lambdaWith(
        redisPool({ url: `redis://127.0.0.1:${path.port}` }),
        async (_event, context) => {
          clients.add(context.redis)
          return context.redis.incr('f5:n')
        },
      )
      expect(await invoke()).toMatchObject({ statusCode: 200, body: 1 })
      path.blackholeOpenConnections()
      const hit = await invoke()
      expect(hit).toMatchObject(unavailable)
      expect(hit.ms).toBeLessThan(1000)
      // The timed-out command's connection was replaced at once: no waiting for TCP to give up on it.
      const next = await invoke()
      expect(next.statusCode).toBe(200)
      expect(clients.size).toBe(1)
      expect(path.upstreams).toEqual([server.port, server.port])
      await settle()
    } finally {
      await closeRedisPool()
      await path.close()
      expect(rejections.stop()).toEqual([])
    }
  })
})

describe('redisPool: awaitConnection: false', () => {
  /** Checks its input before it touches Redis, as the blocks API does. */
  const validatingHandler = async (event: unknown, context: { redis: Redis }) => {
    const key = (event as { key?: unknown }).key
    if (typeof key !== 'string') {
      throw Object.assign(new Error('key must be a string'), { statusCode: 400, expose: true })
    }
    return { value: await context.redis.get(key) }
  }

  it('lets bad input answer 4xx at once while Redis is down, and Redis work 503 fast', () =>
    withServerDown(async () => {
      const invoke = lambdaWith(
        redisPool({ url: server.url, disablePrefetch: true, awaitConnection: false }),
        validatingHandler,
      )
      const bad = await invoke(6000, {})
      expect(bad).toMatchObject({ statusCode: 400, body: { message: 'key must be a string' } })
      expect(bad.ms).toBeLessThan(100)
      const cold = await invoke(6000, { key: 'f9:any' })
      expect(cold).toMatchObject(unavailable)
      expect(cold.ms).toBeLessThan(1000)
      const short = await invoke(300, { key: 'f9:any' })
      expect(short).toMatchObject(unavailable)
      expect(short.ms).toBeLessThan(300 - 10)
      expect(await invoke(6000, {})).toMatchObject({ statusCode: 400 })
    }))

  it('still serves the first command of a cold start (it waits for the connection), then stays warm', async () => {
    const rejections = trackUnhandledRejections()
    try {
      const invoke = lambdaWith(
        redisPool({ url: server.url, disablePrefetch: true, awaitConnection: false }),
        async (_event, context) => ({ n: await context.redis.incr('f10:n') }),
      )
      expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 1 } })
      expect(await invoke()).toMatchObject({ statusCode: 200, body: { n: 2 } })
      await vi.waitFor(async () => expect(await connectedClients(server)).toBe(1), { timeout: 3000 })
      await settle()
    } finally {
      expect(rejections.stop()).toEqual([])
    }
  })
})
