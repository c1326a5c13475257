import { jsonResponse } from '@cubewalk/middleware/json-response'
import { redisPool } from '@cubewalk/middleware/redis-pool'
import middy from '@middy/core'
import type { APIGatewayProxyEvent } from 'aws-lambda'
import createError from 'http-errors'

export const handler = middy<APIGatewayProxyEvent>()
  .use(jsonResponse()) // first, so it shapes whatever the others return or throw
  .use(redisPool({ url: process.env.REDIS_URL })) // rediss://… for ElastiCache in-transit encryption
  .handler(async (event, context) => {
    const world = event.pathParameters?.world
    if (!world) throw createError(400, 'world is required') // → 400 {"message":"world is required"}
    const blocks = await context.redis.get(`cubewalk:${world}`) // context.redis is typed: Redis
    return { world, blocks } // → 200 {"world":…,"blocks":…}
  })
