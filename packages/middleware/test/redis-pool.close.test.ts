// closeRedisPool() on every state a pooled client can be in: ready (QUIT, the commands in flight still get their
// answers), ready but unanswered (QUIT bounded, then the socket is dropped), reconnecting to a dead server, and
// already ended. Each way, the client ends, nothing reconnects afterwards, and the call returns in bounded time.
import { connectedClients, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, getRedisClient, redisPool } from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'

let server: RedisProcess
let proxy: TcpProxy | undefined

beforeAll(async () => {
  server = await startRedis()
})

afterEach(async () => {
  await closeRedisPool()
  await proxy?.close()
  proxy = undefined
})

afterAll(async () => {
  await server?.stop()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

const timed = async (action: () => Promise<void>): Promise<number> => {
  const started = performance.now()
  await action()
  return performance.now() - started
}

const readyClient = async (port: number): Promise<Redis> => {
  const client = getRedisClient({ host: '127.0.0.1', port })
  await client.ping()
  return client
}

describe('closeRedisPool', () => {
  it('QUITs a ready client: a command in flight still gets its answer, then the connection is gone', async () => {
    const client = await readyClient(server.port)
    // BLPOP on an empty list answers null after its timeout: a command the server is still working on.
    const inFlight = client.blpop('close-test:empty', 0.4)
    const ms = await timed(closeRedisPool)
    await expect(inFlight).resolves.toBeNull()
    expect(ms).toBeGreaterThanOrEqual(300)
    expect(client.status).toBe('end')
    await vi.waitFor(async () => expect(await connectedClients(server)).toBe(0))
  })

  it('drops a ready client whose QUIT is never answered after a bounded wait', async () => {
    proxy = await startTcpProxy(server.port)
    const client = await readyClient(proxy.port)
    proxy.blackholeOpenConnections()
    const ms = await timed(closeRedisPool)
    // The bounded wait for QUIT (1 s), not the 200 ms of a client that has no connection.
    expect(ms).toBeGreaterThanOrEqual(900)
    expect(ms).toBeLessThan(3000)
    // The socket is destroyed, not half-closed until ioredis's own 2 s disconnect timeout.
    await vi.waitFor(() => expect(client.status).toBe('end'), { timeout: 500 })
  })

  it('stops a client that is reconnecting to a dead server, and it never reconnects', async () => {
    const dead = await startRedis()
    try {
      const client = getRedisClient({ host: '127.0.0.1', port: dead.port, reconnectAttempts: 1000 })
      await client.ping()
      await dead.kill()
      await vi.waitFor(() => expect(client.status).toBe('reconnecting'))
      const ms = await timed(closeRedisPool)
      expect(ms).toBeLessThan(900)
      // ioredis has no way to end a client between attempts (it emits 'end' only when a socket closes), so its
      // status stays 'reconnecting'; what counts is that its reconnect timer is gone.
      await dead.restart()
      await sleep(500)
      expect(await connectedClients(dead)).toBe(0)
    } finally {
      await dead.stop()
    }
  })

  it('leaves an ended client alone and returns at once; closing twice is fine', async () => {
    const client = await readyClient(server.port)
    client.disconnect()
    await vi.waitFor(() => expect(client.status).toBe('end'))
    const ms = await timed(closeRedisPool)
    expect(ms).toBeLessThan(100)
    await closeRedisPool()
    expect(client.status).toBe('end')
  })

  it('empties the registry: the same options give a new client afterwards', async () => {
    const client = await readyClient(server.port)
    await closeRedisPool()
    const next = await readyClient(server.port)
    expect(next).not.toBe(client)
    expect(next.status).toBe('ready')
  })

  it('during an invocation: a timed-out command after it is still a 503 (no pooled client left to recycle)', async () => {
    const invoke = lambdaWith(redisPool({ url: server.url }), async () => {
      // A graceful shutdown that closes the pool while the invocation still runs.
      await closeRedisPool()
      throw new Error('Command timed out')
    })
    expect(await invoke()).toMatchObject({ statusCode: 503, body: { message: 'Service Unavailable' } })
  })
})
