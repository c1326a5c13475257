// redisPool's `metrics` option against a private redis-server: command latencies on a healthy call, a 503 counted
// when Redis is killed, reconnects counted, one EMF line per invocation; and through Powertools Metrics.
import { Metrics } from '@aws-lambda-powertools/metrics'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import middy from '@middy/core'
import createError from 'http-errors'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { emfMetrics } from '../src/metrics.js'
import {
  closeRedisPool,
  RedisPoolConfigError,
  redisPool,
  ServiceUnavailableError,
} from '../src/redis-pool.js'
import { collectLines, type EmfLine, expectEmf } from './support/emf.js'
import { lambdaWith } from './support/invoke.js'
import { lambdaContext } from './support/lambda-context.js'

let server: RedisProcess

beforeAll(async () => {
  server = await startRedis()
})

afterEach(async () => {
  vi.restoreAllMocks()
  await closeRedisPool()
})

afterAll(async () => {
  await server?.stop()
})

const valuesOf = (line: EmfLine, name: string): number[] => {
  const value = line[name]
  return value === undefined ? [] : Array.isArray(value) ? (value as number[]) : [value as number]
}

const pooled = (options: { reconnectAttempts?: number } = {}) => {
  const { lines, write } = collectLines()
  const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'abcdef1234' }, write })
  const invoke = lambdaWith(redisPool({ url: server.url, metrics, ...options }), async (_event, context) => {
    await context.redis.set('m1:key', 'value')
    return { value: await context.redis.get('m1:key') }
  })
  return { lines, invoke }
}

describe('redisPool metrics', () => {
  it('records each command latency of a healthy invocation in one line, and no 503', async () => {
    const { lines, invoke } = pooled()
    expect(await invoke()).toMatchObject({ statusCode: 200, body: { value: 'value' } })
    expect(lines).toHaveLength(1)
    lines.length = 0
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(lines).toHaveLength(1)
    const line = expectEmf(lines[0] as string)
    // Warm: exactly the handler's SET and GET.
    const latencies = valuesOf(line, 'RedisCommandLatency')
    expect(latencies).toHaveLength(2)
    for (const ms of latencies) {
      expect(ms).toBeGreaterThan(0)
      expect(ms).toBeLessThan(500)
    }
    expect(line).not.toHaveProperty('RedisUnavailable')
    expect(line._aws.CloudWatchMetrics[0]?.Metrics).toEqual([
      { Name: 'RedisCommandLatency', Unit: 'Milliseconds' },
    ])
    expect(line._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['ApiId']])
  })

  it('counts a 503 for a killed Redis, and the reconnects, one line per invocation; recovers', async () => {
    const { lines, invoke } = pooled()
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    lines.length = 0
    await server.kill()
    try {
      const down = [await invoke(), await invoke()]
      for (const result of down) expect(result).toMatchObject({ statusCode: 503 })
      expect(lines).toHaveLength(2)
      const parsed = lines.map(expectEmf)
      expect(parsed.map((line) => line.RedisUnavailable)).toEqual([1, 1])
      // ioredis tried again (reconnecting events), then the ended client was replaced: each a reconnect.
      const reconnects = parsed.flatMap((line) => valuesOf(line, 'RedisReconnects'))
      expect(reconnects.length).toBeGreaterThan(0)
      for (const value of reconnects) expect(value).toBe(1)
    } finally {
      await server.restart()
    }
    lines.length = 0
    await vi.waitFor(async () => expect(await invoke()).toMatchObject({ statusCode: 200 }), { timeout: 5000 })
    const last = expectEmf(lines.at(-1) as string)
    expect(last).not.toHaveProperty('RedisUnavailable')
    expect(valuesOf(last, 'RedisCommandLatency').length).toBeGreaterThanOrEqual(2)
  })

  it('counts the replacement of an ended client as a reconnect', async () => {
    const { lines, invoke } = pooled({ reconnectAttempts: 0 })
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    await server.kill()
    try {
      expect(await invoke()).toMatchObject({ statusCode: 503 })
    } finally {
      await server.restart()
    }
    lines.length = 0
    // With no reconnect attempts the client ends; the next invocation builds a new one.
    await vi.waitFor(async () => expect(await invoke()).toMatchObject({ statusCode: 200 }), { timeout: 5000 })
    const reconnects = lines.map(expectEmf).flatMap((line) => valuesOf(line, 'RedisReconnects'))
    expect(reconnects).toEqual([1])
  })

  it('writes nothing when the middleware recorded nothing (a handler that never touches Redis, warm)', async () => {
    const { lines, write } = collectLines()
    const invoke = lambdaWith(
      redisPool({ url: server.url, metrics: emfMetrics({ namespace: 'Cubewalk', write }) }),
      async () => ({ ok: true }),
    )
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    lines.length = 0
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    expect(lines).toEqual([])
  })

  it('takes a Powertools Metrics instance: one valid line per invocation, a 503 counted', async () => {
    const written: string[] = []
    const metrics = new Metrics({ namespace: 'Cubewalk', serviceName: 'blocks' })
    const invoke = lambdaWith(redisPool({ url: server.url, metrics }), async (_event, context) =>
      context.redis.get('m2:key'),
    )
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    expect(await invoke()).toMatchObject({ statusCode: 200 })
    await server.kill()
    try {
      expect(await invoke()).toMatchObject({ statusCode: 503 })
    } finally {
      vi.restoreAllMocks()
      await server.restart()
    }
    expect(written).toHaveLength(2)
    const [up, down] = written.map(expectEmf)
    expect(up).not.toHaveProperty('RedisUnavailable')
    expect(valuesOf(up as EmfLine, 'RedisCommandLatency').length).toBeGreaterThan(0)
    expect(down).toMatchObject({ RedisUnavailable: 1, service: 'blocks' })
  })

  it("records each invocation's commands into the metrics of the middleware that served it, or none", async () => {
    const sinks = ['a', 'b'].map(() => collectLines())
    const [a, b] = sinks.map(({ write }) => emfMetrics({ namespace: 'Cubewalk', write }))
    // Three middlewares sharing one pooled connection: two with metrics of their own, one without.
    const handler = async (
      _event: unknown,
      context: { redis: { get: (key: string) => Promise<unknown> } },
    ) => ({
      value: await context.redis.get('m3:key'),
    })
    const invokeA = lambdaWith(redisPool({ url: server.url, metrics: a }), handler)
    const invokeB = lambdaWith(redisPool({ url: server.url, metrics: b }), handler)
    const invokeNone = lambdaWith(redisPool({ url: server.url }), handler)
    const latencies = (lines: string[]) =>
      lines.map((line) => valuesOf(expectEmf(line), 'RedisCommandLatency').length)
    // Warm: the cold start's handshake is in its first line.
    expect(await invokeA()).toMatchObject({ statusCode: 200 })
    for (const sink of sinks) sink.lines.length = 0
    for (const invoke of [invokeB, invokeNone, invokeA, invokeNone, invokeB]) {
      expect(await invoke()).toMatchObject({ statusCode: 200 })
    }
    // Each line holds its own invocation's GET: none of the other's, none of the unmetered ones'.
    expect(latencies(sinks[0]?.lines ?? [])).toEqual([1])
    expect(latencies(sinks[1]?.lines ?? [])).toEqual([1, 1])
  })

  describe('what counts as RedisUnavailable', () => {
    const metered = (handler: () => Promise<unknown>) => {
      const { lines, write } = collectLines()
      const metrics = emfMetrics({ namespace: 'Cubewalk', write })
      return { lines, invoke: lambdaWith(redisPool({ url: server.url, metrics }), handler) }
    }

    it('a Redis error thrown by the handler: turned into a 503 and counted', async () => {
      const { lines, invoke } = metered(async () => {
        throw new Error('Connection is closed.')
      })
      expect(await invoke()).toMatchObject({ statusCode: 503 })
      expect(expectEmf(lines.at(-1) as string)).toMatchObject({ RedisUnavailable: 1 })
    })

    it('an error that is not about Redis: not counted', async () => {
      const { lines, invoke } = metered(async () => {
        throw createError(400, 'bad block')
      })
      expect(await invoke()).toMatchObject({ statusCode: 400 })
      for (const line of lines) expect(expectEmf(line)).not.toHaveProperty('RedisUnavailable')
    })

    it('a 503 another middleware answered (a fallback response): not counted', async () => {
      const { lines, write } = collectLines()
      const metrics = emfMetrics({ namespace: 'Cubewalk', write })
      const lambda = middy()
        .use(redisPool({ url: server.url, metrics }))
        // Runs its onError before the pool's (middy runs onError in reverse order): it answers from elsewhere.
        .use({
          onError: (request) => {
            request.response = { statusCode: 200, body: '{"from":"fallback"}' }
          },
        })
        .handler(async () => {
          throw new ServiceUnavailableError(new Error('Connection is closed.'))
        })
      const response = await lambda({}, lambdaContext(6000))
      expect(response).toMatchObject({ statusCode: 200 })
      for (const line of lines) expect(expectEmf(line)).not.toHaveProperty('RedisUnavailable')
    })
  })

  it('refuses a metrics option that is not a sink', () => {
    expect(() => redisPool({ url: server.url, metrics: {} as never })).toThrow(RedisPoolConfigError)
    expect(() => redisPool({ url: server.url, metrics: {} as never })).toThrow(/metrics must have addMetric/)
  })
})
