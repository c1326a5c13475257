import { jsonResponse } from '@cubewalk/middleware/json-response'
import { emfMetrics } from '@cubewalk/middleware/metrics'
import { redisPool } from '@cubewalk/middleware/redis-pool'
import middy from '@middy/core'

// Dimensions are fixed when the function is deployed, never taken from a request: each value is a billed metric.
const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: process.env.API_ID ?? 'local' } })

export const handler = middy()
  .use(jsonResponse())
  // One EMF line per invocation: RedisCommandLatency per command, RedisUnavailable per 503, RedisReconnects.
  .use(redisPool({ url: process.env.REDIS_URL, metrics }))
  .handler(async (_event, context) => ({ worlds: await context.redis.smembers('cubewalk:worlds') }))
