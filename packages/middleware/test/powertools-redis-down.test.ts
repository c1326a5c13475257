// The README's Powertools wiring (Logger, Idempotency on the pooled client, jsonResponse, redisPool) when Redis is
// down: Idempotency's middleware cannot save its in-progress record (before) nor delete it (onError). The client
// must still get the pool's 503 JSON, with one log line, not an error thrown out of the Lambda (a 502 at API
// Gateway).
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency'
import { CachePersistenceLayer } from '@aws-lambda-powertools/idempotency/cache'
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware'
import middy from '@middy/core'
import { afterAll, describe, expect, it } from 'vitest'
import {
  closeRedisPool,
  getRedisClient,
  type JsonResponseLogEntry,
  jsonResponse,
  powertoolsCacheClient,
  redisPool,
} from '../src/index.js'
import { lambdaContext } from './support/lambda-context.js'

afterAll(async () => {
  await closeRedisPool()
})

describe('Powertools Idempotency on the pooled client, Redis down', () => {
  it('answers 503 JSON and logs once', async () => {
    const redis = { url: 'redis://127.0.0.1:1', disablePrefetch: true }
    const logged: JsonResponseLogEntry[] = []
    let runs = 0
    const idempotency = makeHandlerIdempotent({
      persistenceStore: new CachePersistenceLayer({
        client: powertoolsCacheClient(() => getRedisClient(redis)),
      }),
      config: new IdempotencyConfig({ eventKeyJmesPath: 'key' }),
    })
    const handler = middy()
      .use({
        ...idempotency,
        // As the README wires it: Powertools' onError cannot delete its record from a Redis that is down either.
        onError: async (request) => {
          try {
            await idempotency.onError?.(request)
          } catch (error) {
            if (request.response === undefined) throw error
          }
        },
      })
      .use(jsonResponse({ logger: (entry) => logged.push(entry) }))
      .use(redisPool(redis))
      .handler(async () => {
        runs++
        return { ok: true }
      })
    const started = performance.now()
    const response = await handler({ key: 'k1' }, lambdaContext() as never)
    expect(response).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Service Unavailable' }),
    })
    expect(performance.now() - started).toBeLessThan(2_500)
    expect(runs).toBe(0)
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({
      statusCode: 503,
      error: {
        name: 'ServiceUnavailableError',
        cause: { name: 'IdempotencyPersistenceLayerError', cause: { message: expect.any(String) } },
      },
    })
  })

  it('without the onError guard, Powertools throws past jsonResponse (why the README has it)', async () => {
    const redis = { url: 'redis://127.0.0.1:1', disablePrefetch: true }
    const handler = middy()
      .use(
        makeHandlerIdempotent({
          persistenceStore: new CachePersistenceLayer({
            client: powertoolsCacheClient(() => getRedisClient(redis)),
          }),
          config: new IdempotencyConfig({ eventKeyJmesPath: 'key' }),
        }),
      )
      .use(jsonResponse({ logger: () => {} }))
      .use(redisPool(redis))
      .handler(async () => ({ ok: true }))
    await expect(handler({ key: 'k2' }, lambdaContext() as never)).rejects.toThrow(
      'Failed to delete record from idempotency store',
    )
  })
})
