// TLS like ElastiCache in-transit encryption: a server that only speaks TLS, with a certificate from a private CA
// generated here. The pool connects only when TLS is on and the CA (and host name) check out.
import { connectedClients, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'
import { createTestCertificates, type TestCertificates } from './support/tls-certs.js'
import { trackUnhandledRejections } from './support/unhandled-rejections.js'

let certs: TestCertificates
let server: RedisProcess

beforeAll(async () => {
  certs = await createTestCertificates()
  server = await startRedis({
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile },
    args: ['--requirepass', 'tls-pass-not-secret'],
  })
})

afterEach(async () => {
  await closeRedisPool()
})

afterAll(async () => {
  await server?.stop()
  certs?.cleanup()
})

const unavailable = { statusCode: 503, body: { message: 'Service Unavailable' } }
const password = 'tls-pass-not-secret'

/** The cause the jsonResponse middleware logged for the last 5xx. */
const lastCause = (): unknown => (errorLogs.at(-1)?.error as { cause?: unknown } | undefined)?.cause

describe('redisPool: TLS', () => {
  it('connects over TLS with a custom CA (rediss:// url)', async () => {
    expect(server.url.startsWith('rediss://')).toBe(true)
    const invoke = lambdaWith(
      redisPool({ url: server.url, password, tls: { ca: certs.ca } }),
      async (_e, context) => context.redis.ping(),
    )
    for (let i = 0; i < 20; i++) expect(await invoke()).toMatchObject({ statusCode: 200, body: 'PONG' })
    const authedCli = { cli: (...args: string[]) => server.cli('-a', password, '--no-auth-warning', ...args) }
    await vi.waitFor(async () => expect(await connectedClients(authedCli)).toBe(1), { timeout: 3000 })
  })

  it('connects with tls: {...} and host/port, checking the certificate against servername', async () => {
    const ok = lambdaWith(
      redisPool({
        host: '127.0.0.1',
        port: server.port,
        password,
        tls: { ca: certs.ca, servername: 'localhost' },
      }),
      async (_e, context) => context.redis.ping(),
    )
    expect(await ok()).toMatchObject({ statusCode: 200, body: 'PONG' })
  })

  it('connects with an async password provider over TLS', async () => {
    let calls = 0
    const invoke = lambdaWith(
      redisPool({
        url: server.url,
        tls: { ca: certs.ca },
        password: async () => {
          calls += 1
          return password
        },
      }),
      async (_e, context) => context.redis.ping(),
    )
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'PONG' })
    expect(await invoke()).toMatchObject({ statusCode: 200, body: 'PONG' })
    expect(calls).toBe(1)
  })

  it('fails with 503 without TLS: the server speaks only TLS', async () => {
    const rejections = trackUnhandledRejections()
    const invoke = lambdaWith(
      redisPool({ url: `redis://127.0.0.1:${server.port}`, password, disablePrefetch: true }),
      async (_e, context) => context.redis.ping(),
    )
    const result = await invoke()
    expect(result).toMatchObject(unavailable)
    expect(result.ms).toBeLessThan(1000)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(rejections.stop()).toEqual([])
  })

  it('fails with 503 when the CA is not trusted or the name does not match', async () => {
    const untrusted = lambdaWith(
      redisPool({ url: server.url, password, disablePrefetch: true }),
      async (_e, c) => c.redis.ping(),
    )
    expect(await untrusted()).toMatchObject(unavailable)
    expect(lastCause()).toMatchObject({ code: expect.stringMatching(/CERT|SELF_SIGNED|VERIFY/) })
    await closeRedisPool()

    const wrongName = lambdaWith(
      redisPool({
        url: server.url,
        password,
        tls: { ca: certs.ca, servername: 'cache.elsewhere.example' },
        disablePrefetch: true,
      }),
      async (_e, c) => c.redis.ping(),
    )
    expect(await wrongName()).toMatchObject(unavailable)
    expect(lastCause()).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
  })
})
