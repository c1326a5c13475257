// Redis failures that reach the pool wrapped by another library (Powertools Idempotency wraps the ioredis error of
// a failed record save as `cause`) are still "Redis unavailable": 503, the wrapper kept as the logged cause.
import middy from '@middy/core'
import type { APIGatewayProxyResult } from 'aws-lambda'
import createError from 'http-errors'
import { afterAll, describe, expect, it } from 'vitest'
import { jsonResponse } from '../src/json-response.js'
import { redisUnavailableCause } from '../src/redis-pool/errors.js'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { lambdaContext } from './support/lambda-context.js'

afterAll(async () => {
  await closeRedisPool()
})

const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })
const wrap = (cause: unknown, depth: number): unknown =>
  depth === 0 ? cause : new Error(`wrapper ${depth}`, { cause: wrap(cause, depth - 1) })

describe('redisUnavailableCause', () => {
  it('finds the Redis error itself or down the cause chain, up to four wrappers', () => {
    const error = refused()
    expect(redisUnavailableCause(error)).toBe(error)
    for (const depth of [1, 2, 3, 4]) expect(redisUnavailableCause(wrap(error, depth))).toBe(error)
    expect(redisUnavailableCause(wrap(error, 5))).toBeUndefined()
  })

  it('stops at an HTTP error: its status was decided already', () => {
    expect(redisUnavailableCause(createError(400, 'bad', { cause: refused() }))).toBeUndefined()
    expect(
      redisUnavailableCause(new Error('outer', { cause: createError(404, { cause: refused() }) })),
    ).toBeUndefined()
  })

  it('finds nothing in other errors, non-Error causes and non-errors', () => {
    expect(redisUnavailableCause(new Error('outer', { cause: new TypeError('bug') }))).toBeUndefined()
    expect(redisUnavailableCause(new Error('outer', { cause: { code: 'ECONNREFUSED' } }))).toBeUndefined()
    expect(redisUnavailableCause('ECONNREFUSED')).toBeUndefined()
    expect(redisUnavailableCause(undefined)).toBeUndefined()
  })
})

describe('redisPool onError with a wrapped Redis failure', () => {
  const run = async (thrown: unknown) => {
    const logged: unknown[] = []
    const handler = middy()
      .use(jsonResponse({ logger: (entry) => logged.push(entry) }))
      .use(redisPool({ url: 'redis://127.0.0.1:1', disablePrefetch: true, awaitConnection: false }))
      .handler(async () => {
        throw thrown
      })
    const response = (await handler({}, lambdaContext() as never)) as APIGatewayProxyResult
    return { response, logged }
  }

  it('answers 503 and logs the wrapper with its Redis cause', async () => {
    const wrapper = new Error('Failed to save in progress record to idempotency store', { cause: refused() })
    wrapper.name = 'IdempotencyPersistenceLayerError'
    const { response, logged } = await run(wrapper)
    expect(response.statusCode).toBe(503)
    expect(response.body).toBe('{"message":"Service Unavailable"}')
    expect(logged).toMatchObject([
      {
        error: {
          name: 'ServiceUnavailableError',
          cause: { name: 'IdempotencyPersistenceLayerError', cause: { code: 'ECONNREFUSED' } },
        },
      },
    ])
  })

  it('leaves a wrapper without a Redis cause, and an HTTP error around one, as they are', async () => {
    expect((await run(new Error('outer', { cause: new TypeError('bug') }))).response.statusCode).toBe(500)
    expect((await run(createError(409, 'in progress', { cause: refused() }))).response.statusCode).toBe(409)
  })
})
