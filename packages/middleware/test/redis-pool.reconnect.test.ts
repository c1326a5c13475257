// reconnectAttempts is a hard limit, standalone and in cluster mode: a client against an endpoint that accepts
// and drops every connection tries exactly 1 + reconnectAttempts times, then ends (and the next invocation gets a
// fresh client). The cluster client's slot refresh gets at least a second, more when connects may take longer.
import { createServer, type Server, type Socket } from 'node:net'
import type { Cluster, Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, getRedisClient } from '../src/redis-pool.js'

/** A TCP endpoint that accepts every connection and closes it at once, counting them. */
const droppingEndpoint = async (): Promise<{
  port: number
  accepted: () => number
  close: () => Promise<void>
}> => {
  let accepted = 0
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    accepted += 1
    sockets.add(socket)
    socket.destroy()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    accepted: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

let endpoint: Awaited<ReturnType<typeof droppingEndpoint>> | undefined

afterEach(async () => {
  await closeRedisPool()
  await endpoint?.close()
  endpoint = undefined
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('reconnectAttempts', () => {
  it.each([0, 1, 3])('standalone, %i: 1 + that many connections, then the client ends', async (attempts) => {
    endpoint = await droppingEndpoint()
    const client: Redis = getRedisClient({
      host: '127.0.0.1',
      port: endpoint.port,
      reconnectAttempts: attempts,
    })
    client.on('error', () => {})
    await vi.waitFor(() => expect(client.status).toBe('end'), { timeout: 5000 })
    expect(endpoint.accepted()).toBe(1 + attempts)
    // Nothing keeps trying in the background.
    await sleep(300)
    expect(endpoint.accepted()).toBe(1 + attempts)
  })

  it('standalone: the first reconnect is immediate, later ones 50 ms apart each time more', () => {
    endpoint = undefined
    const client: Redis = getRedisClient({
      host: '127.0.0.1',
      port: 1,
      reconnectAttempts: 3,
      disablePrefetch: true,
    })
    const retry = client.options.retryStrategy
    expect([1, 2, 3, 4].map((times) => retry?.(times))).toEqual([0, 50, 100, null])
  })

  it.each([0, 2])(
    'cluster, %i: the client ends after that many retries of the whole cluster',
    async (attempts) => {
      endpoint = await droppingEndpoint()
      const client: Cluster = getRedisClient({
        host: '127.0.0.1',
        port: endpoint.port,
        cluster: true,
        reconnectAttempts: attempts,
      })
      const retry = client.options.clusterRetryStrategy
      expect(Array.from({ length: attempts + 1 }, (_, i) => retry?.(i + 1))).toEqual([
        ...Array.from({ length: attempts }, (_, i) => (i + 1) * 100),
        null,
      ])
      client.on('error', () => {})
      await vi.waitFor(() => expect(client.status).toBe('end'), { timeout: 5000 })
      const afterEnd = endpoint.accepted()
      expect(afterEnd).toBeGreaterThanOrEqual(1 + attempts)
      await sleep(500)
      expect(endpoint.accepted()).toBe(afterEnd)
    },
  )

  it('cluster: the slot refresh gets at least 1 s, and the connect budget when that is longer', () => {
    const short: Cluster = getRedisClient({ host: '127.0.0.1', port: 1, cluster: true, connectTimeout: 300 })
    const long: Cluster = getRedisClient({ host: '127.0.0.2', port: 1, cluster: true, connectTimeout: 2500 })
    expect(short.options.slotsRefreshTimeout).toBe(1000)
    expect(long.options.slotsRefreshTimeout).toBe(2500)
  })
})
