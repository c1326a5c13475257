// What a 503 from a connection that never became ready says in the log: RedisNotReadyError with the budget, and
// the connection error behind it as cause when there was one; for a cluster, the node's own error (refused,
// TLS, AUTH, closed) under ioredis's "Failed to refresh slots cache.".
import { freePort } from '@cubewalk/redis-harness'
import type { Cluster } from 'ioredis'
import { afterEach, describe, expect, it } from 'vitest'
import { closeRedisPool, RedisNotReadyError, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'

afterEach(async () => {
  await closeRedisPool()
})

/** Every error of a logged cause chain, outermost first. */
const causeChain = (): Array<Record<string, unknown>> => {
  const chain: Array<Record<string, unknown>> = []
  let cause = (errorLogs.at(-1)?.error as { cause?: unknown } | undefined)?.cause
  while (typeof cause === 'object' && cause !== null) {
    chain.push(cause as Record<string, unknown>)
    cause = (cause as { cause?: unknown }).cause
  }
  return chain
}

describe('RedisNotReadyError', () => {
  it('names the budget, and carries a cause only when there is one', () => {
    const bare = new RedisNotReadyError(250, undefined)
    expect(bare.message).toBe('Redis connection not ready within 250 ms')
    expect(bare).toMatchObject({ name: 'RedisNotReadyError', code: 'ETIMEDOUT' })
    expect('cause' in bare).toBe(false)
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    expect(new RedisNotReadyError(250, refused).cause).toBe(refused)
  })

  it('cluster: the node error is the cause of "Failed to refresh slots cache." in the log', async () => {
    const port = await freePort()
    const invoke = lambdaWith(
      redisPool({ host: '127.0.0.1', port, cluster: true, disablePrefetch: true, reconnectAttempts: 0 }),
      async (_event, context: { redis: Cluster }) => context.redis.get('{x}:y'),
    )
    expect(await invoke(2000)).toMatchObject({ statusCode: 503 })
    const chain = causeChain()
    const messages = chain.map((error) => error.message)
    const refresh = messages.indexOf('Failed to refresh slots cache.')
    expect(refresh).toBeGreaterThanOrEqual(0)
    // ioredis keeps the node's error in lastNodeError only; the pool makes it the cause, which loggers follow.
    expect(messages[refresh + 1]).toBe('Connection is closed.')
  })
})
