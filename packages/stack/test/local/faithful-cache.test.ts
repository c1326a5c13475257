// The cubewalk stack served with the faithful cache (npm start's default): the real bundled blocks function
// reaches its cache over TLS, trusting only the CA made at start, as the template's IAM user, signing its tokens with
// @cubewalk/middleware's signer; the user's ACL applies, refused tokens get ElastiCache's error, and the middleware's
// re-AUTH keeps connections past the (sped-up) 12-hour limit. Node-based and serverless (cluster) shapes.

import { readFileSync } from 'node:fs'
import { connect as connectTls } from 'node:tls'
import { ENV } from '@cubewalk/handlers/config'
import { LOCAL_FUNCTION_CREDENTIALS, type Runner, startRunner } from '@cubewalk/local'
import { call } from '@cubewalk/local/testing'
import { elastiCacheIamAuth } from '@cubewalk/middleware/elasticache-iam'
import { closeRedisPool, getRedisClient, type RedisPoolClient } from '@cubewalk/middleware/redis-pool'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cubewalkWiring } from '../../src/local-wiring.js'
import { type Synthesized, synthesize } from '../support/synth.js'

const TOKEN = 'cubewalk-allow'
const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.'

const serve = (synth: Synthesized, iamConnectionLifetimeMs?: number) =>
  startRunner({
    assemblyDir: synth.outdir,
    stackName: synth.stack.stackName,
    port: 0,
    functionOutput: 'ignore',
    log: () => {},
    wiring: cubewalkWiring,
    cache: 'faithful',
    ...(iamConnectionLifetimeMs === undefined ? {} : { iamConnectionLifetimeMs }),
  })

/** What the blocks function is given, read back from the runner's model of it. */
const blocksEnvironment = (runner: Runner): Record<string, string> => {
  const fn = [...runner.model.functions.values()].find((f) => f.environment[ENV.redisHost] !== undefined)
  if (!fn) throw new Error('no function with REDIS_HOST in the template')
  return fn.environment
}

/** The cache as the deployed function would reach it: TLS trusting the local CA, the IAM user, a fresh token. */
const functionLikeClient = (runner: Runner, reauthenticateAfterMs?: number): RedisPoolClient => {
  const cache = runner.cache
  if (!cache?.caFile) throw new Error('no faithful cache with TLS')
  const user = cache.shape.users[0]?.userName as string
  return getRedisClient({
    host: cache.front.host,
    port: cache.front.port,
    tls: { ca: readFileSync(cache.caFile, 'utf8') },
    username: user,
    password: elastiCacheIamAuth({
      cacheName: cache.shape.cacheName,
      userId: user,
      region: runner.region,
      credentials: LOCAL_FUNCTION_CREDENTIALS,
      ...(reauthenticateAfterMs === undefined ? {} : { reauthenticateAfterMs }),
    }),
  })
}

/** One AUTH over a fresh TLS connection; the server's reply line. */
const authReply = (runner: Runner, user: string, token: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const cache = runner.cache
    if (!cache?.caFile) return reject(new Error('no faithful cache with TLS'))
    const socket = connectTls(
      { host: cache.front.host, port: cache.front.port, ca: readFileSync(cache.caFile) },
      () =>
        socket.write(
          `*3\r\n$4\r\nAUTH\r\n$${user.length}\r\n${user}\r\n$${Buffer.byteLength(token)}\r\n${token}\r\n`,
        ),
    )
    let reply = ''
    socket.on('data', (chunk) => {
      reply += chunk.toString()
      if (reply.endsWith('\r\n')) {
        socket.destroy()
        resolve(reply.slice(1, -2))
      }
    })
    socket.on('error', reject)
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('node-based cache (the default stack)', () => {
  let synth: Synthesized
  let runner: Runner

  beforeAll(async () => {
    synth = synthesize()
    runner = await serve(synth)
  }, 180_000)

  afterAll(async () => {
    await closeRedisPool()
    await runner?.stop()
    synth?.dispose()
  })

  it('keeps the deployed TLS, user and IAM variables, and points them at the front', () => {
    const env = blocksEnvironment(runner)
    const cache = runner.cache
    expect(cache?.front.tls).toBe(true)
    expect(env[ENV.redisTls]).toBe('true')
    expect(env[ENV.redisCluster]).toBe('false')
    expect(env[ENV.redisPort]).toBe(String(cache?.front.port))
    expect(env[ENV.redisUsername]).toBe(cache?.shape.users[0]?.userName)
    expect(env[ENV.redisIamAuthCacheName]).toBe(cache?.shape.cacheName)
    expect(cache?.shape.users[0]?.authentication).toBe('iam')
    expect(runner.redisUrl).toBeUndefined()
  })

  it("answers the seed's curls and round-trips a chunk over TLS as the IAM user", async () => {
    const ok = await call(runner.origin, 'GET', '/prod/cubewalkblocks', { token: TOKEN })
    expect(ok.status).toBe(200)
    expect(ok.json()).toMatchObject({ worlds: expect.any(Array) })
    const refused = await call(runner.origin, 'GET', '/prod/cubewalkblocks', { token: 'arere' })
    expect(refused.status).toBe(401)

    const chunk = `/prod/cubewalkblocks/faithful/chunks/1,2,3`
    const blocks = Buffer.alloc(4096, 3).toString('base64')
    const headers = { 'Content-Type': 'application/json' }
    const put = await call(runner.origin, 'PUT', chunk, {
      token: TOKEN,
      headers,
      body: JSON.stringify({ blocks }),
    })
    expect(put.status).toBe(200)
    const got = await call(runner.origin, 'GET', chunk, { token: TOKEN })
    expect(got.status).toBe(200)
    expect(got.json()).toMatchObject({ blocks })
    // The function authenticated with a token the front verified; none was refused.
    const stats = runner.cache?.front.stats()
    expect(stats?.iamAuthentications).toBeGreaterThanOrEqual(1)
    expect(stats?.refusedAuthentications).toBe(0)
  })

  it('works in inline isolation too, where the CA is trusted on the runner thread', async () => {
    const inline = await startRunner({
      assemblyDir: synth.outdir,
      stackName: synth.stack.stackName,
      port: 0,
      functionOutput: 'ignore',
      log: () => {},
      wiring: cubewalkWiring,
      cache: 'faithful',
      isolation: 'inline',
    })
    try {
      const ok = await call(inline.origin, 'GET', '/prod/cubewalkblocks', { token: TOKEN })
      expect(ok.status).toBe(200)
      expect(inline.cache?.front.stats().iamAuthentications).toBeGreaterThanOrEqual(1)
    } finally {
      await inline.stop()
    }
  })

  it('refuses what the deployed ACL user could not run with NOPERM', async () => {
    const client = functionLikeClient(runner)
    expect(await client.exists('cubewalk:worlds')).toBeGreaterThanOrEqual(0)
    await expect(client.flushall()).rejects.toThrow(/^NOPERM/)
    await expect(client.keys('*')).rejects.toThrow(/^NOPERM/)
    await expect(client.get('cubewalk:worlds')).rejects.toThrow(/^NOPERM/)
    await expect(client.smembers('elsewhere')).rejects.toThrow(/^NOPERM/)
  })

  it("refuses a bad, expired, wrong-user or wrong-cache token with ElastiCache's error", async () => {
    const cache = runner.cache
    if (!cache) throw new Error('no cache')
    const user = cache.shape.users[0]?.userName as string
    const sign = (options: { cacheName?: string; userId?: string; now?: Date; secret?: string }) =>
      elastiCacheIamAuth({
        cacheName: options.cacheName ?? cache.shape.cacheName,
        userId: options.userId ?? user,
        region: runner.region,
        credentials: {
          ...LOCAL_FUNCTION_CREDENTIALS,
          secretAccessKey: options.secret ?? LOCAL_FUNCTION_CREDENTIALS.secretAccessKey,
        },
        ...(options.now ? { now: () => options.now as Date } : {}),
      })()
    expect(await authReply(runner, user, await sign({}))).toBe('OK')
    expect(await authReply(runner, user, await sign({ secret: 'another-secret-not-a-secret' }))).toBe(
      WRONGPASS,
    )
    expect(await authReply(runner, user, await sign({ now: new Date(Date.now() - 20 * 60_000) }))).toBe(
      WRONGPASS,
    )
    expect(await authReply(runner, 'someone-else', await sign({ userId: 'someone-else' }))).toBe(WRONGPASS)
    expect(await authReply(runner, user, await sign({ userId: 'someone-else' }))).toBe(WRONGPASS)
    expect(await authReply(runner, user, await sign({ cacheName: 'another-cache' }))).toBe(WRONGPASS)
  })
})

describe('the 12-hour limit of IAM connections, on a sped-up clock', () => {
  let synth: Synthesized
  let runner: Runner
  const lifetimeMs = 1_500

  beforeAll(async () => {
    synth = synthesize()
    runner = await serve(synth, lifetimeMs)
  }, 180_000)

  afterAll(async () => {
    await closeRedisPool()
    await runner?.stop()
    synth?.dispose()
  })

  it("closes a connection nobody re-authenticated; the middleware's re-AUTH keeps requests error-free", async () => {
    const front = runner.cache?.front
    if (!front) throw new Error('no cache')
    // The middleware's defaults scaled down: re-AUTH after 11/12 of the limit.
    const client = functionLikeClient(runner, Math.floor((lifetimeMs * 11) / 12))
    const failures: unknown[] = []
    let requests = 0
    const until = Date.now() + 3 * lifetimeMs + 300
    while (Date.now() < until) {
      try {
        await client.hmget('cubewalk:reauth', 'a')
        requests++
      } catch (error) {
        failures.push(error)
      }
      await sleep(10)
    }
    expect(failures).toEqual([])
    expect(requests).toBeGreaterThan(50)
    expect(front.stats().lifetimeDisconnects).toBe(0)
    expect(front.stats().iamAuthentications).toBeGreaterThanOrEqual(4)
    await closeRedisPool()

    // Without re-AUTH within the limit (the real 11 hours), the front closes the connection at the limit.
    const idle = functionLikeClient(runner)
    await idle.hmget('cubewalk:reauth', 'a')
    await sleep(lifetimeMs + 300)
    expect(front.stats().lifetimeDisconnects).toBeGreaterThanOrEqual(1)
  })
})

describe('serverless cache (cluster protocol over TLS)', () => {
  let synth: Synthesized
  let runner: Runner

  beforeAll(async () => {
    synth = synthesize({ stackProps: { serverlessCache: true } })
    runner = await serve(synth)
  }, 180_000)

  afterAll(async () => {
    await runner?.stop()
    synth?.dispose()
  })

  it("answers the seed's curls and round-trips a chunk through a cluster client", async () => {
    expect(runner.cache?.shape).toMatchObject({
      serverless: true,
      clusterMode: true,
      transitEncryption: true,
    })
    expect(blocksEnvironment(runner)[ENV.redisCluster]).toBe('true')
    const ok = await call(runner.origin, 'GET', '/prod/cubewalkblocks', { token: TOKEN })
    expect(ok.status).toBe(200)
    const chunk = `/prod/cubewalkblocks/serverless/chunks/0,0,0`
    const blocks = Buffer.alloc(4096, 9).toString('base64')
    const headers = { 'Content-Type': 'application/json' }
    const put = await call(runner.origin, 'PUT', chunk, {
      token: TOKEN,
      headers,
      body: JSON.stringify({ blocks }),
    })
    expect(put.status).toBe(200)
    const got = await call(runner.origin, 'GET', chunk, { token: TOKEN })
    expect(got.json()).toMatchObject({ blocks })
    expect(runner.cache?.front.stats().iamAuthentications).toBeGreaterThanOrEqual(1)
    expect(runner.cache?.front.stats().refusedAuthentications).toBe(0)
  })
})
