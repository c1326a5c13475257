// The pool's own connector and re-authentication, at their edges: a provider that returns no string, a server
// that answers AUTH with something other than +OK or an error, connection targets from the escape hatch (IP
// family, a client created lazily), and a re-authentication whose provider goes wrong.
import { createServer, type Server } from 'node:net'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, getRedisClient, type RedisPasswordProvider, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'

const password = 'connector-pass-not-secret'
let server: RedisProcess
let fake: Server | undefined

beforeAll(async () => {
  server = await startRedis({ args: ['--requirepass', password] })
})
afterEach(async () => {
  await closeRedisPool()
  await new Promise<void>((resolve) => (fake ? fake.close(() => resolve()) : resolve()))
  fake = undefined
})
afterAll(async () => {
  await server?.stop()
})

const lastCause = (): unknown => (errorLogs.at(-1)?.error as { cause?: unknown } | undefined)?.cause
const ping = async (_event: unknown, context: { redis: Redis }) => context.redis.ping()

/** A TCP server that answers every first line with `reply`, as a broken proxy in front of Redis might. */
const answering = async (reply: string): Promise<number> => {
  fake = createServer((socket) => {
    socket.once('data', () => socket.write(reply))
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => fake?.listen(0, '127.0.0.1', resolve))
  const address = fake.address()
  return typeof address === 'object' && address !== null ? address.port : 0
}

describe('pool connector', () => {
  it('a provider that returns no string: 503, with the reason as cause', async () => {
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        disablePrefetch: true,
        password: (() => 42) as unknown as RedisPasswordProvider,
      }),
      ping,
    )
    expect(await invoke()).toMatchObject({ statusCode: 503 })
    expect(lastCause()).toMatchObject({
      name: 'TypeError',
      message: 'the password provider must return a string',
    })
  })

  it('an AUTH answer that is neither +OK nor an error: 503, quoting the answer', async () => {
    const port = await answering(':1\r\n')
    const invoke = lambdaWith(
      redisPool({ host: '127.0.0.1', port, disablePrefetch: true, password: async () => password }),
      ping,
    )
    expect(await invoke()).toMatchObject({ statusCode: 503 })
    expect(lastCause()).toMatchObject({ name: 'ReplyError', message: 'unexpected AUTH reply :1' })
  })

  it('an AUTH error reply is reported without its leading dash', async () => {
    const invoke = lambdaWith(
      redisPool({ url: server.url, disablePrefetch: true, password: async () => 'wrong-not-secret' }),
      ping,
    )
    expect(await invoke()).toMatchObject({ statusCode: 503 })
    expect(lastCause()).toMatchObject({ name: 'ReplyError', message: expect.stringMatching(/^WRONGPASS /) })
  })

  it('a server that closes the connection during AUTH: 503, the cause says the connection closed', async () => {
    fake = createServer((socket) => {
      socket.once('data', () => socket.destroy())
    })
    await new Promise<void>((resolve) => fake?.listen(0, '127.0.0.1', resolve))
    const address = fake.address()
    const port = typeof address === 'object' && address !== null ? address.port : 0
    const invoke = lambdaWith(
      redisPool({ host: '127.0.0.1', port, disablePrefetch: true, password: async () => password }),
      ping,
    )
    expect(await invoke()).toMatchObject({ statusCode: 503 })
    const causes: string[] = []
    for (let cause = lastCause(); typeof cause === 'object' && cause !== null; ) {
      causes.push(String((cause as { message?: unknown }).message))
      cause = (cause as { cause?: unknown }).cause
    }
    expect(causes).toContain('Connection is closed.')
  })

  it('connects with the IP family given through redisOptions', async () => {
    const invoke = lambdaWith(
      redisPool({
        host: '127.0.0.1',
        port: server.port,
        password: async () => password,
        redisOptions: { family: 4 },
      }),
      ping,
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'PONG' })
  })

  it('connects a client the escape hatch made lazy (lazyConnect) when an invocation needs it', async () => {
    const invoke = lambdaWith(
      redisPool({ url: server.url, password, disablePrefetch: true, redisOptions: { lazyConnect: true } }),
      ping,
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'PONG' })
  })
})

describe('re-authentication whose provider goes wrong', () => {
  it('keeps the connection and reports a provider that returns no string on the client', async () => {
    let calls = 0
    const provider = Object.assign(
      async () => {
        calls += 1
        return (calls === 1 ? password : 42) as string
      },
      { reauthenticateAfterMs: 50 },
    )
    const client: Redis = getRedisClient({ url: server.url, password: provider })
    const errors: Error[] = []
    client.on('error', (error: Error) => errors.push(error))
    expect(await client.ping()).toBe('PONG')
    await vi.waitFor(() => expect(errors.length).toBeGreaterThan(0), { timeout: 3000 })
    expect(errors[0]).toMatchObject({
      name: 'TypeError',
      message: 'the password provider must return a string',
    })
    expect(client.status).toBe('ready')
    expect(await client.ping()).toBe('PONG')
  })
})
