// The ACL the stack gives the blocks function's ElastiCache user, applied to a private redis-server: the real blocks
// handler must do all its work under it, and commands outside it must be refused. ElastiCache checks the same ACL
// rules; only the authentication differs (an IAM token there, a local password here).

import { closeRedisPool } from '@cubewalk/middleware'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ENV } from '../../handlers/src/config.js'
import { defaultCacheAccessString } from '../src/cubewalk-stack.js'

const user = 'cubewalk-blocks'
const password = 'local-password-not-secret'
const world = `acl-test-${process.pid}`

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>

let redis: RedisProcess
let handler: Handler
let client: Redis

beforeAll(async () => {
  redis = await startRedis()
  // A new ACL user starts with nothing; the access string then grants exactly what ElastiCache would.
  await redis.cli('ACL', 'SETUSER', user, 'reset', `>${password}`, ...defaultCacheAccessString.split(' '))
  vi.stubEnv(ENV.redisUrl, `redis://${user}:${password}@127.0.0.1:${redis.port}`)
  vi.stubEnv(ENV.corsAllowedOrigins, '*')
  ;({ handler } = (await import('../../handlers/src/blocks.js')) as { handler: Handler })
  client = new Redis({
    port: redis.port,
    username: user,
    password,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  })
  await client.connect()
}, 30_000)

afterAll(async () => {
  client?.disconnect()
  await closeRedisPool()
  await redis?.stop()
  vi.unstubAllEnvs()
})

const context = {
  awsRequestId: 'acl-test',
  functionName: 'blocks',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context

const call = async (
  method: string,
  path: string,
  init: { body?: unknown; query?: Record<string, string>; pathParameters?: Record<string, string> } = {},
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const resource = path.includes('/chunks/')
    ? '/cubewalkblocks/{world}/chunks/{chunk}'
    : path.endsWith('/chunks')
      ? '/cubewalkblocks/{world}/chunks'
      : '/cubewalkblocks'
  const event = {
    resource,
    path,
    httpMethod: method,
    headers: { 'Content-Type': 'application/json', token: 'test-token-not-secret-1' },
    multiValueHeaders: { 'Content-Type': ['application/json'], token: ['test-token-not-secret-1'] },
    queryStringParameters: init.query ?? null,
    multiValueQueryStringParameters: init.query
      ? Object.fromEntries(Object.entries(init.query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: init.pathParameters ?? null,
    stageVariables: null,
    body: init.body === undefined ? null : JSON.stringify(init.body),
    isBase64Encoded: false,
    requestContext: {
      requestId: `acl-${Math.random()}`,
      stage: 'prod',
      path: `/prod${path}`,
      httpMethod: method,
      resourcePath: resource,
      authorizer: { principalId: 'initial', tokenName: 'initial', integrationLatency: 1 },
    },
  } as unknown as APIGatewayProxyEvent
  const result = await handler(event, context)
  return { status: result.statusCode, body: JSON.parse(result.body) as Record<string, unknown> }
}

describe('the default cache access string', () => {
  it('lets the blocks handler read and write every route of the API', async () => {
    const chunkPath = `/cubewalkblocks/${world}/chunks/1,2,3`
    const pathParameters = { world, chunk: '1,2,3' }
    const blocks = Buffer.alloc(4096, 7).toString('base64')

    expect(await call('PUT', chunkPath, { body: { blocks }, pathParameters })).toMatchObject({ status: 200 })
    expect(await call('GET', chunkPath, { pathParameters })).toMatchObject({ status: 200, body: { blocks } })
    const patched = await call('PATCH', chunkPath, {
      body: { set: [{ x: 0, y: 0, z: 0, block: 1 }] },
      pathParameters,
    })
    expect(patched).toMatchObject({ status: 200, body: { version: 2 } })
    const many = await call('GET', `/cubewalkblocks/${world}/chunks`, {
      query: { at: '1,2,3;0,0,0' },
      pathParameters: { world },
    })
    expect(many.status).toBe(200)
    expect((many.body.chunks as unknown[])[1]).toBeNull()
    const list = await call('GET', '/cubewalkblocks')
    expect(list.status).toBe(200)
    expect(list.body.worlds).toContain(world)
    expect(await call('DELETE', chunkPath, { pathParameters })).toMatchObject({
      status: 200,
      body: { deleted: true },
    })
  })

  it('allows INFO (the client ready check) and refuses keys outside cubewalk: and dangerous commands', async () => {
    await expect(client.info('server')).resolves.toContain('redis_version')
    await expect(client.set('elsewhere:key', '1')).rejects.toThrow(/NOPERM/)
    await expect(client.get('elsewhere:key')).rejects.toThrow(/NOPERM/)
    await expect(client.flushall()).rejects.toThrow(/NOPERM/)
    await expect(client.keys('cubewalk:*')).rejects.toThrow(/NOPERM/)
    await expect(client.config('GET', 'maxmemory')).rejects.toThrow(/NOPERM/)
    // What ioredis sends to a cluster (ElastiCache Serverless) to learn and follow its slots.
    for (const command of [['CLUSTER', 'SLOTS'], ['CLUSTER', 'SHARDS'], ['CLUSTER', 'INFO'], ['READONLY']]) {
      expect(await redis.cli('ACL', 'DRYRUN', user, ...command)).toBe('OK')
    }
    await expect(client.set('cubewalk:acl-test-probe', '1')).resolves.toBe('OK')
    await client.del('cubewalk:acl-test-probe')
  })
})
