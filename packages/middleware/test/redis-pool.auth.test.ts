// Passwords and password providers (the shape of ElastiCache IAM auth: a short-lived token per connection).
// The provider runs on every (re)connect, so a reconnect after CLIENT KILL or a token rotation uses a fresh one.
import { connectedClients, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, getRedisClient, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'
import { trackUnhandledRejections } from './support/unhandled-rejections.js'

const adminPassword = 'admin-pass-not-secret'
let server: RedisProcess
/** redis-cli as the default user (the server requires a password). */
const admin = {
  cli: (...args: string[]): Promise<string> => server.cli('-a', adminPassword, '--no-auth-warning', ...args),
}

beforeAll(async () => {
  server = await startRedis({ args: ['--requirepass', adminPassword] })
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await server?.stop()
})

const unavailable = { statusCode: 503, body: { message: 'Service Unavailable' } }
const lastCause = (): unknown => (errorLogs.at(-1)?.error as { cause?: unknown } | undefined)?.cause
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

describe('redisPool: passwords', () => {
  it('authenticates with a static password (requirepass)', async () => {
    const invoke = lambdaWith(redisPool({ url: server.url, password: adminPassword }), async (_e, context) =>
      context.redis.call('ACL', 'WHOAMI'),
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'default' })
  })

  it('answers 503 for a wrong password, without retrying forever', async () => {
    const rejections = trackUnhandledRejections()
    const invoke = lambdaWith(
      redisPool({ url: server.url, password: 'wrong-pass-not-secret', disablePrefetch: true }),
      async (_e, context) => context.redis.ping(),
    )
    const result = await invoke()
    expect(result).toMatchObject(unavailable)
    expect(result.ms).toBeLessThan(1000)
    expect(lastCause()).toMatchObject({ message: expect.stringMatching(/^WRONGPASS/) })
    await sleep(100)
    expect(rejections.stop()).toEqual([])
  })
})

describe('redisPool: password provider', () => {
  it('is called on every (re)connect and keeps working after CLIENT KILL', async () => {
    let calls = 0
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        password: async () => {
          calls += 1
          await sleep(5)
          return adminPassword
        },
      }),
      async (_e, context) => context.redis.incr('a3:n'),
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 1 })
    expect(calls).toBe(1)
    // Warm invocations reuse the authenticated connection: no provider call.
    for (let i = 2; i <= 10; i++) expect(await invoke()).toMatchObject({ statusCode: 200, body: i })
    expect(calls).toBe(1)

    for (let round = 1; round <= 3; round++) {
      expect(Number(await admin.cli('CLIENT', 'KILL', 'TYPE', 'normal'))).toBe(1)
      expect(await invoke()).toMatchObject({ statusCode: 200, body: 10 + round })
      expect(calls).toBe(1 + round)
    }
    await vi.waitFor(async () => expect(await connectedClients(admin)).toBe(1), { timeout: 3000 })
  })

  it('picks up a rotated token on reconnect (ACL user, like ElastiCache IAM auth)', async () => {
    await admin.cli('ACL', 'SETUSER', 'a4-app', 'on', 'resetpass', '>token-1-not-secret', '~a4:*', '+@all')
    let token = 'token-1-not-secret'
    const tokensUsed: string[] = []
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        username: 'a4-app',
        password: () => {
          tokensUsed.push(token)
          return token
        },
      }),
      async (_e, context) => {
        await context.redis.set('a4:key', 'v')
        return context.redis.call('ACL', 'WHOAMI')
      },
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'a4-app' })

    // Rotate: the server now accepts only the new token; the open connection stays authenticated.
    token = 'token-2-not-secret'
    await admin.cli('ACL', 'SETUSER', 'a4-app', 'resetpass', '>token-2-not-secret')
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'a4-app' })
    await admin.cli('CLIENT', 'KILL', 'USER', 'a4-app')
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'a4-app' })
    expect(tokensUsed).toEqual(['token-1-not-secret', 'token-2-not-secret'])
    await admin.cli('ACL', 'DELUSER', 'a4-app')
  })

  it('a failing provider gives 503 with its error as cause; the next invocation retries it', async () => {
    const rejections = trackUnhandledRejections()
    let fail = true
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        disablePrefetch: true,
        password: async () => {
          if (fail) throw new Error('credentials endpoint unreachable')
          return adminPassword
        },
      }),
      async (_e, context) => context.redis.ping(),
    )
    const failed = await invoke()
    expect(failed).toMatchObject(unavailable)
    expect(failed.ms).toBeLessThan(1000)
    expect(lastCause()).toMatchObject({ message: 'credentials endpoint unreachable' })
    fail = false
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'PONG' })
    await sleep(100)
    expect(rejections.stop()).toEqual([])
  })

  it('a provider slower than the budget gives 503 in time and opens no socket', async () => {
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        disablePrefetch: true,
        password: () => sleep(2000).then(() => adminPassword),
      }),
      async (_e, context) => context.redis.ping(),
    )
    const result = await invoke(300)
    expect(result).toMatchObject(unavailable)
    expect(result.ms).toBeLessThan(300 - 10)
    await closeRedisPool()
    await sleep(100)
    expect(await connectedClients(admin)).toBe(0)
  })

  it('closing the pool while the provider runs leaves no connection behind', async () => {
    let release: (() => void) | undefined
    const client = getRedisClient({
      url: server.url,
      password: () =>
        new Promise<string>((resolve) => {
          release = () => resolve(adminPassword)
        }),
    })
    await vi.waitFor(() => expect(release).toBeDefined())
    await closeRedisPool()
    release?.()
    await sleep(200)
    expect(client.status).toBe('end')
    expect(await connectedClients(admin)).toBe(0)
  })
})
