// The ACL the stack deploys for the blocks function's cache user, read from the synthesized template (what
// ElastiCache is given) and applied to private redis-servers: the real blocks handler must serve every route under
// it, standalone and in cluster mode, without one refused command (ACL LOG), and everything else must be refused
// with NOPERM. ElastiCache checks the same rules; only authentication differs (an IAM token there, a password here).

import { cacheAccessString, cacheCommands } from '@cubewalk/handlers/cache-access'
import { ENV } from '@cubewalk/handlers/config'
import {
  type RedisCluster,
  type RedisProcess,
  startCluster,
  startRedis,
  waitForReplicaAcks,
} from '@cubewalk/redis-harness'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { resourcesOfType, synthesize } from './support/synth.js'

const user = 'cubewalk-blocks'
const password = 'test-password-not-secret'

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>

interface LoadedBlocks {
  readonly handler: Handler
  readonly closeRedisPool: () => Promise<void>
}

/** The one ElastiCache user's access string in the synthesized template. Bundling is skipped: it plays no part. */
const deployedAccessString = (serverlessCache: boolean, durableWriteReplicas?: number): string => {
  const synth = synthesize({
    context: { 'aws:cdk:bundling-stacks': [] },
    stackProps: { serverlessCache, ...(durableWriteReplicas === undefined ? {} : { durableWriteReplicas }) },
  })
  try {
    const users = resourcesOfType(synth.json, 'AWS::ElastiCache::User')
    expect(users).toHaveLength(1)
    const accessString = users[0]?.[1].Properties?.AccessString
    if (typeof accessString !== 'string') throw new Error('the cache user has no literal AccessString')
    return accessString
  } finally {
    synth.dispose()
  }
}

/**
 * Gives `user` exactly `accessString` on one server. A local user starts from `reset` (nothing allowed, no
 * password); ElastiCache starts a new user from nothing too and refuses `reset` inside the string itself.
 */
const applyAccessString = (cli: (...args: string[]) => Promise<string>, name: string, accessString: string) =>
  cli('ACL', 'SETUSER', name, 'reset', `>${password}`, ...accessString.split(' '))

/** The blocks entry point the way Lambda loads it: a fresh module graph that reads `env` at init. */
const loadBlocks = async (env: Record<string, string>): Promise<LoadedBlocks> => {
  vi.resetModules()
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value)
  const { handler } = (await import('@cubewalk/handlers/blocks')) as { handler: Handler }
  const { closeRedisPool } = await import('@cubewalk/middleware')
  return { handler, closeRedisPool }
}

const context = {
  awsRequestId: 'acl-test',
  functionName: 'blocks',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context

const call = async (
  handler: Handler,
  method: string,
  path: string,
  init: {
    body?: unknown
    headers?: Record<string, string>
    query?: Record<string, string>
    pathParameters?: Record<string, string>
  } = {},
): Promise<{ status: number; body: Record<string, unknown> }> => {
  const resource = path.includes('/chunks/')
    ? '/cubewalkblocks/{world}/chunks/{chunk}'
    : path.endsWith('/chunks')
      ? '/cubewalkblocks/{world}/chunks'
      : '/cubewalkblocks'
  const headers = { 'Content-Type': 'application/json', token: 'test-token-not-secret-1', ...init.headers }
  const event = {
    resource,
    path,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
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

/** Every route of the API, each code path that reaches Redis (first write into a world, precondition, batch). */
const serveEveryRoute = async (handler: Handler, world: string): Promise<void> => {
  const chunkPath = `/cubewalkblocks/${world}/chunks/1,2,3`
  const pathParameters = { world, chunk: '1,2,3' }
  const blocks = Buffer.alloc(4096, 7).toString('base64')

  expect(await call(handler, 'PUT', chunkPath, { body: { blocks }, pathParameters })).toMatchObject({
    status: 200,
    body: { version: 1 },
  })
  expect(await call(handler, 'GET', chunkPath, { pathParameters })).toMatchObject({
    status: 200,
    body: { blocks, version: 1 },
  })
  const patch = { body: { set: [{ x: 0, y: 0, z: 0, block: 1 }] }, pathParameters }
  expect(await call(handler, 'PATCH', chunkPath, patch)).toMatchObject({ status: 200, body: { version: 2 } })
  const stale = await call(handler, 'PUT', chunkPath, {
    body: { blocks },
    pathParameters,
    headers: { 'If-Match': '"1"' },
  })
  expect(stale.status).toBe(412)
  const many = await call(handler, 'GET', `/cubewalkblocks/${world}/chunks`, {
    query: { at: '1,2,3;0,0,0' },
    pathParameters: { world },
  })
  expect(many.status).toBe(200)
  expect(many.body.chunks).toEqual([expect.objectContaining({ version: 2 }), null])
  const list = await call(handler, 'GET', '/cubewalkblocks')
  expect(list).toMatchObject({ status: 200 })
  expect(list.body.worlds).toContain(world)
  expect(await call(handler, 'DELETE', chunkPath, { pathParameters })).toMatchObject({
    status: 200,
    body: { deleted: true },
  })
  expect(await call(handler, 'DELETE', chunkPath, { pathParameters })).toMatchObject({
    status: 200,
    body: { deleted: false },
  })
}

const refusal = /^NOPERM|^ERR The user executing the script can't/

type AclLogEntry = { reason: string; object: string; username: string }

/** The server's ACL LOG (every refusal since the last reset), read as the unrestricted default user. */
const aclLog = async (admin: Redis): Promise<AclLogEntry[]> => {
  const entries = (await admin.call('ACL', 'LOG', '128')) as unknown[][]
  return entries.map((entry) => {
    const fields = new Map<string, string>()
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), String(entry[i + 1]))
    return {
      reason: fields.get('reason') ?? '',
      object: fields.get('object') ?? '',
      username: fields.get('username') ?? '',
    }
  })
}

/**
 * Refusals the client provokes on purpose and ignores: ioredis labels each connection with CLIENT SETINFO (Redis
 * 7.2+, Valkey) and swallows the error. Everything else refused during a route is a missing grant.
 */
const unexpected = (entries: AclLogEntry[]): AclLogEntry[] =>
  entries.filter((entry) => !(entry.reason === 'command' && entry.object === 'client|setinfo'))

/**
 * Commands the app never sends, run for real as the cache user: each must be refused, with NOPERM or, inside a
 * script, with the error Redis gives a script for the same ACL check.
 */
const refusedCommands: ReadonlyArray<readonly string[]> = [
  ['SCRIPT', 'FLUSH'],
  ['SCRIPT', 'LOAD', 'return 1'],
  ['FUNCTION', 'LOAD', "#!lua name=acltest\nredis.register_function('f', function() return 1 end)"],
  ['FUNCTION', 'FLUSH'],
  ['SCAN', '0'],
  ['RANDOMKEY'],
  ['SELECT', '1'],
  ['WAIT', '0', '0'],
  ['FLUSHALL'],
  ['FLUSHDB'],
  ['KEYS', 'cubewalk:*'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CLIENT', 'LIST'],
  ['ACL', 'LIST'],
  ['DBSIZE'],
  ['PUBLISH', 'cubewalk:channel', 'x'],
  // Commands on the app's own keys that the app does not use.
  ['SET', 'cubewalk:acl-probe', '1'],
  ['GET', 'cubewalk:acl-probe'],
  ['EXPIRE', 'cubewalk:worlds', '1'],
  ['RENAME', 'cubewalk:worlds', 'cubewalk:elsewhere'],
  // Granted commands on keys outside `cubewalk:`.
  ['HMGET', 'elsewhere:key', 'f'],
  ['SADD', 'elsewhere:set', 'x'],
  ['EXISTS', 'elsewhere:key'],
  // A script runs with the user's permissions: neither another command nor another key gets through it.
  ['EVAL', "return redis.call('SCAN', '0')", '0'],
  ['EVAL', "return redis.call('FLUSHALL')", '0'],
  ['EVAL', "return redis.call('HSET', KEYS[1], 'f', 'v')", '1', 'elsewhere:key'],
  ['EVAL', "return redis.call('HSET', 'elsewhere:key', 'f', 'v')", '0'],
]

/** Commands too disruptive to run if they were allowed: checked with ACL DRYRUN, which only evaluates the ACL. */
const refusedDryRun: ReadonlyArray<readonly string[]> = [
  ['SHUTDOWN', 'NOSAVE'],
  ['DEBUG', 'SLEEP', '1'],
  ['MONITOR'],
  ['SUBSCRIBE', 'cubewalk:channel'],
  ['REPLICAOF', '127.0.0.1', '1'],
  ['MIGRATE', '127.0.0.1', '1', 'cubewalk:worlds', '0', '1'],
  ['CLIENT', 'KILL', 'ID', '1'],
  ['BGSAVE'],
]

const clusterOnly: ReadonlyArray<readonly string[]> = [
  ['CLUSTER', 'SLOTS'],
  ['CLUSTER', 'INFO'],
  ['ASKING'],
  ['READONLY'],
  ['READWRITE'],
  ['CLIENT', 'SETNAME', 'acl-test'],
]

afterEach(() => {
  vi.unstubAllEnvs()
})

describe('the deployed cache access string', () => {
  it('is built from the one source of truth, for each cache kind', () => {
    const nodeBased = deployedAccessString(false)
    const serverless = deployedAccessString(true)
    expect(nodeBased).toBe(cacheAccessString({ clusterMode: false, waitForReplicas: false }))
    expect(serverless).toBe(cacheAccessString({ clusterMode: true, waitForReplicas: false }))
    // No category grant: every allowed command is named, so a new command of a category cannot slip in.
    expect(nodeBased).toMatch(/^on ~cubewalk:\* -@all( \+[a-z|]+)+$/)
    expect(serverless).toMatch(/^on ~cubewalk:\* -@all( \+[a-z|]+)+$/)
  }, 60_000)
})

describe('the node-based cache ACL on a real redis-server', () => {
  let server: RedisProcess
  let admin: Redis
  let client: Redis
  let blocks: LoadedBlocks

  beforeAll(async () => {
    const accessString = deployedAccessString(false)
    server = await startRedis()
    await applyAccessString(server.cli, user, accessString)
    admin = new Redis({ port: server.port, lazyConnect: true })
    await admin.connect()
    client = new Redis({
      port: server.port,
      username: user,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    })
    await client.connect()
    await admin.call('ACL', 'LOG', 'RESET')
  }, 60_000)

  afterAll(async () => {
    client?.disconnect()
    admin?.disconnect()
    await blocks?.closeRedisPool()
    await server?.stop()
  })

  it('lets the deployed blocks entry point connect and serve every route with no command refused', async () => {
    blocks = await loadBlocks({
      [ENV.redisUrl]: `redis://${user}:${password}@127.0.0.1:${server.port}`,
      [ENV.corsAllowedOrigins]: '*',
    })
    await serveEveryRoute(blocks.handler, `acl-${process.pid}`)
    expect(await server.cli('CLIENT', 'LIST')).toMatch(new RegExp(`user=${user}\\b`))
    // Closing sends QUIT, which must not be refused either.
    await blocks.closeRedisPool()
    expect(unexpected(await aclLog(admin))).toEqual([])
  })

  it('refuses every command and key the blocks function does not use', async () => {
    await expect(client.info('server')).resolves.toContain('redis_version')
    for (const command of [...refusedCommands, ...clusterOnly]) {
      const [name, ...args] = command as [string, ...string[]]
      await expect(client.call(name, ...args), command.join(' ')).rejects.toThrow(refusal)
    }
    for (const command of refusedDryRun) {
      expect(await server.cli('ACL', 'DRYRUN', user, ...command), command.join(' ')).toMatch(/no permissions/)
    }
    // Nothing the refused commands tried took effect.
    expect(await admin.exists('cubewalk:acl-probe', 'elsewhere:key', 'elsewhere:set')).toBe(0)
  })
})

describe('the serverless cache ACL on a real Redis Cluster', () => {
  let cluster: RedisCluster
  let admins: Redis[]
  let blocks: LoadedBlocks

  beforeAll(async () => {
    const accessString = deployedAccessString(true)
    cluster = await startCluster(3)
    // ACL users are per node, as on every shard of an ElastiCache cache.
    await Promise.all(cluster.nodes.map((node) => applyAccessString(node.cli, user, accessString)))
    admins = cluster.nodes.map((node) => new Redis({ port: node.port, lazyConnect: true }))
    await Promise.all(admins.map((admin) => admin.connect()))
    await Promise.all(admins.map((admin) => admin.call('ACL', 'LOG', 'RESET')))
  }, 60_000)

  afterAll(async () => {
    for (const admin of admins ?? []) admin.disconnect()
    await blocks?.closeRedisPool()
    await cluster?.stop()
  })

  it('lets the deployed blocks entry point serve every route on every shard with no command refused', async () => {
    const seed = cluster.nodes[0] as RedisProcess
    blocks = await loadBlocks({
      [ENV.redisUrl]: `redis://${user}:${password}@127.0.0.1:${seed.port}`,
      [ENV.redisCluster]: 'true',
      [ENV.corsAllowedOrigins]: '*',
    })
    // Worlds hash to different slots, so the routes run on more than one shard.
    for (const world of ['acl-a', 'acl-b', 'acl-c', 'acl-d']) await serveEveryRoute(blocks.handler, world)
    await blocks.closeRedisPool()
    const refused = await Promise.all(admins.map(aclLog))
    expect(refused.map(unexpected)).toEqual(admins.map(() => []))
  })

  it('allows the cluster commands ioredis sends, and refuses the rest as standalone does', async () => {
    const seed = cluster.nodes[0] as RedisProcess
    const client = new Redis({
      port: seed.port,
      username: user,
      password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    })
    await client.connect()
    try {
      for (const command of clusterOnly) {
        const [name, ...args] = command as [string, ...string[]]
        await expect(client.call(name, ...args), command.join(' ')).resolves.toBeDefined()
      }
      await expect(client.call('CLUSTER', 'NODES')).rejects.toThrow(/NOPERM/)
      await expect(client.call('CLUSTER', 'FAILOVER')).rejects.toThrow(/NOPERM/)
      await expect(client.call('CLUSTER', 'KEYSLOT', 'x')).rejects.toThrow(/NOPERM/)
      await expect(client.call('SCAN', '0')).rejects.toThrow(/NOPERM/)
      await expect(client.call('WAIT', '0', '0')).rejects.toThrow(/NOPERM/)
    } finally {
      client.disconnect()
    }
  })
})

describe('the access string with writes that wait for replicas', () => {
  let primary: RedisProcess
  let replica: RedisProcess
  let admin: Redis
  let blocks: LoadedBlocks

  beforeAll(async () => {
    primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
    replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
    admin = new Redis({ port: primary.port, lazyConnect: true })
    await admin.connect()
    await waitForReplicaAcks(primary)
  }, 60_000)

  afterAll(async () => {
    admin?.disconnect()
    await blocks?.closeRedisPool()
    await replica?.stop()
    await primary?.stop()
  })

  it('adds WAIT and nothing else', () => {
    for (const clusterMode of [false, true]) {
      const without = cacheCommands({ clusterMode, waitForReplicas: false })
      expect(cacheCommands({ clusterMode, waitForReplicas: true })).toEqual([...without, 'wait'])
    }
  })

  it('is what the stack deploys once durableWriteReplicas is set, and WAIT stays refused by default', async () => {
    const durable = deployedAccessString(false, 1)
    expect(durable).toBe(cacheAccessString({ clusterMode: false, waitForReplicas: true }))
    await applyAccessString(primary.cli, user, deployedAccessString(false))
    expect(await primary.cli('ACL', 'DRYRUN', user, 'WAIT', '1', '100')).toMatch(/no permissions/)
    await applyAccessString(primary.cli, user, durable)
    expect(await primary.cli('ACL', 'DRYRUN', user, 'WAIT', '1', '100')).toBe('OK')
  }, 60_000)

  it('lets the blocks entry point with durable writes serve every route, each write confirmed by the replica', async () => {
    await applyAccessString(primary.cli, user, deployedAccessString(false, 1))
    await admin.call('ACL', 'LOG', 'RESET')
    blocks = await loadBlocks({
      [ENV.redisUrl]: `redis://${user}:${password}@127.0.0.1:${primary.port}`,
      [ENV.corsAllowedOrigins]: '*',
      [ENV.redisDurableReplicas]: '1',
      [ENV.redisDurableTimeoutMs]: '500',
    })
    await serveEveryRoute(blocks.handler, `acl-durable-${process.pid}`)
    await blocks.closeRedisPool()
    expect(unexpected(await aclLog(admin))).toEqual([])
    const waits = /cmdstat_wait:calls=(\d+)/.exec(await admin.info('commandstats'))
    expect(Number(waits?.[1] ?? 0)).toBeGreaterThan(0)
  }, 60_000)
})
