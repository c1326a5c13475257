// How redisPool reads its options: the url's parts (IPv6 brackets, percent-encoded credentials, a database path),
// the defaults, TLS from the url or the option, cluster seeds, the registry key (an endpoint and a user, never a
// secret), and the exact message of each range check. option-errors.test.ts has the other configuration errors.
import { describe, expect, it } from 'vitest'
import { RedisPoolConfigError, resolveRedisPoolConfig } from '../src/redis-pool/options.js'

const resolve = (options: object) => resolveRedisPoolConfig(options as never)

const failure = (options: object): Error => {
  try {
    resolve(options)
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a configuration error')
}

describe('resolveRedisPoolConfig: the url', () => {
  it('rediss:// with an IPv6 host, a port, encoded credentials and a database', () => {
    const config = resolve({ url: 'rediss://iam%40user:p%3Ass@[::1]:6380/12' })
    expect(config).toMatchObject({
      host: '::1',
      port: 6380,
      username: 'iam@user',
      password: 'p:ss',
      db: 12,
      tls: {},
      cluster: false,
      key: 'standalone|tls|iam%40user@[::1]:6380/12',
    })
  })

  it('redis:// with a host only: default port and database, no TLS, no credentials', () => {
    const config = resolve({ url: 'redis://cache.example' })
    expect(config).toMatchObject({
      host: 'cache.example',
      port: 6379,
      db: 0,
      key: 'standalone|tcp|@cache.example:6379/0',
    })
    expect(config.tls).toBeUndefined()
    expect(config.username).toBeUndefined()
    expect(config.password).toBeUndefined()
  })

  it('a user without a password in the url is refused; a password alone is the default user', () => {
    expect(failure({ url: 'redis://someone@cache.example' }).message).toBe(
      'redisPool: username needs a password (or a password provider)',
    )
    expect(resolve({ url: 'redis://:only-secret@cache.example' })).toMatchObject({ password: 'only-secret' })
    expect(resolve({ url: 'redis://:only-secret@cache.example' }).username).toBeUndefined()
  })

  it('options win over the url', () => {
    const config = resolve({ url: 'redis://a.example:7000/2', host: 'b.example', port: 7001, db: 3 })
    expect(config).toMatchObject({ host: 'b.example', port: 7001, db: 3 })
  })

  it.each([
    ['http://cache.example', 'url must start with redis:// or rediss://, not http://'],
    ['redis://cache.example/x3', 'the url path must be a database number'],
    ['redis://cache.example/3x', 'the url path must be a database number'],
    ['redis://cache.example/3/4', 'the url path must be a database number'],
  ])('%s: %s', (url, message) => {
    const error = failure({ url })
    expect(error).toBeInstanceOf(RedisPoolConfigError)
    expect(error.name).toBe('RedisPoolConfigError')
    expect(error.message).toBe(`redisPool: ${message}`)
  })
})

describe('resolveRedisPoolConfig: TLS', () => {
  it.each([
    ['tls: true', { host: 'h', tls: true }, {}],
    ['tls: false', { host: 'h', tls: false }, undefined],
    ['no tls', { host: 'h' }, undefined],
    ['tls: null (as if unset)', { host: 'h', tls: null }, undefined],
    ['rediss://', { url: 'rediss://h' }, {}],
    [
      'rediss:// with options',
      { url: 'rediss://h', tls: { servername: 'sni.example' } },
      { servername: 'sni.example' },
    ],
  ])('%s', (_name, options, tls) => {
    expect(resolve(options).tls).toEqual(tls)
  })

  it('copies the TLS options it is given', () => {
    const tls = { servername: 'sni.example' }
    const resolved = resolve({ host: 'h', tls }).tls
    expect(resolved).toEqual(tls)
    expect(resolved).not.toBe(tls)
  })

  it('tls: false with a rediss:// url is a contradiction', () => {
    expect(failure({ url: 'rediss://h', tls: false }).message).toBe(
      'redisPool: tls: false contradicts a rediss:// url',
    )
  })
})

describe('resolveRedisPoolConfig: cluster seeds and the registry key', () => {
  it('dedupes the seeds, brackets IPv6 hosts, and keys the cluster by its sorted seeds', () => {
    const config = resolve({
      host: '::1',
      port: 7000,
      cluster: true,
      nodes: [
        { host: 'b.example', port: 7001 },
        { host: '::1', port: 7000 },
        { host: 'a.example', port: 7002 },
      ],
    })
    expect(config.nodes).toEqual([
      { host: '::1', port: 7000 },
      { host: 'b.example', port: 7001 },
      { host: 'a.example', port: 7002 },
    ])
    expect(config.key).toBe('cluster|tcp|@[::1]:7000,a.example:7002,b.example:7001')
  })

  it('keys by endpoint, database, TLS and user, never by password', () => {
    const key = (options: object) => resolve({ host: 'h', ...options }).key
    expect(key({ username: 'u', password: 'secret-one' })).toBe('standalone|tcp|u@h:6379/0')
    expect(key({ username: 'u', password: 'secret-two' })).toBe('standalone|tcp|u@h:6379/0')
    expect(key({ tls: true, db: 2 })).toBe('standalone|tls|@h:6379/2')
  })

  it.each([
    [
      'nodes outside cluster mode',
      { host: 'h', nodes: [{ host: 'n', port: 1 }] },
      'nodes is for cluster mode only',
    ],
    ['a null seed node', { host: 'h', cluster: true, nodes: [null] }, 'every node needs a host'],
    ['a database in cluster mode', { host: 'h', cluster: true, db: 1 }, 'Redis Cluster has only database 0'],
  ])('%s', (_name, options, message) => {
    expect(failure(options).message).toBe(`redisPool: ${message}`)
  })
})

describe('resolveRedisPoolConfig: ranges', () => {
  it.each([
    [{ host: '' }, 'set url (redis:// or rediss://) or host; neither was given'],
    [{ port: 1 }, 'set url (redis:// or rediss://) or host; neither was given'],
    [{ host: 'h', port: 0 }, 'port must be an integer in 1..65535, got 0'],
    [{ host: 'h', port: 65536 }, 'port must be an integer in 1..65535, got 65536'],
    [{ host: 'h', port: 6379.5 }, 'port must be an integer in 1..65535, got 6379.5'],
    [
      { host: 'h', cluster: true, nodes: [{ host: 'n', port: 0 }] },
      'port must be an integer in 1..65535, got 0',
    ],
    [{ host: 'h', connectTimeout: 0 }, 'connectTimeout must be an integer ≥ 1, got 0'],
    [{ host: 'h', redisOptions: { connectTimeout: 0.5 } }, 'connectTimeout must be an integer ≥ 1, got 0.5'],
    [{ host: 'h', commandTimeout: 0 }, 'commandTimeout must be an integer ≥ 1, got 0'],
    [{ host: 'h', timeoutMargin: -1 }, 'timeoutMargin must be an integer ≥ 0, got -1'],
    [{ host: 'h', reconnectAttempts: Number.NaN }, 'reconnectAttempts must be an integer ≥ 0, got NaN'],
    ['redis://h', 'options must be an object with at least url or host'],
  ])('%j: %s', (options, message) => {
    expect(failure(options as object).message).toBe(`redisPool: ${message}`)
  })

  it('accepts the edges of each range', () => {
    expect(resolve({ host: 'h', port: 1 }).port).toBe(1)
    expect(resolve({ host: 'h', port: 65535 }).port).toBe(65535)
    expect(
      resolve({ host: 'h', connectTimeout: 1, commandTimeout: 1, timeoutMargin: 0, reconnectAttempts: 0 }),
    ).toMatchObject({ connectTimeout: 1, commandTimeout: 1, timeoutMargin: 0, reconnectAttempts: 0 })
  })

  it("takes the escape hatch's timeouts when the options have none, and the defaults otherwise", () => {
    expect(resolve({ host: 'h', redisOptions: { connectTimeout: 900, commandTimeout: 800 } })).toMatchObject({
      connectTimeout: 900,
      commandTimeout: 800,
    })
    expect(resolve({ host: 'h' })).toMatchObject({
      connectTimeout: 500,
      commandTimeout: 500,
      timeoutMargin: 50,
      reconnectAttempts: 2,
      contextKey: 'redis',
      disablePrefetch: false,
      awaitConnection: true,
    })
  })

  it.each([1, 2_147_483_647])('a password provider re-authenticating after %i ms', (after) => {
    const password = Object.assign(async () => 'token', { reauthenticateAfterMs: after })
    expect(resolve({ host: 'h', password }).password).toBe(password)
  })

  it.each([0, -1, 1.5, 2_147_483_648])(
    'a password provider re-authenticating after %d ms is refused',
    (after) => {
      const password = Object.assign(async () => 'token', { reauthenticateAfterMs: after })
      expect(failure({ host: 'h', password }).message).toBe(
        `redisPool: password.reauthenticateAfterMs must be an integer from 1 to 2147483647 ms, got ${after}`,
      )
    },
  )
})
