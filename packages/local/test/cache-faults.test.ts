// The faults of the faithful local cache against real redis-servers, as a client of the front sees them: the
// template's replica (synced, with the ACL users, confirming WAIT), kill and restart (data gone: nothing persisted),
// freeze of the real redis-server process and its end, planned and unplanned failover (READONLY on connections to
// the old primary, nothing acknowledged lost), heal, and the runner passing the replica count to the wiring.

import { existsSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type LocalServices, startRunner } from '../src/index.js'
import type { CacheShape } from '../src/services/cache-front/cache-template.js'
import { type LocalCache, startLocalCache } from '../src/services/cache-front/local-cache.js'
import type { RespReply } from '../src/services/cache-front/resp.js'
import { freePort, startLocalRedis } from '../src/services/redis-server.js'
import { fixtureTemplate, writeFixtureAssembly } from './fixture-assembly.js'
import { wiring } from './support/fixture-wiring.js'
import { errorText, type RawClient, rawClient } from './support/resp-tls-client.js'

const user = 'app-user'
const password = 'fixture-password-not-a-secret'
const shape: CacheShape = {
  logicalId: 'Cache',
  cacheName: 'app-cache',
  serverless: false,
  clusterMode: false,
  transitEncryption: true,
  replicas: 1,
  users: [
    {
      userId: user,
      userName: user,
      accessString: 'on ~app:* -@all +get +set +mget +wait +ping',
      authentication: 'password',
      passwords: [password],
    },
  ],
}
const credentials = {
  accessKeyId: 'ASIALOCALTESTNOTSECRET',
  secretAccessKey: 'local-test-secret-not-a-secret',
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const start = async (overrides: Partial<CacheShape> = {}) =>
  startLocalCache({
    shape: { ...shape, ...overrides },
    port: await freePort(),
    region: 'eu-west-1',
    credentials,
  })

/** A client of the front, logged in as the template's user. */
const login = async (cache: LocalCache): Promise<RawClient> => {
  const client = await rawClient(cache.front.port, { ca: readFileSync(cache.caFile as string, 'utf8') })
  expect(await client.send(['AUTH', user, password])).toEqual(['OK'])
  return client
}

/** The replies, or 'closed' when the connection closes first (the raw client never answers then). */
const sendOrClosed = (client: RawClient, ...commands: string[][]): Promise<RespReply[] | 'closed'> =>
  Promise.race([client.send(...commands), client.closed.then(() => 'closed' as const)])

/** Whether a new client of the front can log in and answer, within `ms`. */
const answers = async (cache: LocalCache, ms = 2_000): Promise<boolean> => {
  try {
    const client = await rawClient(cache.front.port, { ca: readFileSync(cache.caFile as string, 'utf8') })
    const reply = await Promise.race([sendOrClosed(client, ['AUTH', user, password]), sleep(ms)])
    client.close()
    return Array.isArray(reply) && reply[0] === 'OK'
  } catch {
    return false
  }
}

const processState = (pid: number): string | undefined => {
  const stat = `/proc/${pid}/stat`
  return existsSync(stat) ? readFileSync(stat, 'utf8').split(') ')[1]?.[0] : undefined
}

const redisPid = async (cache: LocalCache): Promise<number> => {
  const admin = await cache.admin()
  try {
    return Number(/process_id:(\d+)/.exec(String(await admin.command('INFO', 'server')))?.[1])
  } finally {
    admin.close()
  }
}

const role = async (cache: LocalCache, port: number): Promise<string | undefined> => {
  // The admin connection goes to the primary: ask it for its replicas, or read the replica's own INFO via ROLE.
  const admin = await cache.admin()
  try {
    const info = String(await admin.command('INFO', 'replication'))
    if (cache.faultState().primary.port === port) return /role:(\w+)/.exec(info)?.[1]
    return info.includes(`port=${port},state=online`) ? 'slave' : undefined
  } finally {
    admin.close()
  }
}

describe('a node-based cache with a replica', () => {
  let cache: LocalCache
  beforeAll(async () => {
    cache = await start()
  })
  afterAll(async () => {
    await cache?.stop()
  })

  it('runs the replica the template asks for: synced, with the ACL users, confirming writes with WAIT', async () => {
    expect(cache.replicas).toBe(1)
    const state = cache.faultState()
    expect(state).toMatchObject({ killed: false, frozenUntil: undefined, latencyMs: 0 })
    expect(state.primary.port).toBe(cache.redis.port)
    expect(state.replicas).toEqual([{ host: '127.0.0.1', port: expect.any(Number), running: true }])
    const client = await login(cache)
    expect(await client.send(['SET', 'app:replicated', '1'], ['WAIT', '1', '2000'])).toEqual(['OK', 1])
    client.close()
    // The replica itself: the user exists there too (ACLs are not replicated), the default user is off, writes
    // are refused as on any replica.
    const replica = await rawClient(state.replicas[0]?.port as number)
    expect(errorText((await replica.send(['GET', 'app:replicated']))[0])).toMatch(/^NOAUTH/)
    const replies = await replica.send(
      ['AUTH', user, password],
      ['GET', 'app:replicated'],
      ['SET', 'app:x', '1'],
    )
    expect(replies.slice(0, 2)).toEqual(['OK', '1'])
    expect(errorText(replies[2])).toMatch(/^READONLY/)
    replica.close()
  })

  it('kill: connections close, new ones are closed, until restart brings back an empty primary on the same port', async () => {
    const before = await login(cache)
    expect(await before.send(['SET', 'app:before-kill', 'v'], ['WAIT', '1', '2000'])).toEqual(['OK', 1])
    const port = cache.faultState().primary.port
    await cache.kill()
    await cache.kill() // already down: nothing more happens
    expect(cache.faultState().killed).toBe(true)
    await before.closed
    expect(await answers(cache)).toBe(false)
    await expect(cache.freeze(1_000)).rejects.toThrow(/not running/)

    await cache.restart()
    expect(cache.faultState()).toMatchObject({ killed: false, primary: { port } })
    const after = await login(cache)
    // Nothing is persisted: the restarted primary is empty, and its replica synced that.
    expect(
      await after.send(['GET', 'app:before-kill'], ['SET', 'app:after', '1'], ['WAIT', '1', '2000']),
    ).toEqual([null, 'OK', 1])
    after.close()
  })

  it('freeze: the redis-server process (not its watchdog) stops, commands wait, and are answered when it ends', async () => {
    const pid = await redisPid(cache)
    const client = await login(cache)
    await cache.freeze(1_500)
    const until = cache.faultState().frozenUntil
    expect(until).toBeInstanceOf(Date)
    if (existsSync('/proc')) expect(processState(pid)).toBe('T')
    const began = performance.now()
    const reply = client.send(['SET', 'app:frozen', '1'])
    expect(await Promise.race([reply, sleep(500).then(() => 'no answer')])).toBe('no answer')
    expect(await reply).toEqual(['OK'])
    expect(performance.now() - began).toBeGreaterThan(700)
    expect(cache.faultState().frozenUntil).toBeUndefined()

    await cache.freeze(60_000)
    const waiting = client.send(['GET', 'app:frozen'])
    await sleep(100)
    await cache.thaw()
    expect(await Promise.race([waiting, sleep(5_000).then(() => 'no answer')])).toEqual(['1'])
    expect(cache.faultState().frozenUntil).toBeUndefined()
    client.close()
  })

  it('rejects a freeze of no duration', async () => {
    for (const ms of [0, -1, Number.NaN, Number.POSITIVE_INFINITY])
      await expect(cache.freeze(ms)).rejects.toThrow(RangeError)
  })

  it('failover: the replica is promoted, the endpoint leads to it, the old primary answers READONLY, no acknowledged write is lost', async () => {
    const oldPrimary = cache.faultState().primary.port
    const oldReplica = cache.faultState().replicas[0]?.port as number
    const stale = await login(cache)
    // A writer that reconnects on READONLY or a closed connection, as a client of ElastiCache must.
    const acknowledged: number[] = []
    const problems: string[] = []
    let running = true
    const writer = (async () => {
      let client = await login(cache)
      for (let i = 0; running; i++) {
        const reply = await sendOrClosed(client, ['SET', `app:w:${i}`, String(i)])
        if (Array.isArray(reply) && reply[0] === 'OK') acknowledged.push(i)
        else {
          if (Array.isArray(reply) && !/^READONLY/.test(String(errorText(reply[0]))))
            problems.push(String(errorText(reply[0])))
          client.close()
          client = await login(cache)
        }
      }
      client.close()
    })()
    await sleep(300)
    await cache.failover()
    await sleep(300)
    running = false
    await writer

    expect(problems).toEqual([])
    expect(cache.faultState().primary.port).toBe(oldReplica)
    expect(cache.faultState().replicas).toEqual([{ host: '127.0.0.1', port: oldPrimary, running: true }])
    expect(await role(cache, oldReplica)).toBe('master')
    expect(await role(cache, oldPrimary)).toBe('slave')
    // The connection opened before the failover still leads to the old primary, now a replica.
    expect(errorText((await stale.send(['SET', 'app:stale', '1']))[0])).toMatch(/^READONLY/)
    stale.close()

    const reader = await login(cache)
    const [values] = await reader.send(['MGET', ...acknowledged.map((i) => `app:w:${i}`)])
    expect(acknowledged.length).toBeGreaterThan(20)
    expect((values as string[]).filter((value, index) => value !== String(acknowledged[index]))).toEqual([])
    // The demoted primary replicates the new one, so writes are confirmed again.
    expect(await reader.send(['SET', 'app:after-failover', '1'], ['WAIT', '1', '2000'])).toEqual(['OK', 1])
    reader.close()
  })

  it('failover after kill: the replica is promoted with its data, heal brings the dead node back as its replica', async () => {
    const client = await login(cache)
    expect(await client.send(['SET', 'app:survives', 'yes'], ['WAIT', '1', '2000'])).toEqual(['OK', 1])
    client.close()
    const dead = cache.faultState().primary.port
    await cache.kill()
    await cache.failover()
    const state = cache.faultState()
    expect(state.killed).toBe(false)
    expect(state.primary.port).not.toBe(dead)
    expect(state.replicas).toEqual([{ host: '127.0.0.1', port: dead, running: false }])
    const after = await login(cache)
    expect(
      await after.send(['GET', 'app:survives'], ['SET', 'app:alone', '1'], ['WAIT', '1', '200']),
    ).toEqual(['yes', 'OK', 0])
    await expect(cache.failover()).rejects.toThrow(/no replica is running; heal\(\)/)

    await cache.heal()
    expect(cache.faultState().replicas).toEqual([{ host: '127.0.0.1', port: dead, running: true }])
    // The node came back as a replica, so it synced the data instead of wiping it.
    expect(
      await after.send(['GET', 'app:survives'], ['SET', 'app:healed', '1'], ['WAIT', '1', '2000']),
    ).toEqual(['yes', 'OK', 1])
    after.close()
  })

  it('refuses a failover from a frozen primary, changing nothing', async () => {
    const primary = cache.faultState().primary
    await cache.freeze(30_000)
    await expect(cache.failover()).rejects.toThrow(/frozen; thaw\(\) it first/)
    expect(cache.faultState().primary).toEqual(primary)
    await cache.thaw()
  })

  it('heal undoes every fault at once: latency, expired tokens, freeze, a dead primary', async () => {
    cache.front.setLatency(5_000)
    cache.front.expireTokens()
    await cache.freeze(60_000)
    await cache.kill()
    expect(cache.faultState()).toMatchObject({ killed: true, latencyMs: 5_000 })
    await cache.heal()
    expect(cache.faultState()).toMatchObject({ killed: false, frozenUntil: undefined, latencyMs: 0 })
    expect(cache.faultState().replicas.every((replica) => replica.running)).toBe(true)
    expect(await answers(cache)).toBe(true)
  })
})

describe('caches without a replica to fail over to', () => {
  it('a node-based cache without replicas: failover is refused with the reason', async () => {
    const cache = await start({ replicas: 0 })
    try {
      expect(cache.replicas).toBe(0)
      await expect(cache.failover()).rejects.toThrow(/has no replica in the template/)
      expect(await answers(cache)).toBe(true)
    } finally {
      await cache.stop()
    }
  })

  it('serverless: a failover is a node replacement behind the endpoint: connections close, the data stays', async () => {
    const cache = await start({ serverless: true, clusterMode: true, replicas: 0 })
    try {
      expect(cache.replicas).toBe(0)
      const client = await login(cache)
      expect(await client.send(['SET', 'app:kept', '1'])).toEqual(['OK'])
      const primary = cache.faultState().primary
      await cache.failover()
      await client.closed
      expect(cache.faultState().primary).toEqual(primary)
      const again = await login(cache)
      expect(await again.send(['GET', 'app:kept'])).toEqual(['1'])
      again.close()
    } finally {
      await cache.stop()
    }
  })
})

describe('stop while frozen', () => {
  it('the watchdog of a private redis-server stops it even when it was left frozen (SIGSTOP)', async () => {
    const redis = await startLocalRedis()
    const client = await rawClient(redis.port)
    const pid = Number(/process_id:(\d+)/.exec(String((await client.send(['INFO', 'server']))[0]))?.[1])
    client.close()
    process.kill(pid, 'SIGSTOP')
    const began = performance.now()
    await redis.stop()
    // Without SIGCONT after its SIGTERM the watchdog would wait until stop()'s 3-second SIGKILL of the watchdog,
    // and leave redis-server stopped for ever.
    expect(performance.now() - began).toBeLessThan(2_500)
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
  })

  it('still stops every redis-server', async () => {
    const cache = await start()
    const pid = await redisPid(cache)
    await cache.freeze(60_000)
    const began = performance.now()
    await cache.stop()
    expect(performance.now() - began).toBeLessThan(5_000)
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }))
    // Nothing can start a server again once stopped.
    await expect(cache.restart()).rejects.toThrow(/stopped/)
    await expect(cache.heal()).rejects.toThrow(/stopped/)
  })

  it('waits for a fault in progress, so a restart cannot start a server after the stop', async () => {
    const cache = await start()
    await cache.kill()
    const restarting = cache.restart()
    await sleep(20) // the restart is under way (it takes a redis-server start)
    await cache.stop()
    await restarting
    // The restart finished before the stop, which then stopped the server it started.
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: cache.redis.port })
      socket.once('connect', () => {
        socket.destroy()
        resolve(false)
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
    })
    expect(refused).toBe(true)
  })
})

describe('through the runner (fixture assembly)', () => {
  it('serves the replicas of NumCacheClusters and tells the wiring how many confirm writes', async () => {
    const template = fixtureTemplate() as {
      Resources: Record<string, { Properties: Record<string, unknown> }>
    }
    const cacheResource = template.Resources.Cache as { Properties: Record<string, unknown> }
    cacheResource.Properties.NumCacheClusters = 2
    const assembly = writeFixtureAssembly(template)
    const seen: LocalServices[] = []
    const runner = await startRunner({
      assemblyDir: assembly.dir,
      port: 0,
      cache: 'faithful',
      functionOutput: 'ignore',
      log: () => {},
      wiring: {
        ...wiring,
        environment(fn, services) {
          seen.push(services)
          return wiring.environment?.(fn, services) ?? {}
        },
      },
    })
    try {
      expect(runner.cache?.replicas).toBe(1)
      const response = await fetch(`${runner.origin}/prod/cubewalkblocks`, {
        headers: { token: 'cubewalk-allow' },
      })
      expect(response.status).toBe(200)
      expect(seen.length).toBeGreaterThan(0)
      expect(seen.every((services) => services.cache?.replicas === 1)).toBe(true)
      // Faults through the runner's cache, and stop with the primary frozen.
      await runner.cache?.freeze(60_000)
    } finally {
      await runner.stop()
      assembly.remove()
    }
  })
})
