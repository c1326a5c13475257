// The storage layer against a real Redis: the scripts, the key layout and the world list rules.
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { chunkKey, indexKey, seqKey, worldsKey } from '../src/blocks/keys.js'
import { noPreconditions, parsePreconditions } from '../src/blocks/preconditions.js'
import { ChunkStore } from '../src/blocks/store.js'
import { blockIndex, parsePatchBody } from '../src/blocks/validate.js'
import { uniqueWorldPrefix } from './support/worlds.js'

const prefix = uniqueWorldPrefix('st')
let redis: Redis
let store: ChunkStore

beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { lazyConnect: false })
  store = new ChunkStore(redis)
})
afterAll(async () => {
  await redis.quit()
})

const meta = (by = 'tester', preconditions = noPreconditions) => ({
  preconditions,
  by,
  at: 1_700_000_000_000,
})
const filled = (value: number) => Buffer.alloc(4096, value)
const origin = { x: 0, y: 0, z: 0 }

describe('ChunkStore', () => {
  it('writes, reads and versions a chunk under cubewalk: keys only', async () => {
    const world = `${prefix}-a`
    expect(await store.getChunk(world, origin)).toBeNull()
    const put = await store.putChunk(world, { x: -3, y: 7, z: 1048575 }, filled(9), meta('alice'))
    expect(put.ok).toBe(true)
    const read = await store.getChunk(world, { x: -3, y: 7, z: 1048575 })
    expect(read?.blocks.equals(filled(9))).toBe(true)
    expect(read?.updatedBy).toBe('alice')
    expect(read?.updatedAt).toBe(1_700_000_000_000)
    expect(put.ok && read?.version).toBe(put.ok && put.version)
    expect(await redis.exists(chunkKey(world, '-3,7,1048575'))).toBe(1)
    expect(await redis.smembers(indexKey(world))).toEqual(['-3,7,1048575'])
    expect(await redis.sismember(worldsKey, world)).toBe(1)
  })

  it('PATCH creates an air chunk, applies edits in order and bumps the version once', async () => {
    const world = `${prefix}-b`
    const edits = parsePatchBody({
      set: [
        { x: 1, y: 2, z: 3, block: 7 },
        { x: 15, y: 15, z: 15, block: 255 },
        { x: 1, y: 2, z: 3, block: 8 },
      ],
    })
    const first = await store.patchChunk(world, origin, edits, meta())
    const read = await store.getChunk(world, origin)
    expect(read?.blocks[blockIndex(1, 2, 3)]).toBe(8)
    expect(read?.blocks[4095]).toBe(255)
    expect(read?.blocks.filter((b) => b !== 0).length).toBe(2)
    const second = await store.patchChunk(
      world,
      origin,
      parsePatchBody({ set: [{ x: 0, y: 0, z: 0, block: 1 }] }),
      meta(),
    )
    expect(first.ok && second.ok && second.version - first.version).toBe(1)
  })

  it('PATCH with 4096 edits sets every block', async () => {
    const world = `${prefix}-c`
    const set = []
    for (let y = 0; y < 16; y++)
      for (let z = 0; z < 16; z++)
        for (let x = 0; x < 16; x++) set.push({ x, y, z, block: (x + y + z) % 256 })
    await store.patchChunk(world, origin, parsePatchBody({ set }), meta())
    const read = await store.getChunk(world, origin)
    for (const { x, y, z, block } of set) expect(read?.blocks[blockIndex(x, y, z)]).toBe(block)
  })

  it('evaluates If-Match and If-None-Match atomically in the scripts', async () => {
    const world = `${prefix}-d`
    const absentIfMatch = await store.putChunk(
      world,
      origin,
      filled(1),
      meta('a', parsePreconditions('*', undefined)),
    )
    expect(absentIfMatch).toEqual({ ok: false, currentVersion: null })
    const created = await store.putChunk(
      world,
      origin,
      filled(1),
      meta('a', parsePreconditions(undefined, '*')),
    )
    expect(created.ok).toBe(true)
    const version = created.ok ? created.version : 0
    expect(
      await store.putChunk(world, origin, filled(2), meta('a', parsePreconditions(undefined, '*'))),
    ).toEqual({
      ok: false,
      currentVersion: version,
    })
    expect(
      (
        await store.putChunk(
          world,
          origin,
          filled(2),
          meta('a', parsePreconditions(`"${version + 5}"`, undefined)),
        )
      ).ok,
    ).toBe(false)
    expect(
      (
        await store.putChunk(
          world,
          origin,
          filled(2),
          meta('a', parsePreconditions(`W/"${version}"`, undefined)),
        )
      ).ok,
    ).toBe(false)
    const matched = await store.putChunk(
      world,
      origin,
      filled(2),
      meta('a', parsePreconditions(`"1000", "${version}"`, undefined)),
    )
    expect(matched).toEqual({ ok: true, version: version + 1 })
    expect(await store.deleteChunk(world, origin, parsePreconditions(`"${version}"`, undefined))).toEqual({
      ok: false,
      currentVersion: version + 1,
    })
    expect(await store.deleteChunk(world, origin, parsePreconditions(`"${version + 1}"`, undefined))).toEqual(
      { ok: true, deleted: true },
    )
    expect(await store.deleteChunk(world, origin, noPreconditions)).toEqual({ ok: true, deleted: false })
  })

  it('never reuses a version after delete and re-create, so an old ETag cannot match', async () => {
    const world = `${prefix}-e`
    const first = await store.putChunk(world, origin, filled(1), meta())
    await store.deleteChunk(world, origin, noPreconditions)
    const again = await store.putChunk(world, origin, filled(1), meta())
    expect(first.ok && again.ok && again.version > first.version).toBe(true)
    const stale = await store.putChunk(
      world,
      origin,
      filled(3),
      meta('x', parsePreconditions(`"${first.ok ? first.version : 0}"`, undefined)),
    )
    expect(stale.ok).toBe(false)
    expect(await redis.exists(seqKey(world))).toBe(1)
  })

  it('reads a batch in request order with nulls for absent chunks', async () => {
    const world = `${prefix}-f`
    await store.putChunk(world, { x: 1, y: 0, z: 0 }, filled(1), meta())
    await store.putChunk(world, { x: 2, y: 0, z: 0 }, filled(2), meta())
    const chunks = await store.getChunks(world, [
      { x: 2, y: 0, z: 0 },
      { x: 3, y: 0, z: 0 },
      { x: 1, y: 0, z: 0 },
      { x: 2, y: 0, z: 0 },
    ])
    expect(chunks.map((c) => c?.blocks[0] ?? null)).toEqual([2, null, 1, 2])
  })

  it('lists a world while it holds a chunk and hides it once empty', async () => {
    const world = `${prefix}-g`
    await store.putChunk(world, origin, filled(1), meta())
    expect(await store.listWorlds()).toContain(world)
    await store.deleteChunk(world, origin, noPreconditions)
    expect(await store.listWorlds()).not.toContain(world)
    expect(await redis.exists(indexKey(world))).toBe(0)
    await store.patchChunk(world, origin, parsePatchBody({ set: [{ x: 0, y: 0, z: 0, block: 1 }] }), meta())
    expect(await store.listWorlds()).toContain(world)
  })

  it('re-lists a world after the global set was lost, once the world is written again from empty', async () => {
    const world = `${prefix}-h`
    await store.putChunk(world, origin, filled(1), meta())
    await store.deleteChunk(world, origin, noPreconditions)
    await redis.srem(worldsKey, world)
    // This process already listed the world once; the script's "index was empty" flag makes it list it again.
    await store.putChunk(world, origin, filled(1), meta())
    expect(await store.listWorlds()).toContain(world)
  })

  it('keeps the world listed when its last chunk is deleted while another is written', async () => {
    const world = `${prefix}-i`
    const otherClient = new Redis(inject('redisUrl'))
    const other = new ChunkStore(otherClient)
    try {
      for (let round = 0; round < 50; round++) {
        await store.putChunk(world, { x: 0, y: 0, z: 0 }, filled(1), meta())
        await Promise.all([
          store.deleteChunk(world, { x: 0, y: 0, z: 0 }, noPreconditions),
          other.putChunk(world, { x: 1, y: 0, z: 0 }, filled(1), meta()),
        ])
        expect(await store.listWorlds()).toContain(world)
        await store.deleteChunk(world, { x: 1, y: 0, z: 0 }, noPreconditions)
        expect(await store.listWorlds()).not.toContain(world)
      }
    } finally {
      await otherClient.quit()
    }
  })
})
