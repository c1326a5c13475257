// Faults applied to a real local cache (a redis-server behind the cache front), through the dispatcher and
// through the control endpoint the command line serves: what each fault does to a client of the cache, the
// errors for what cannot be done, and an endpoint that answers local tools only and trusts no body.

import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyFault } from '../src/faults/apply-fault.js'
import { sendFault } from '../src/faults/control-client.js'
import { type FaultControl, startFaultControl } from '../src/faults/fault-control.js'
import { FaultError } from '../src/faults/fault-error.js'
import type { CacheShape } from '../src/services/cache-front/cache-template.js'
import { type LocalCache, startLocalCache } from '../src/services/cache-front/local-cache.js'
import { freePort } from '../src/services/redis-server.js'
import { rawClient } from './support/resp-tls-client.js'

/** No TLS and no users: a raw client reaches the front directly. */
const shape: CacheShape = {
  logicalId: 'Cache',
  cacheName: 'fault-cache',
  serverless: false,
  clusterMode: false,
  transitEncryption: false,
  replicas: 0,
  users: [],
}

let cache: LocalCache
let control: FaultControl
const printed: string[] = []

beforeAll(async () => {
  cache = await startLocalCache({
    shape,
    port: await freePort(),
    region: 'us-east-1',
    credentials: { accessKeyId: 'ASIAFAKE', secretAccessKey: 'not-a-secret', sessionToken: 'not-a-secret' },
  })
  control = await startFaultControl({ cache, redisUrl: undefined }, (line) => printed.push(line))
})
afterAll(async () => {
  await control?.close()
  await cache?.stop()
})

const target = () => ({ cache, redisUrl: undefined })

/** The FaultError a fault is refused with. */
const refusal = async (applying: Promise<unknown>): Promise<FaultError> => {
  const error = await applying.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(error instanceof FaultError)) throw new Error(`expected a FaultError, got ${String(error)}`)
  return error
}
const client = () => rawClient(cache.front.port)

const pingMs = async (c: Awaited<ReturnType<typeof client>>): Promise<number> => {
  const began = performance.now()
  expect(await c.send(['PING'])).toEqual(['PONG'])
  return performance.now() - began
}

/** A raw HTTP exchange with the control endpoint, headers as given. */
const post = (
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  method = 'POST',
): Promise<{ status: number; body: Record<string, unknown>; allow: string | undefined }> =>
  new Promise((resolve, reject) => {
    const req = request(new URL(path, control.url), { method, headers }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(text) as Record<string, unknown>,
          allow: res.headers.allow,
        }),
      )
    })
    req.once('error', reject)
    req.end(body)
  })

describe('applyFault on a local cache', () => {
  it('redis:latency delays every command until redis:latency off', async () => {
    const c = await client()
    try {
      const slow = await applyFault(target(), { kind: 'latency', ms: 300 })
      expect(slow.done).toBe('every command reaches Redis 300ms later, until redis:latency off')
      expect(await pingMs(c)).toBeGreaterThanOrEqual(290)
      const off = await applyFault(target(), { kind: 'latency', ms: 0 })
      expect(off.done).toBe('latency removed; commands reach Redis at once')
      expect(await pingMs(c)).toBeLessThan(250)
    } finally {
      c.close()
    }
  })

  it('redis:drop closes every client connection, and says how many', async () => {
    const a = await client()
    const b = await client()
    await Promise.all([a.send(['PING']), b.send(['PING'])])
    const dropped = await applyFault(target(), { kind: 'drop' })
    expect(dropped.done).toBe('closed 2 client connections')
    await Promise.all([a.closed, b.closed])
    expect(cache.front.stats().connections).toBe(0)
  })

  it('redis:kill stops the server until redis:restart, which brings it back empty on the same endpoint', async () => {
    const before = await client()
    await before.send(['SET', 'k', 'v'])
    const killed = await applyFault(target(), { kind: 'kill' })
    expect(killed.done).toBe('redis-server killed: connections refused until redis:restart or redis:heal')
    await before.closed
    expect(cache.faultState().killed).toBe(true)
    const restarted = await applyFault(target(), { kind: 'restart' })
    expect(restarted.done).toBe(
      'redis-server restarted on the same port, empty (nothing is persisted locally)',
    )
    const after = await client()
    try {
      expect(await after.send(['GET', 'k'])).toEqual([null])
      expect(cache.faultState().killed).toBe(false)
    } finally {
      after.close()
    }
  })

  it('redis:freeze holds every answer until its end; redis:heal ends it early and says what it undid', async () => {
    const c = await client()
    try {
      const frozen = await applyFault(target(), { kind: 'freeze', ms: 60_000 })
      expect(frozen.done).toBe('redis-server frozen (SIGSTOP) for 1m: connections stay open, nothing answers')
      let answered = false
      const ping = c.send(['PING']).then((reply) => {
        answered = true
        return reply
      })
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(answered).toBe(false)
      await applyFault(target(), { kind: 'latency', ms: 50 })
      const healed = await applyFault(target(), { kind: 'heal' })
      expect(healed.done).toBe('thawed, latency removed; IAM tokens accepted again')
      expect(await ping).toEqual(['PONG'])
      expect(cache.faultState()).toMatchObject({ frozenUntil: undefined, latencyMs: 0, killed: false })
      expect((await applyFault(target(), { kind: 'heal' })).done).toBe(
        'nothing was in force; IAM tokens accepted again',
      )
    } finally {
      c.close()
    }
  })

  it('refuses, with the cache’s reason, a failover the cache cannot make (here: no replica)', async () => {
    const error = await refusal(applyFault(target(), { kind: 'failover' }))
    expect(error.code).toBe('refused')
    expect(error.message).toBe(
      'redis:failover refused: failover(): the cache Cache has no replica in the template: there is nothing to fail over to',
    )
  })

  it('says why there is nothing to inject into without a faithful cache', async () => {
    const plain = await refusal(
      applyFault({ cache: undefined, redisUrl: 'redis://127.0.0.1:1' }, { kind: 'drop' }),
    )
    expect(plain.code).toBe('no-cache')
    expect(plain.message).toBe(
      'faults act on the faithful cache, and this runner serves a plain Redis (--cache plain, or REDIS_URL / --redis-url): start it without them',
    )
    // The URL may carry a password: it is never repeated.
    expect(plain.message).not.toContain('redis://')
    const none = await refusal(applyFault({ cache: undefined, redisUrl: undefined }, { kind: 'drop' }))
    expect(none.message).toBe('the stack has no ElastiCache cache: there is no Redis to inject faults into')
  })
})

describe('the control endpoint', () => {
  it('applies a fault it is sent, answers what was done, and logs it', async () => {
    const c = await client()
    try {
      const reply = await sendFault(control.url, 'redis:latency 250ms')
      expect(reply).toEqual({
        ok: true,
        fault: 'redis:latency 250ms',
        done: 'every command reaches Redis 250ms later, until redis:latency off',
      })
      expect(await pingMs(c)).toBeGreaterThanOrEqual(240)
      expect(await sendFault(control.url, 'redis:latency off')).toMatchObject({ ok: true })
      expect(await pingMs(c)).toBeLessThan(200)
      expect(printed).toEqual([
        'fault redis:latency 250ms: every command reaches Redis 250ms later, until redis:latency off',
        'fault redis:latency off: latency removed; commands reach Redis at once',
      ])
    } finally {
      c.close()
    }
  })

  it('answers bad faults 400, refused ones 409, with the parser’s or the cache’s message, and logs refusals', async () => {
    expect(await sendFault(control.url, 'redis:frezee 5s')).toEqual({
      ok: false,
      status: 400,
      code: 'unknown-fault',
      message: expect.stringMatching(/^unknown fault "redis:frezee"; did you mean redis:freeze\?/),
    })
    expect(await sendFault(control.url, 'redis:freeze 5')).toMatchObject({
      ok: false,
      status: 400,
      code: 'bad-argument',
    })
    expect(await sendFault(control.url, 'redis:failover')).toMatchObject({
      ok: false,
      status: 409,
      code: 'refused',
      message: expect.stringContaining('redis:failover refused: failover(): the cache Cache has no replica'),
    })
    expect(printed.at(-1)).toMatch(/^fault redis:failover not applied: redis:failover refused: /)
  })

  it('refuses what is not a fault: bad JSON, other shapes, hostile keys, unknown paths and methods', async () => {
    const badJson = await post('/faults', '{"fault": ')
    expect(badJson.status).toBe(400)
    expect(badJson.body.message).toMatch(/^the body is not JSON/)
    for (const body of [
      '[]',
      '"redis:drop"',
      '{}',
      '{"fault": 5}',
      '{"__proto__": {"fault": "redis:drop"}}',
    ]) {
      const answer = await post('/faults', body)
      expect(answer, body).toEqual({
        status: 400,
        body: { message: 'the body must be {"fault": "<name> [argument]"}' },
        allow: undefined,
      })
    }
    const proto = await post('/faults', '{"fault": "__proto__"}')
    expect(proto.status).toBe(400)
    expect(proto.body.code).toBe('unknown-fault')
    const unknown = await post('/admin', '{}')
    expect(unknown.status).toBe(404)
    expect(unknown.body.message).toBe('no control endpoint POST /admin: faults are sent to POST /faults')
    const get = await post('/faults', '', {}, 'GET')
    expect(get.status).toBe(405)
    expect(get.allow).toBe('POST')
  })

  it('answers local tools only: no web page origin, no other Host, JSON only, small bodies', async () => {
    const drop = '{"fault": "redis:drop"}'
    const fromPage = await post('/faults', drop, {
      'content-type': 'application/json',
      origin: 'http://evil.test',
    })
    expect(fromPage.status).toBe(403)
    const rebound = await post('/faults', drop, { 'content-type': 'application/json', host: 'evil.test' })
    expect(rebound.status).toBe(403)
    const form = await post('/faults', drop, { 'content-type': 'text/plain' })
    expect(form.status).toBe(415)
    const huge = await post('/faults', JSON.stringify({ fault: 'x'.repeat(5000) }))
    expect(huge.status).toBe(413)
    expect(printed.filter((line) => line.startsWith('fault redis:drop'))).toEqual([])
    expect(new URL(control.url).hostname).toBe('127.0.0.1')
  })
})
