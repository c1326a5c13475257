// durable-writes.ts
import { durableWrites, jsonResponse, redisPool } from '@cubewalk/middleware'
import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'

const durable = durableWrites({ replicas: 1, timeout: 100 }) // checked once, at init

export const handler = middy<APIGatewayProxyEvent>()
  .use(jsonResponse())
  .use(redisPool({ url: process.env.REDIS_URL }))
  .handler(async (event, context) => {
    const key = `cubewalk:notes:${event.pathParameters?.note ?? 'default'}`
    const writes = durable.begin(context.redis, context) // before the first write
    await context.redis.set(key, event.body ?? '')
    await writes.confirm(key) // WAIT 1 100: no replica confirms in time → 503 {"message":"Service Unavailable"}
    return { saved: true } // → 200 only once a replica holds the write
  })
