// Round trips counted at the server (MONITOR), for the client the blocks Lambda pools.
import { closeRedisPool } from '@cubewalk/middleware'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { jsonBody, lambdaContext } from './support/events.js'
import { type CommandRecorder, commandRecorder } from './support/monitor.js'
import { uniqueWorldPrefix } from './support/worlds.js'

const prefix = uniqueWorldPrefix('rt')
const world = `${prefix}-w`
let handler: BlocksHandler
let recorder: CommandRecorder
let client: Redis | undefined

beforeAll(async () => {
  handler = blocksHandler(inject('redisUrl'))
  recorder = await commandRecorder(inject('redisUrl'))
})
afterAll(async () => {
  await recorder.close()
  await closeRedisPool()
})

/** The pooled client's address as MONITOR prints it (ip:port of its socket). */
const handlerAddress = (): string => {
  const stream = (client as unknown as { stream: { localAddress: string; localPort: number } }).stream
  return `${stream.localAddress}:${stream.localPort}`
}

/** Invokes the handler and returns the commands its Redis connection sent for that one request. */
const commandsOf = async (method: string, path: string, init: Parameters<typeof call>[3] = {}) => {
  const context = lambdaContext()
  let status = 0
  const commands = await recorder.record(handlerAddress, async () => {
    status = (await call(handler, method, path, init, context)).statusCode
  })
  client = (context as unknown as { redis: Redis }).redis
  return { status, names: commands.map((c) => c.args[0]?.toLowerCase()) }
}

const chunk = (at: string) => `/cubewalkblocks/${world}/chunks/${at}`

describe('round trips per request', () => {
  beforeAll(async () => {
    // Creates the pooled client and writes the world's first chunk (and learns the client's address).
    const context = lambdaContext()
    await call(handler, 'PUT', chunk('0,0,0'), jsonBody({ blocks: chunkBase64() }), context)
    client = (context as unknown as { redis: Redis }).redis
    for (let i = 0; i < 64; i += 2)
      await call(handler, 'PUT', chunk(`${i},0,0`), jsonBody({ blocks: chunkBase64() }))
  })

  it('single chunk read: 1 (HMGET)', async () => {
    expect(await commandsOf('GET', chunk('0,0,0'))).toEqual({ status: 200, names: ['hmget'] })
  })

  it('batch read of 64 chunks: 1 (one script)', async () => {
    const at = Array.from({ length: 64 }, (_, i) => `${i},0,0`).join(';')
    const { status, names } = await commandsOf('GET', `/cubewalkblocks/${world}/chunks`, { query: { at } })
    expect(status).toBe(200)
    expect(names).toHaveLength(1)
    expect(['eval', 'evalsha']).toContain(names[0])
  })

  it('PUT with If-Match: 1 (one script)', async () => {
    const read = await call(handler, 'GET', chunk('0,0,0'))
    const { status, names } = await commandsOf('PUT', chunk('0,0,0'), {
      ...jsonBody({ blocks: chunkBase64(() => 1) }),
      headers: { 'Content-Type': 'application/json', 'If-Match': String(read.headers.ETag) },
    })
    expect(status).toBe(200)
    expect(names).toEqual(['evalsha'])
  })

  it('PATCH of 4096 edits: 1 (one script)', async () => {
    const set = Array.from({ length: 4096 }, (_, i) => ({ x: i % 16, z: (i >> 4) % 16, y: i >> 8, block: 5 }))
    const { status, names } = await commandsOf('PATCH', chunk('1,0,0'), jsonBody({ set }))
    expect(status).toBe(200)
    expect(names).toHaveLength(1)
    expect(['eval', 'evalsha']).toContain(names[0])
  })

  it('DELETE: 1 (one script); a failed precondition is still 1', async () => {
    expect(
      (await commandsOf('DELETE', chunk('1,0,0'), { headers: { 'If-Match': '"999999"' } })).names,
    ).toHaveLength(1)
    const { status, names } = await commandsOf('DELETE', chunk('1,0,0'))
    expect(status).toBe(200)
    expect(names).toHaveLength(1)
  })

  it('first write of this process into a world: SADD to the world list, then the script', async () => {
    const { status, names } = await commandsOf(
      'PUT',
      `/cubewalkblocks/${prefix}-fresh/chunks/0,0,0`,
      jsonBody({ blocks: chunkBase64() }),
    )
    expect(status).toBe(200)
    expect(names[0]).toBe('sadd')
    expect(names).toHaveLength(2)
  })

  it('list worlds: SMEMBERS, then one EXISTS per listed world', async () => {
    const { status, names } = await commandsOf('GET', '/cubewalkblocks')
    expect(status).toBe(200)
    expect(names[0]).toBe('smembers')
    expect(names.slice(1).every((n) => n === 'exists')).toBe(true)
  })

  it('a request that fails validation sends nothing', async () => {
    const { status, names } = await commandsOf('GET', chunk('1,2'))
    expect(status).toBe(400)
    expect(names).toEqual([])
  })

  it('every request reuses the one pooled connection', async () => {
    const contexts = [lambdaContext(), lambdaContext()]
    for (const context of contexts) await call(handler, 'GET', chunk('0,0,0'), {}, context)
    const [a, b] = contexts.map((c) => (c as unknown as { redis: Redis }).redis)
    expect(a).toBe(client)
    expect(b).toBe(client)
  })
})
