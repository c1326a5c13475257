// Redis goes away and comes back while the Lambda stays warm: a fast 503 JSON while it is down, success again
// in the same process once it is back. A private redis-server, because this test kills it.
import { closeRedisPool } from '@cubewalk/middleware'
import { freePort, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { jsonBody, responseHeader } from './support/events.js'

let server: RedisProcess
let handler: BlocksHandler
// jsonResponse logs each 5xx cause as one JSON line; collected here instead of cluttering the test output.
const logged: string[] = []

beforeAll(async () => {
  server = await startRedis()
  handler = blocksHandler(server.url, {}, { logger: (entry) => void logged.push(JSON.stringify(entry)) })
})
afterAll(async () => {
  await closeRedisPool()
  await server?.stop()
})

const chunk = '/cubewalkblocks/down-w/chunks/0,0,0'

// Generous for a loaded 2-core machine; the pool's own budgets are 500 ms to connect and 500 ms per command.
const fastMs = 2500

const timed = async <T>(action: () => Promise<T>): Promise<[T, number]> => {
  const start = performance.now()
  const result = await action()
  return [result, performance.now() - start]
}

describe('Redis down and back', () => {
  it('answers 503 JSON fast while Redis is down, then succeeds again in the same process', async () => {
    const written = await call(handler, 'PUT', chunk, jsonBody({ blocks: chunkBase64(() => 1) }))
    expect(written.statusCode).toBe(200)

    await server.kill()
    logged.length = 0
    for (const request of [
      () => call(handler, 'GET', chunk),
      () => call(handler, 'PATCH', chunk, jsonBody({ set: [{ x: 0, y: 0, z: 0, block: 2 }] })),
      () => call(handler, 'GET', '/cubewalkblocks', { headers: { Origin: 'https://game.example' } }),
    ]) {
      const [response, ms] = await timed(request)
      expect(response.statusCode).toBe(503)
      expect(response.json).toEqual({ message: 'Service Unavailable' })
      expect(responseHeader(response, 'content-type')).toBe('application/json')
      expect(ms).toBeLessThan(fastMs)
    }
    // The client sees only "Service Unavailable"; the log has the cause and the request id.
    expect(logged).toHaveLength(3)
    for (const line of logged) {
      expect(JSON.parse(line)).toMatchObject({
        statusCode: 503,
        awsRequestId: expect.any(String),
      })
    }

    await server.restart()
    // The restarted server is empty (no persistence): the world must come back into the list with its first chunk.
    const again = await call(handler, 'PUT', chunk, jsonBody({ blocks: chunkBase64(() => 3) }))
    expect(again.statusCode).toBe(200)
    const read = await call(handler, 'GET', chunk)
    expect(read.statusCode).toBe(200)
    expect(read.json?.blocks).toBe(chunkBase64(() => 3))
    expect((await call(handler, 'GET', '/cubewalkblocks')).json?.worlds).toEqual(['down-w'])
  })

  it('answers bad input with its 4xx at once while Redis is down, never 503', async () => {
    const dead = blocksHandler(`redis://127.0.0.1:${await freePort()}`, {}, { logger: () => {} })
    const cases: Array<[() => ReturnType<typeof call>, number]> = [
      [() => call(dead, 'GET', '/cubewalkblocks/Bad_World/chunks/0,0,0'), 400],
      [() => call(dead, 'GET', '/cubewalkblocks/down-w/chunks/1,2'), 400],
      [() => call(dead, 'GET', '/cubewalkblocks/down-w/chunks', { query: { at: 'nope' } }), 400],
      [() => call(dead, 'GET', '/nowhere'), 404],
      [() => call(dead, 'POST', chunk), 405],
      [() => call(dead, 'PUT', chunk, { body: 'blocks', headers: { 'Content-Type': 'text/plain' } }), 415],
      [
        () =>
          call(dead, 'PATCH', chunk, { body: '{"set": [', headers: { 'Content-Type': 'application/json' } }),
        400,
      ],
    ]
    for (const [request, status] of cases) {
      const [response, ms] = await timed(request)
      expect(response.statusCode).toBe(status)
      expect(typeof response.json?.message).toBe('string')
      // Nothing waited on the connection (the pool's budgets are 500 ms).
      expect(ms).toBeLessThan(400)
    }
  })

  it('answers 503 JSON fast when Redis was never reachable (cold start against a dead endpoint)', async () => {
    const dead = blocksHandler(`redis://127.0.0.1:${await freePort()}`, {}, { logger: () => {} })
    const [response, ms] = await timed(() => call(dead, 'GET', chunk))
    expect(response.statusCode).toBe(503)
    expect(response.json).toEqual({ message: 'Service Unavailable' })
    expect(ms).toBeLessThan(fastMs)
  })
})
