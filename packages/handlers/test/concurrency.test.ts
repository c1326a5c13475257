// Concurrent writers on one chunk: the scripts make every PATCH and every conditional PUT atomic.
import { closeRedisPool } from '@cubewalk/middleware'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { jsonBody, responseHeader } from './support/events.js'
import { uniqueWorldPrefix } from './support/worlds.js'

const prefix = uniqueWorldPrefix('cc')
// Two handler instances, like two warm Lambda containers: separate middy pipelines, one process-wide pool per
// endpoint is shared by design, so the second one also gets its own connection via a different URL spelling.
let first: BlocksHandler
let second: BlocksHandler

beforeAll(() => {
  const url = inject('redisUrl')
  first = blocksHandler(url)
  second = blocksHandler(url.replace('127.0.0.1', 'localhost'))
})
afterAll(async () => {
  await closeRedisPool()
})

describe('concurrency', () => {
  it('200 concurrent PATCHes of different blocks of one chunk: every edit lands, version +200 exactly', async () => {
    const world = `${prefix}-patch`
    const path = `/cubewalkblocks/${world}/chunks/7,-3,2`
    const created = await call(first, 'PUT', path, jsonBody({ blocks: chunkBase64() }))
    const start = created.json?.version as number
    const edits = Array.from({ length: 200 }, (_, i) => ({
      x: i % 16,
      z: (i >> 4) % 16,
      y: i >> 8,
      block: (i % 255) + 1,
    }))
    const responses = await Promise.all(
      edits.map((edit, i) => call(i % 2 === 0 ? first : second, 'PATCH', path, jsonBody({ set: [edit] }))),
    )
    expect(responses.map((r) => r.statusCode)).toEqual(edits.map(() => 200))
    const versions = responses.map((r) => r.json?.version as number).sort((a, b) => a - b)
    expect(versions).toEqual(edits.map((_, i) => start + 1 + i))
    const read = await call(first, 'GET', path)
    expect(read.json?.version).toBe(start + 200)
    const blocks = Buffer.from(read.json?.blocks as string, 'base64')
    for (const edit of edits) expect(blocks[edit.x + 16 * edit.z + 256 * edit.y]).toBe(edit.block)
    expect(blocks.filter((b) => b !== 0).length).toBe(200)
  })

  it('concurrent PUTs with the same If-Match: exactly one succeeds, the others get 412', async () => {
    const world = `${prefix}-put`
    const path = `/cubewalkblocks/${world}/chunks/0,0,0`
    const created = await call(first, 'PUT', path, jsonBody({ blocks: chunkBase64() }))
    const etag = responseHeader(created, 'etag') as string
    const attempts = Array.from({ length: 50 }, (_, i) =>
      call(i % 2 === 0 ? first : second, 'PUT', path, {
        body: JSON.stringify({ blocks: chunkBase64(() => i + 1) }),
        headers: { 'Content-Type': 'application/json', 'If-Match': etag },
      }),
    )
    const responses = await Promise.all(attempts)
    const winners = responses.flatMap((r, i) => (r.statusCode === 200 ? [i] : []))
    expect(winners).toHaveLength(1)
    expect(responses.filter((r) => r.statusCode === 412)).toHaveLength(49)
    const read = await call(first, 'GET', path)
    expect(read.json?.blocks).toBe(chunkBase64(() => (winners[0] as number) + 1))
  })

  it('concurrent If-None-Match: * creations: exactly one creates the chunk', async () => {
    const path = `/cubewalkblocks/${prefix}-create/chunks/0,0,0`
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 === 0 ? first : second, 'PUT', path, {
          body: JSON.stringify({ blocks: chunkBase64() }),
          headers: { 'Content-Type': 'application/json', 'If-None-Match': '*' },
        }),
      ),
    )
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1)
  })

  it('the world stays listed while its last chunk is deleted and another written concurrently', async () => {
    const world = `${prefix}-race`
    for (let round = 0; round < 20; round++) {
      await call(first, 'PUT', `/cubewalkblocks/${world}/chunks/0,0,0`, jsonBody({ blocks: chunkBase64() }))
      const [deleted, written] = await Promise.all([
        call(first, 'DELETE', `/cubewalkblocks/${world}/chunks/0,0,0`),
        call(
          second,
          'PATCH',
          `/cubewalkblocks/${world}/chunks/1,0,0`,
          jsonBody({ set: [{ x: 0, y: 0, z: 0, block: 1 }] }),
        ),
      ])
      expect([deleted.statusCode, written.statusCode]).toEqual([200, 200])
      expect((await call(first, 'GET', '/cubewalkblocks')).json?.worlds).toContain(world)
      await call(second, 'DELETE', `/cubewalkblocks/${world}/chunks/1,0,0`)
      expect((await call(first, 'GET', '/cubewalkblocks')).json?.worlds).not.toContain(world)
    }
  })
})
