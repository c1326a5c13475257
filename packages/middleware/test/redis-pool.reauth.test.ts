// ElastiCache closes an IAM-authenticated connection 12 hours after it authenticated; the pool sends AUTH with a
// fresh token on the live connection before that. Redis cannot check an IAM token, so here the token *is* the
// user's password: the test signs with a clock it moves, and rotates the user's password to each new token
// (ACL SETUSER ... >new, then <old) while requests keep flowing. Every request must succeed on one and the same
// connection, and each AUTH must have used the token the server expected (no failed AUTH in ACL LOG).
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import type { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { elastiCacheIamAuth } from '../src/elasticache-iam.js'
import {
  closeRedisPool,
  getRedisClient,
  isRedisUnavailableError,
  RedisPoolConfigError,
} from '../src/redis-pool.js'

const user = 'cubewalk-iam-user'
const credentials = {
  accessKeyId: 'AKIDEXAMPLENOTSECRET',
  secretAccessKey: 'test-secret-not-secret',
  sessionToken: 'test-session-not-secret',
}
const reauthenticateAfterMs = 150

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

const authCalls = async (): Promise<number> =>
  Number(/cmdstat_auth:calls=(\d+)/.exec(await server.cli('INFO', 'commandstats'))?.[1] ?? 0)

const failedAuths = async (): Promise<string> => {
  const log = await server.cli('ACL', 'LOG')
  return log.includes('auth') ? log : ''
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Sends a command every few ms until `stop` resolves; every failure is kept. */
const keepRequesting = (client: Redis, stop: Promise<void>) => {
  const failures: unknown[] = []
  const ids = new Set<number>()
  let requests = 0
  let running = true
  void stop.then(() => {
    running = false
  })
  const done = (async () => {
    while (running) {
      try {
        await client.incr('reauth:counter')
        ids.add(Number(await client.client('ID')))
        requests += 1
      } catch (error) {
        failures.push(error)
      }
      await sleep(5)
    }
  })()
  return { done, failures, ids, requests: () => requests }
}

describe('redisPool with elastiCacheIamAuth: re-authentication of live connections', () => {
  it('sends AUTH with each fresh token on the same connection while the password rotates; no request fails', async () => {
    let clock = Date.parse('2026-03-04T05:06:07Z')
    const options = { cacheName: 'cubewalk-cache', userId: user, region: 'eu-west-1', credentials }
    const provider = elastiCacheIamAuth({ ...options, reauthenticateAfterMs, now: () => new Date(clock) })
    /** The token the provider will sign at `ms` (signing is deterministic for a date and credentials). */
    const tokenAt = (ms: number) => elastiCacheIamAuth({ ...options, now: () => new Date(ms) })()
    const firstToken = await provider()
    await server.cli('ACL', 'SETUSER', user, 'reset', 'on', `>${firstToken}`, '~*', '&*', '+@all')
    await server.cli('ACL', 'LOG', 'RESET')

    const client = getRedisClient({
      host: server.host,
      port: server.port,
      username: user,
      password: provider,
    })
    expect(await client.ping()).toBe('PONG')
    const connectionId = Number(await client.client('ID'))
    expect(await client.acl('WHOAMI')).toBe(user)
    const authsAtStart = await authCalls()

    let stopRequests!: () => void
    const requests = keepRequesting(
      client as Redis,
      new Promise((resolve) => {
        stopRequests = resolve
      }),
    )
    let previous = firstToken
    for (let rotation = 1; rotation <= 3; rotation++) {
      // Ten minutes later the provider signs a new token; the server learns it first (before the provider can hand
      // it to a re-AUTH), then forgets the old one.
      const next = await tokenAt(clock + 10 * 60_000)
      expect(next).not.toBe(previous)
      await server.cli('ACL', 'SETUSER', user, `>${next}`)
      clock += 10 * 60_000
      expect(await provider()).toBe(next)
      const authsBefore = await authCalls()
      // At least one re-authentication with the new token while both are accepted.
      const until = Date.now() + 5_000
      while ((await authCalls()) < authsBefore + 1 && Date.now() < until) await sleep(20)
      await server.cli('ACL', 'SETUSER', user, `<${previous}`)
      previous = next
      await sleep(2 * reauthenticateAfterMs)
    }
    stopRequests()
    await requests.done

    expect(requests.failures).toEqual([])
    expect(requests.requests()).toBeGreaterThan(10)
    expect([...requests.ids]).toEqual([connectionId])
    // Authenticated again and again on the live connection, every time with a token the server accepted.
    expect(await authCalls()).toBeGreaterThanOrEqual(authsAtStart + 3)
    expect(await failedAuths()).toBe('')
    expect(await client.acl('WHOAMI')).toBe(user)
    expect(Number(await client.client('ID'))).toBe(connectionId)
  })

  it('keeps serving when a re-authentication fails, and reports it on the client', async () => {
    let failing = false
    const provider = Object.assign(
      () => {
        if (failing) return Promise.reject(new Error('credentials unavailable'))
        return Promise.resolve('test-password-not-secret')
      },
      { reauthenticateAfterMs },
    )
    await server.cli('ACL', 'SETUSER', user, 'reset', 'on', '>test-password-not-secret', '~*', '&*', '+@all')
    const client = getRedisClient({
      host: server.host,
      port: server.port,
      username: user,
      password: provider,
    })
    expect(await client.ping()).toBe('PONG')
    const connectionId = Number(await client.client('ID'))
    const errors: Error[] = []
    client.on('error', (error: Error) => errors.push(error))
    failing = true
    await sleep(3 * reauthenticateAfterMs)
    expect(errors.map((error) => error.message)).toContain('credentials unavailable')
    expect(await client.incr('reauth:counter')).toBeGreaterThan(0)
    expect(Number(await client.client('ID'))).toBe(connectionId)
  })

  it('tells the provider which password the server refused, at connect and at re-AUTH, and nothing else', async () => {
    // A provider that reuses its password until told it was refused, as elastiCacheIamAuth reuses its token.
    let current = 'test-old-password-not-secret'
    const refused: string[] = []
    const provider = Object.assign(() => current, {
      reauthenticateAfterMs,
      refused: (password: string) => {
        refused.push(password)
        if (password === current) current = 'test-new-password-not-secret'
      },
    })
    await server.cli(
      'ACL',
      'SETUSER',
      user,
      'reset',
      'on',
      '>test-old-password-not-secret',
      '~*',
      '&*',
      '+@all',
    )
    const client = getRedisClient({
      host: server.host,
      port: server.port,
      username: user,
      password: provider,
    })
    client.on('error', () => {})
    expect(await client.ping()).toBe('PONG')
    expect(refused).toEqual([])

    // The server stops accepting the password: the next re-AUTH is refused, the connection stays as it was.
    await server.cli(
      'ACL',
      'SETUSER',
      user,
      'reset',
      'on',
      '>test-new-password-not-secret',
      '~*',
      '&*',
      '+@all',
    )
    const deadline = Date.now() + 5_000
    while (refused.length === 0 && Date.now() < deadline) await sleep(20)
    expect(refused).toEqual(['test-old-password-not-secret'])
    // The next re-AUTH uses the new password and succeeds: no more refusals.
    await sleep(3 * reauthenticateAfterMs)
    expect(refused).toEqual(['test-old-password-not-secret'])

    // At connect: the connection is dropped while the provider hands out a password the server refuses; the
    // reconnect's refusal reaches the provider, whose next password gets the client back by itself.
    current = 'test-stale-password-not-secret'
    await server.cli('CLIENT', 'KILL', 'USER', user)
    // The request that meets the refused reconnect fails (the API's 503); the one after it does not.
    await client.incr('reauth:counter').catch(() => undefined)
    expect(refused).toContain('test-stale-password-not-secret')
    expect(await client.incr('reauth:counter')).toBeGreaterThan(0)
    expect(refused.filter((password) => password === 'test-new-password-not-secret')).toEqual([])
  })

  it('a provider without refused(): a refused password is still a Redis-unavailable error (503), never a TypeError', async () => {
    await server.cli(
      'ACL',
      'SETUSER',
      user,
      'reset',
      'on',
      '>test-right-password-not-secret',
      '~*',
      '&*',
      '+@all',
    )
    const provider = () => 'test-wrong-password-not-secret'
    const client = getRedisClient({
      host: server.host,
      port: server.port,
      username: user,
      password: provider,
    })
    const errors: Error[] = []
    client.on('error', (error: Error) => errors.push(error))
    const failure = await client.ping().then(
      () => undefined,
      (error: unknown) => error,
    )
    expect(isRedisUnavailableError(failure)).toBe(true)
    expect(errors.map((error) => error.message).join('\n')).toContain('WRONGPASS')
    expect(errors.some((error) => error instanceof TypeError)).toBe(false)
  })

  it('calls refused() for WRONGPASS only: an AUTH the server answers with another error leaves the password alone', async () => {
    // No user named: AUTH <password> against a default user without a password answers ERR, not WRONGPASS.
    await server.cli('ACL', 'SETUSER', 'default', 'reset', 'on', 'nopass', '~*', '&*', '+@all')
    const refused: string[] = []
    const provider = Object.assign(() => 'test-any-password-not-secret', {
      refused: (password: string) => refused.push(password),
    })
    const client = getRedisClient({ host: server.host, port: server.port, password: provider })
    client.on('error', () => {})
    await client.ping().catch(() => undefined)
    expect(refused).toEqual([])
  })

  it('rejects a reauthenticateAfterMs setTimeout cannot hold', () => {
    const provider = Object.assign(() => 'test-password-not-secret', { reauthenticateAfterMs: 2 ** 31 })
    expect(() => getRedisClient({ host: server.host, port: server.port, password: provider })).toThrow(
      RedisPoolConfigError,
    )
  })
})
