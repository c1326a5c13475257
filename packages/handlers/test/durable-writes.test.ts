// REDIS_DURABLE_REPLICAS through the blocks handler: each successful write waits for a replica's confirmation
// (503 JSON when it does not come in time), reads never wait, and writes that change nothing send no WAIT.
// A private primary with one replica, because the test freezes the replica.
import { closeRedisPool } from '@cubewalk/middleware'
import {
  type RedisCluster,
  type RedisProcess,
  startCluster,
  startRedis,
  waitForReplicaAcks,
} from '@cubewalk/redis-harness'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { chunkKey, chunkMember, worldsKey } from '../src/blocks/keys.js'
import { readBlocksConfig } from '../src/config.js'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { jsonBody } from './support/events.js'

let primary: RedisProcess
let replica: RedisProcess
let durable: BlocksHandler
let asynchronous: BlocksHandler
const logged: string[] = []

const waitCallsOn = async (server: Pick<RedisProcess, 'cli'>): Promise<number> =>
  Number(/cmdstat_wait:calls=(\d+)/.exec(await server.cli('INFO', 'commandstats'))?.[1] ?? 0)
const waitCalls = (): Promise<number> => waitCallsOn(primary)

const frozen = async <T>(server: RedisProcess, action: () => Promise<T>): Promise<T> => {
  const pid = server.pid as number
  process.kill(pid, 'SIGSTOP')
  try {
    return await action()
  } finally {
    process.kill(pid, 'SIGCONT')
  }
}

const timed = async <T>(action: () => Promise<T>): Promise<[T, number]> => {
  const started = performance.now()
  const result = await action()
  return [result, performance.now() - started]
}

beforeAll(async () => {
  primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
  replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  await vi.waitFor(
    async () => expect(await replica.cli('INFO', 'replication')).toMatch(/master_link_status:up/),
    { timeout: 10_000, interval: 50 },
  )
  await waitForReplicaAcks(primary)
  // The configuration exactly as the stack's environment gives it.
  const config = readBlocksConfig({
    REDIS_URL: primary.url,
    REDIS_DURABLE_REPLICAS: '1',
    // Longer than the stack's 100 ms default: on a loaded 2-core machine a healthy replica's acknowledgement can
    // take over 100 ms to be scheduled, and the healthy-path tests must not turn that into a 503.
    REDIS_DURABLE_TIMEOUT_MS: '400',
  })
  expect(config.durableWrites).toEqual({ replicas: 1, timeout: 400 })
  durable = blocksHandler(
    primary.url,
    { durableWrites: config.durableWrites },
    {
      logger: (entry) => void logged.push(JSON.stringify(entry)),
    },
  )
  asynchronous = blocksHandler(primary.url)
})

afterAll(async () => {
  await closeRedisPool()
  await Promise.all([primary?.stop(), replica?.stop()])
})

const path = (world: string, at = '0,0,0') => `/cubewalkblocks/${world}/chunks/${at}`
const put = (handler: BlocksHandler, world: string, fill = 1, headers: Record<string, string> = {}) => {
  const body = jsonBody({ blocks: chunkBase64(() => fill) })
  return call(handler, 'PUT', path(world), { ...body, headers: { ...body.headers, ...headers } })
}

describe('blocks handler with REDIS_DURABLE_REPLICAS=1', () => {
  it('acknowledges a write once the replica holds it: one WAIT per PUT, PATCH and DELETE, none per GET', async () => {
    const before = await waitCalls()
    expect((await put(durable, 'dur-a', 7)).statusCode).toBe(200)
    // Acknowledged means on the replica already.
    expect(await replica.cli('HGET', chunkKey('dur-a', chunkMember(0, 0, 0)), 'version')).toBe('1')
    const patched = await call(
      durable,
      'PATCH',
      path('dur-a'),
      jsonBody({ set: [{ x: 1, y: 0, z: 0, block: 3 }] }),
    )
    expect(patched.statusCode).toBe(200)
    expect(await replica.cli('HGET', chunkKey('dur-a', chunkMember(0, 0, 0)), 'version')).toBe('2')
    expect((await call(durable, 'GET', path('dur-a'))).statusCode).toBe(200)
    expect((await call(durable, 'GET', '/cubewalkblocks')).statusCode).toBe(200)
    const deleted = await call(durable, 'DELETE', path('dur-a'))
    expect(deleted.json).toEqual({ deleted: true })
    expect(await replica.cli('EXISTS', chunkKey('dur-a', chunkMember(0, 0, 0)))).toBe('0')
    expect((await waitCalls()) - before).toBe(3)
  })

  it('answers 503 JSON when the replica does not confirm in time; reads and no-op writes do not wait', async () => {
    expect((await put(durable, 'dur-b', 1)).statusCode).toBe(200)
    logged.length = 0
    await frozen(replica, async () => {
      const [written, ms] = await timed(() => put(durable, 'dur-b', 2))
      expect(written.statusCode).toBe(503)
      expect(written.json).toEqual({ message: 'Service Unavailable' })
      // WAIT timeout 400 ms, answered on the server's next cron tick (≤ 100 ms at hz 10); loaded machine.
      expect(ms).toBeGreaterThanOrEqual(395)
      expect(ms).toBeLessThan(2000)
      expect(logged.join('\n')).toContain('0 of 1 replica confirmed the writes within 400 ms')

      const before = await waitCalls()
      // The 503 did not undo the write: it is on the primary, only not confirmed. Reads do not wait.
      const [read, readMs] = await timed(() => call(durable, 'GET', path('dur-b')))
      expect(read.statusCode).toBe(200)
      expect(read.json).toMatchObject({ version: 2 })
      expect(readMs).toBeLessThan(95)
      // A failed precondition and a delete of nothing wrote nothing: no WAIT, their usual answers.
      expect((await put(durable, 'dur-b', 3, { 'If-Match': '"1"' })).statusCode).toBe(412)
      expect((await call(durable, 'DELETE', path('dur-b', '5,5,5'))).json).toEqual({ deleted: false })
      expect(await waitCalls()).toBe(before)
      // Off (the default), the same write is acknowledged without any replica.
      expect((await put(asynchronous, 'dur-b', 4)).statusCode).toBe(200)
      expect(await waitCalls()).toBe(before)
    })
    // The replica is back: writes are acknowledged again, and the retried PUT (idempotent) lands.
    await vi.waitFor(async () => expect((await put(durable, 'dur-b', 2)).statusCode).toBe(200), {
      timeout: 5000,
    })
  })
})

describe('blocks handler with REDIS_DURABLE_REPLICAS=1 on a cluster', () => {
  let cluster: RedisCluster
  let admin: Cluster
  beforeAll(async () => {
    cluster = await startCluster(3)
    admin = new Cluster(cluster.startupNodes)
    await admin.ping()
  }, 60_000)
  afterAll(async () => {
    await admin?.quit()
    await cluster?.stop()
  })

  const ownerOf = async (key: string): Promise<number> => {
    const slot = Number(await admin.cluster('KEYSLOT', key))
    const owner = admin.slots[slot]?.[0]
    return cluster.nodes.findIndex((node) => `${node.host}:${node.port}` === owner)
  }

  it('waits on the primary of the chunk and on that of the world list, and re-confirms an unconfirmed listing', async () => {
    const seed = cluster.startupNodes[0] as { host: string; port: number }
    const handler = blocksHandler(
      '',
      {
        redis: { host: seed.host, port: seed.port, cluster: true },
        // These primaries have no replicas, so nothing can be confirmed: every write answers 503.
        durableWrites: { replicas: 1, timeout: 20 },
      },
      { logger: (entry) => void logged.push(JSON.stringify(entry)) },
    )
    const listOwner = await ownerOf(worldsKey)
    let world = ''
    let chunkOwner = -1
    for (let i = 0; chunkOwner === -1 || chunkOwner === listOwner; i++) {
      world = `dur-cluster-${i}`
      chunkOwner = await ownerOf(chunkKey(world, chunkMember(0, 0, 0)))
    }
    const sentSince = async (before: number[]) =>
      (await Promise.all(cluster.nodes.map(waitCallsOn))).map((calls, i) => calls - (before[i] ?? 0))
    const expected = cluster.nodes.map((_, i) => (i === chunkOwner || i === listOwner ? 1 : 0))

    for (const attempt of [1, 2]) {
      const before = await Promise.all(cluster.nodes.map(waitCallsOn))
      const response = await put(handler, world, attempt)
      expect(response.statusCode).toBe(503)
      // One WAIT on each primary written; the second attempt lists the world again, since the first listing
      // was not confirmed either.
      expect(await sentSince(before)).toEqual(expected)
    }
  })
})

describe('REDIS_DURABLE_REPLICAS configuration', () => {
  it('is off unless set to 1 or more; the timeout defaults to 100 ms', () => {
    expect(readBlocksConfig({ REDIS_URL: 'redis://h' }).durableWrites).toBeUndefined()
    expect(
      readBlocksConfig({ REDIS_URL: 'redis://h', REDIS_DURABLE_REPLICAS: '0' }).durableWrites,
    ).toBeUndefined()
    expect(readBlocksConfig({ REDIS_URL: 'redis://h', REDIS_DURABLE_REPLICAS: '2' }).durableWrites).toEqual({
      replicas: 2,
      timeout: 100,
    })
  })

  it.each([
    [{ REDIS_DURABLE_REPLICAS: '6' }, /REDIS_DURABLE_REPLICAS must be an integer from 0 to 5, got "6"/],
    [{ REDIS_DURABLE_REPLICAS: 'one' }, /REDIS_DURABLE_REPLICAS must be an integer/],
    [
      { REDIS_DURABLE_REPLICAS: '1', REDIS_DURABLE_TIMEOUT_MS: '0' },
      /REDIS_DURABLE_TIMEOUT_MS must be an integer from 1/,
    ],
    [
      { REDIS_DURABLE_REPLICAS: '1', REDIS_IAM_AUTH_SERVERLESS: 'true' },
      /REDIS_DURABLE_REPLICAS must be 0 with ElastiCache Serverless, which does not accept WAIT/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => readBlocksConfig({ REDIS_URL: 'redis://h', ...env })).toThrow(message)
  })
})
