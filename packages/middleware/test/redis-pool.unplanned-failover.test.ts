// Unplanned failover: the primary dies with `kill -9` under write load and its replica is promoted, the way
// ElastiCache Multi-AZ replaces a failed primary. The client reaches "the primary endpoint" through a TCP proxy
// (the DNS name that moves to the promoted replica); the replica reaches the primary through another proxy, which
// can stall replication silently (no FIN, no RST), so the replica falls behind exactly when the test says.
//
//   without durableWrites: every write acknowledged while replication lagged is lost with the primary
//   with durableWrites:    those writes answer 503 instead; no acknowledged write is lost, with or without a stall;
//                          after the promotion, writes answer 503 until the new primary has a replica again
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { Redis } from 'ioredis'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { type DurableWrites, durableWrites } from '../src/durable-writes.js'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { lambdaWith } from './support/invoke.js'
import { startTcpProxy, type TcpProxy } from './support/tcp-proxy.js'

// Start full syncs at once: the default waits 5 s for more replicas to join.
const replicationArgs = ['--repl-diskless-sync-delay', '0']

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  await closeRedisPool()
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const linkUp = async (replica: RedisProcess): Promise<void> =>
  vi.waitFor(async () => expect(await replica.cli('INFO', 'replication')).toMatch(/master_link_status:up/), {
    timeout: 10_000,
    interval: 50,
  })

const server = async (args: string[] = []): Promise<RedisProcess> => {
  const started = await startRedis({ args: [...replicationArgs, ...args] })
  cleanups.push(() => started.stop())
  return started
}

const proxy = async (port: number): Promise<TcpProxy> => {
  const started = await startTcpProxy(port)
  cleanups.push(() => started.close())
  return started
}

/** A primary, its replica (through a link that can stall) and the endpoint proxy the Lambda connects to. */
const replicationGroup = async () => {
  const primary = await server()
  const link = await proxy(primary.port)
  const replica = await server(['--replicaof', '127.0.0.1', String(link.port)])
  await linkUp(replica)
  const endpoint = await proxy(primary.port)
  return { primary, link, replica, endpoint }
}

type Phase = 'healthy' | 'stalled' | 'primary dead' | 'promoted' | 'new replica'

interface Outcome {
  i: number
  /** The phase when the write was sent... */
  phase: Phase
  /** ...and when its answer came (a WAIT can outlast a phase). */
  answeredIn: Phase
  statusCode: number
  ms: number
}

/** One Lambda writing `uf:<i>` = i in a loop through redisPool (and durableWrites when given); every result kept. */
const startWriter = (endpoint: TcpProxy, durable: DurableWrites | undefined) => {
  const invoke = lambdaWith(
    redisPool({ url: `redis://127.0.0.1:${endpoint.port}` }),
    async (event, context) => {
      const key = `uf:${(event as { i: number }).i}`
      const writes = durable?.begin(context.redis, context)
      await context.redis.set(key, key)
      await writes?.confirm(key)
      return 'OK'
    },
  )
  const outcomes: Outcome[] = []
  const state = { phase: 'healthy' as Phase, running: true }
  const done = (async () => {
    for (let i = 1; state.running; i++) {
      const phase = state.phase
      const result = await invoke(10_000, { i })
      outcomes.push({ i, phase, answeredIn: state.phase, statusCode: result.statusCode, ms: result.ms })
      // Keep the loop from spinning while everything fails fast (connection refused).
      if (result.statusCode !== 200) await new Promise((resolve) => setTimeout(resolve, 5))
    }
  })()
  const count = (phase: Phase, statusCode: number): number =>
    outcomes.filter((o) => o.phase === phase && o.statusCode === statusCode).length
  return {
    outcomes,
    count,
    /** Writes answered 200, all or those sent in `phase`. */
    acknowledged: (phase?: Phase) =>
      outcomes
        .filter((o) => o.statusCode === 200 && (phase === undefined || o.phase === phase))
        .map((o) => o.i),
    /** Writes answered 200 while in `phase`. */
    acknowledgedIn: (phase: Phase) =>
      outcomes.filter((o) => o.statusCode === 200 && o.answeredIn === phase).map((o) => o.i),
    enter: (phase: Phase) => {
      state.phase = phase
    },
    stop: async () => {
      state.running = false
      await done
    },
  }
}

/** Acknowledged writes the promoted replica does not hold. */
const missingOn = async (server: RedisProcess, acknowledged: number[]): Promise<number[]> => {
  const direct = new Redis({ port: server.port, lazyConnect: true })
  try {
    const values = await direct.mget(acknowledged.map((i) => `uf:${i}`))
    return acknowledged.filter((i, index) => values[index] !== `uf:${i}`)
  } finally {
    direct.disconnect()
  }
}

const killAndPromote = async (
  group: Awaited<ReturnType<typeof replicationGroup>>,
  writer: ReturnType<typeof startWriter>,
) => {
  await group.primary.kill()
  writer.enter('primary dead')
  await new Promise((resolve) => setTimeout(resolve, 100))
  await group.replica.cli('REPLICAOF', 'NO', 'ONE')
  group.endpoint.retarget(group.replica.port)
  writer.enter('promoted')
}

describe('redisPool: unplanned failover (kill -9 of the primary, replica promoted)', () => {
  it('without durableWrites, writes acknowledged while replication lagged are lost', async () => {
    const group = await replicationGroup()
    const writer = startWriter(group.endpoint, undefined)
    try {
      await vi.waitFor(() => expect(writer.count('healthy', 200)).toBeGreaterThan(50), { timeout: 10_000 })
      group.link.blackholeOpenConnections()
      writer.enter('stalled')
      await vi.waitFor(() => expect(writer.count('stalled', 200)).toBeGreaterThanOrEqual(20), {
        timeout: 10_000,
      })
      await killAndPromote(group, writer)
      await vi.waitFor(() => expect(writer.count('promoted', 200)).toBeGreaterThan(20), { timeout: 10_000 })
    } finally {
      await writer.stop()
    }
    const stalled = writer.acknowledged('stalled')
    const missing = await missingOn(group.replica, writer.acknowledged())
    // Acknowledged (200) and gone: every write of the stall, plus those the replica had not received yet when
    // the stall began (replication always trails the primary a little).
    expect(missing).toEqual(expect.arrayContaining(stalled))
    expect(missing.length).toBeGreaterThanOrEqual(20)
    // Writes after the promotion are on the new primary.
    expect(await missingOn(group.replica, writer.acknowledged('promoted'))).toEqual([])
  })

  it('with durableWrites, writes that replicas did not confirm answer 503, and no acknowledged write is lost', async () => {
    const group = await replicationGroup()
    const writer = startWriter(group.endpoint, durableWrites({ replicas: 1, timeout: 100 }))
    let newReplica: RedisProcess | undefined
    try {
      await vi.waitFor(() => expect(writer.count('healthy', 200)).toBeGreaterThan(50), { timeout: 10_000 })
      group.link.blackholeOpenConnections()
      writer.enter('stalled')
      await vi.waitFor(() => expect(writer.count('stalled', 503)).toBeGreaterThanOrEqual(5), {
        timeout: 10_000,
      })
      await killAndPromote(group, writer)
      // The promoted replica has no replica of its own: nothing can be confirmed, every write answers 503.
      await vi.waitFor(() => expect(writer.count('promoted', 503)).toBeGreaterThanOrEqual(5), {
        timeout: 10_000,
      })
      // A new replica joins (ElastiCache replaces the failed node): writes are confirmed again once it syncs.
      writer.enter('new replica')
      newReplica = await server(['--replicaof', '127.0.0.1', String(group.replica.port)])
      await linkUp(newReplica)
      await vi.waitFor(() => expect(writer.count('new replica', 200)).toBeGreaterThan(20), {
        timeout: 10_000,
      })
    } finally {
      await writer.stop()
    }
    // Nothing sent during the stall reached the replica, so nothing of it was acknowledged; nor was anything
    // while the promoted replica had no replica of its own.
    expect(writer.acknowledged('stalled')).toEqual([])
    expect(writer.acknowledgedIn('promoted')).toEqual([])
    // The hard promise: every acknowledged write survived the loss of the primary.
    expect(await missingOn(group.replica, writer.acknowledged())).toEqual([])
    // Unconfirmed writes answered 503 after the WAIT timeout (100 ms) plus at most one server cron tick (100 ms
    // at hz 10); loose bound for a loaded shared machine.
    const unconfirmed = writer.outcomes.filter((o) => o.phase === 'stalled' && o.statusCode === 503)
    for (const outcome of unconfirmed) {
      expect(outcome.ms).toBeGreaterThanOrEqual(95)
      expect(outcome.ms).toBeLessThan(1000)
    }
    // Confirmed also means on the replica that was attached after the failover.
    expect(await missingOn(newReplica as RedisProcess, writer.acknowledged('new replica'))).toEqual([])
  })

  it('with durableWrites, kill -9 in the middle of steady writes loses no acknowledged write', async () => {
    const group = await replicationGroup()
    const writer = startWriter(group.endpoint, durableWrites({ replicas: 1, timeout: 100 }))
    try {
      await vi.waitFor(() => expect(writer.count('healthy', 200)).toBeGreaterThan(200), { timeout: 10_000 })
      await killAndPromote(group, writer)
      await vi.waitFor(() => expect(writer.count('promoted', 503)).toBeGreaterThanOrEqual(3), {
        timeout: 10_000,
      })
    } finally {
      await writer.stop()
    }
    expect(writer.acknowledgedIn('primary dead')).toEqual([])
    expect(writer.acknowledgedIn('promoted')).toEqual([])
    expect(await missingOn(group.replica, writer.acknowledged())).toEqual([])
  })
})
