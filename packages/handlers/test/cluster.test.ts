// The blocks Lambda on a 3-shard Redis Cluster: worlds spread over shards, each world's keys in one slot, so
// every operation stays one command on one shard, and the world list (another slot) stays right.
import { closeRedisPool } from '@cubewalk/middleware'
import { type RedisCluster, startCluster } from '@cubewalk/redis-harness'
import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunkKey, indexKey, seqKey, worldsKey } from '../src/blocks/keys.js'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { jsonBody } from './support/events.js'

let cluster: RedisCluster
let handler: BlocksHandler
let admin: Cluster

beforeAll(async () => {
  cluster = await startCluster(3)
  const seed = cluster.startupNodes[0] as { host: string; port: number }
  handler = blocksHandler('', { redis: { host: seed.host, port: seed.port, cluster: true } })
  admin = new Cluster(cluster.startupNodes)
}, 60_000)
afterAll(async () => {
  await admin?.quit()
  await closeRedisPool()
  await cluster?.stop()
})

/** Data commands executed per node since the last call (INFO commandstats), script-internal ones included. */
const dataCommands = [
  'eval',
  'evalsha',
  'hmget',
  'hget',
  'hset',
  'incr',
  'sadd',
  'srem',
  'scard',
  'del',
  'smembers',
  'exists',
]
const counters = async (): Promise<Array<Record<string, number>>> =>
  Promise.all(
    cluster.nodes.map(async (node) => {
      const info = await node.cli('INFO', 'commandstats')
      const counts: Record<string, number> = {}
      for (const match of info.matchAll(/cmdstat_(\w+):calls=(\d+)/g)) {
        const name = match[1] as string
        // EVAL the first time a script is used on a connection, EVALSHA afterwards: both are "the script".
        const key = name === 'eval' || name === 'evalsha' ? 'script' : name
        if (dataCommands.includes(name)) counts[key] = (counts[key] ?? 0) + Number(match[2])
      }
      return counts
    }),
  )
const delta = (before: Array<Record<string, number>>, after: Array<Record<string, number>>) =>
  after.map((node, i) =>
    Object.fromEntries(
      Object.entries(node)
        .map(([name, calls]) => [name, calls - (before[i]?.[name] ?? 0)] as const)
        .filter(([, d]) => d > 0),
    ),
  )

const worlds = Array.from({ length: 12 }, (_, i) => `cl-world-${i}`)

describe('cluster mode', () => {
  it('keeps a world in one slot and lists worlds from every shard', async () => {
    for (const world of worlds) {
      const response = await call(
        handler,
        'PUT',
        `/cubewalkblocks/${world}/chunks/0,0,0`,
        jsonBody({ blocks: chunkBase64(() => 1) }),
      )
      expect(response.statusCode).toBe(200)
    }
    const slotOf = (key: string) => admin.call('CLUSTER', 'KEYSLOT', key) as Promise<number>
    const slots = new Set<number>()
    for (const world of worlds) {
      const [a, b, c] = await Promise.all([
        slotOf(chunkKey(world, '0,0,0')),
        slotOf(indexKey(world)),
        slotOf(seqKey(world)),
      ])
      expect(new Set([a, b, c]).size).toBe(1)
      slots.add(a)
    }
    expect(slots.size).toBeGreaterThan(1)
    expect((await call(handler, 'GET', '/cubewalkblocks')).json?.worlds).toEqual([...worlds].sort())
    expect(await admin.scard(worldsKey)).toBe(worlds.length)
    await call(handler, 'DELETE', `/cubewalkblocks/${worlds[0]}/chunks/0,0,0`)
    expect((await call(handler, 'GET', '/cubewalkblocks')).json?.worlds).not.toContain(worlds[0])
  })

  it('a 64-chunk batch read is one command on one shard; PATCH and PUT with If-Match are one each', async () => {
    const world = worlds[1] as string
    for (let i = 0; i < 64; i += 3) {
      await call(
        handler,
        'PUT',
        `/cubewalkblocks/${world}/chunks/${i},0,0`,
        jsonBody({ blocks: chunkBase64(() => i) }),
      )
    }
    const at = Array.from({ length: 64 }, (_, i) => `${i},0,0`).join(';')

    let before = await counters()
    const batch = await call(handler, 'GET', `/cubewalkblocks/${world}/chunks`, { query: { at } })
    let change = delta(before, await counters())
    expect(batch.statusCode).toBe(200)
    expect(((batch.json?.chunks ?? []) as unknown[]).filter((c) => c !== null)).toHaveLength(22)
    // Commands a script runs count in commandstats too: one script call that did 64 HMGETs, on one shard.
    expect(change.filter((node) => Object.keys(node).length > 0)).toEqual([{ script: 1, hmget: 64 }])

    before = await counters()
    const patch = await call(
      handler,
      'PATCH',
      `/cubewalkblocks/${world}/chunks/0,0,0`,
      jsonBody({ set: [{ x: 0, y: 0, z: 0, block: 9 }] }),
    )
    change = delta(before, await counters())
    expect(patch.statusCode).toBe(200)
    expect(change.filter((node) => Object.keys(node).length > 0)).toEqual([
      expect.objectContaining({ script: 1 }),
    ])

    before = await counters()
    const put = await call(handler, 'PUT', `/cubewalkblocks/${world}/chunks/0,0,0`, {
      body: JSON.stringify({ blocks: chunkBase64(() => 5) }),
      headers: { 'Content-Type': 'application/json', 'If-Match': String(patch.headers.ETag) },
    })
    change = delta(before, await counters())
    expect(put.statusCode).toBe(200)
    expect(change.filter((node) => Object.keys(node).length > 0)).toEqual([
      expect.objectContaining({ script: 1 }),
    ])

    before = await counters()
    expect((await call(handler, 'GET', `/cubewalkblocks/${world}/chunks/0,0,0`)).json?.blocks).toBe(
      chunkBase64(() => 5),
    )
    change = delta(before, await counters())
    expect(change.filter((node) => Object.keys(node).length > 0)).toEqual([{ hmget: 1 }])
  })
})
