// Every row of the blocks table, success and error, through the real middy pipeline and a real Redis.
import { closeRedisPool } from '@cubewalk/middleware'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { invoke, jsonBody, lambdaContext, readFixture, responseHeader, restEvent } from './support/events.js'
import { uniqueWorldPrefix } from './support/worlds.js'

const prefix = uniqueWorldPrefix('bt')
let handler: BlocksHandler
let redis: Redis

beforeAll(() => {
  handler = blocksHandler(inject('redisUrl'))
  redis = new Redis(inject('redisUrl'))
})
afterAll(async () => {
  await redis.quit()
  await closeRedisPool()
})

const json = { 'Content-Type': 'application/json' }
const chunkPath = (world: string, at = '0,0,0') => `/cubewalkblocks/${world}/chunks/${at}`
const put = (world: string, at: string, blocks: string, headers: Record<string, string> = {}) =>
  call(handler, 'PUT', chunkPath(world, at), {
    body: JSON.stringify({ blocks }),
    headers: { ...json, ...headers },
  })
const patch = (world: string, at: string, set: unknown, headers: Record<string, string> = {}) =>
  call(handler, 'PATCH', chunkPath(world, at), {
    body: JSON.stringify({ set }),
    headers: { ...json, ...headers },
  })

const expectError = (
  response: { statusCode: number; json: Record<string, unknown> | null; headers: object },
  status: number,
  message: RegExp,
) => {
  expect(response.statusCode).toBe(status)
  expect(responseHeader(response as never, 'content-type')).toBe('application/json')
  expect(Object.keys(response.json ?? {})).toEqual(['message'])
  expect(response.json?.message).toMatch(message)
}

describe('GET /cubewalkblocks', () => {
  it('lists the worlds that hold at least one chunk, sorted', async () => {
    await put(`${prefix}-list-b`, '0,0,0', chunkBase64())
    await put(`${prefix}-list-a`, '1,2,3', chunkBase64())
    await put(`${prefix}-list-gone`, '0,0,0', chunkBase64())
    await call(handler, 'DELETE', chunkPath(`${prefix}-list-gone`))
    const response = await call(handler, 'GET', '/cubewalkblocks')
    expect(response.statusCode).toBe(200)
    expect(responseHeader(response, 'content-type')).toBe('application/json')
    const worlds = ((response.json?.worlds ?? []) as string[]).filter((w) => w.startsWith(prefix))
    expect(worlds).toEqual([`${prefix}-list-a`, `${prefix}-list-b`])
  })

  it('answers the seed article request (GET with a token header, trailing slash tolerated)', async () => {
    const response = await call(handler, 'GET', '/cubewalkblocks/', { headers: { token: 'cubewalk-allow' } })
    expect(response.statusCode).toBe(200)
    expect(Array.isArray(response.json?.worlds)).toBe(true)
  })
})

describe('GET /cubewalkblocks/{world}/chunks/{x,y,z}', () => {
  it('returns the chunk, its version and an ETag; If-None-Match gives 304', async () => {
    const world = `${prefix}-get`
    const blocks = chunkBase64((i) => i % 251)
    const written = await put(world, '-5,10,1048575', blocks)
    const response = await call(handler, 'GET', chunkPath(world, '-5,10,1048575'))
    expect(response.statusCode).toBe(200)
    const version = written.json?.version as number
    expect(response.json).toEqual({
      world,
      chunk: [-5, 10, 1048575],
      version,
      blocks,
      updatedBy: 'test-principal',
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect(responseHeader(response, 'etag')).toBe(`"${version}"`)
    const cached = await call(handler, 'GET', chunkPath(world, '-5,10,1048575'), {
      headers: { 'If-None-Match': `"${version}"` },
    })
    expect(cached.statusCode).toBe(304)
    expect(cached.body).toBe('')
    expect(responseHeader(cached, 'etag')).toBe(`"${version}"`)
    const stale = await call(handler, 'GET', chunkPath(world, '-5,10,1048575'), {
      headers: { 'if-none-match': '"999999"' },
    })
    expect(stale.statusCode).toBe(200)
  })

  it('404 when the chunk was never written', async () => {
    expectError(
      await call(handler, 'GET', chunkPath(`${prefix}-nothing`, '1,1,1')),
      404,
      /chunk 1,1,1 .* does not exist/,
    )
  })

  it.each([
    ['Bad', /world id "Bad" is invalid/],
    ['-lead', /world id "-lead" is invalid/],
    ['a'.repeat(33), /world id .* is invalid/],
    ['w%7Bx%7D', /world id "w\{x\}" is invalid/],
    ['bad%zz', /not valid percent-encoding/],
  ])('400 for world id %s', async (world, message) => {
    expectError(await call(handler, 'GET', chunkPath(world)), 400, message)
  })

  it.each([
    ['1,2', /chunk "1,2" is invalid/],
    ['1,2,3,4', /is invalid: expected x,y,z/],
    ['1.5,2,3', /is invalid: expected x,y,z/],
    ['1048576,0,0', /from -1048576 to 1048575/],
    ['0,-1048577,0', /is invalid: expected x,y,z/],
    ['a,b,c', /is invalid: expected x,y,z/],
    [' 1,2,3', /is invalid: expected x,y,z/],
  ])('400 for chunk coordinates %s', async (at, message) => {
    expectError(await call(handler, 'GET', chunkPath(`${prefix}-coords`, at)), 400, message)
  })

  it('accepts percent-encoded commas and non-canonical integers as the same chunk', async () => {
    const world = `${prefix}-encoded`
    await put(
      world,
      '-0,007,3',
      chunkBase64(() => 4),
    )
    const response = await call(handler, 'GET', chunkPath(world, '0%2C7%2c3'))
    expect(response.statusCode).toBe(200)
    expect(response.json?.chunk).toEqual([0, 7, 3])
  })
})

describe('GET /cubewalkblocks/{world}/chunks?at=...', () => {
  it('returns up to 64 chunks in request order, null for absent ones', async () => {
    const world = `${prefix}-batch`
    await put(
      world,
      '1,0,0',
      chunkBase64(() => 1),
    )
    await put(
      world,
      '2,0,0',
      chunkBase64(() => 2),
    )
    const response = await call(handler, 'GET', `/cubewalkblocks/${world}/chunks`, {
      query: { at: '2,0,0;9,9,9;1,0,0' },
    })
    expect(response.statusCode).toBe(200)
    const chunks = response.json?.chunks as Array<{ chunk: number[]; blocks: string } | null>
    expect(chunks.map((c) => c?.chunk ?? null)).toEqual([[2, 0, 0], null, [1, 0, 0]])
    expect(chunks[0]?.blocks).toBe(chunkBase64(() => 2))
    const at64 = Array.from({ length: 64 }, (_, i) => `${i},0,0`).join(';')
    const full = await call(handler, 'GET', `/cubewalkblocks/${world}/chunks`, { query: { at: at64 } })
    expect(((full.json?.chunks ?? []) as unknown[]).length).toBe(64)
  })

  it('joins a repeated at parameter', async () => {
    const world = `${prefix}-batch2`
    await put(
      world,
      '3,0,0',
      chunkBase64(() => 3),
    )
    const response = await call(handler, 'GET', `/cubewalkblocks/${world}/chunks`, {
      query: { at: ['3,0,0', '4,0,0'] },
    })
    expect(((response.json?.chunks ?? []) as unknown[]).map((c) => c !== null)).toEqual([true, false])
  })

  it('400 naming the fix when API Gateway split the list at a raw ";"', async () => {
    // What API Gateway makes of ?at=1,0,0;2,0,0;3,0,0 (it splits query strings at raw semicolons).
    const response = await call(handler, 'GET', `/cubewalkblocks/${prefix}-batch/chunks`, {
      query: { at: '1,0,0', '2,0,0': '', '3,0,0': '' },
    })
    expectError(response, 400, /cut at a raw ";" .*%3B, or repeat at=/)
  })

  it('400 without at, with more than 64 chunks, or with a bad entry', async () => {
    const path = `/cubewalkblocks/${prefix}-batch/chunks`
    expectError(await call(handler, 'GET', path), 400, /query parameter "at" is required/)
    expectError(await call(handler, 'GET', path, { query: { at: '' } }), 400, /"at" is required/)
    const at65 = Array.from({ length: 65 }, (_, i) => `${i},0,0`).join(';')
    expectError(await call(handler, 'GET', path, { query: { at: at65 } }), 400, /lists 65 chunks; at most 64/)
    expectError(
      await call(handler, 'GET', path, { query: { at: '1,2,3;;4,5,6' } }),
      400,
      /at\[1\] "" is invalid/,
    )
    expectError(await call(handler, 'GET', path, { query: { at: '1,2,3;x' } }), 400, /at\[1\] "x" is invalid/)
  })
})

describe('PUT /cubewalkblocks/{world}/chunks/{x,y,z}', () => {
  it('stores the chunk and returns the new version with its ETag', async () => {
    const world = `${prefix}-put`
    const first = await put(
      world,
      '0,0,0',
      chunkBase64(() => 1),
    )
    expect(first.statusCode).toBe(200)
    expect(first.json).toEqual({ version: expect.any(Number) })
    expect(responseHeader(first, 'etag')).toBe(`"${first.json?.version}"`)
    const second = await put(
      world,
      '0,0,0',
      chunkBase64(() => 2),
    )
    expect(second.json?.version).toBe((first.json?.version as number) + 1)
    const read = await call(handler, 'GET', chunkPath(world))
    expect(read.json?.blocks).toBe(chunkBase64(() => 2))
  })

  it('honours If-Match (strong, lists, *) and If-None-Match: * with 412', async () => {
    const world = `${prefix}-ifmatch`
    expectError(await put(world, '0,0,0', chunkBase64(), { 'If-Match': '*' }), 412, /does not exist/)
    const created = await put(world, '0,0,0', chunkBase64(), { 'If-None-Match': '*' })
    const etag = responseHeader(created, 'etag') as string
    const again = await put(world, '0,0,0', chunkBase64(), { 'If-None-Match': '*' })
    expectError(again, 412, /Precondition Failed: the chunk is at version/)
    expect(responseHeader(again, 'etag')).toBe(etag)
    expectError(
      await put(world, '0,0,0', chunkBase64(), { 'If-Match': '"999999999"' }),
      412,
      /Precondition Failed/,
    )
    expectError(
      await put(world, '0,0,0', chunkBase64(), { 'If-Match': `W/${etag}` }),
      412,
      /Precondition Failed/,
    )
    const matched = await put(
      world,
      '0,0,0',
      chunkBase64(() => 7),
      { 'If-Match': `"1", ${etag}` },
    )
    expect(matched.statusCode).toBe(200)
    const star = await put(
      world,
      '0,0,0',
      chunkBase64(() => 8),
      { 'If-Match': '*' },
    )
    expect(star.statusCode).toBe(200)
    const bare = await put(
      world,
      '0,0,0',
      chunkBase64(() => 9),
      { 'If-Match': String(star.json?.version) },
    )
    expect(bare.statusCode).toBe(200)
  })

  it.each([
    [{ blocks: 'AAAA' }, /exactly 4096 bytes; got 3/],
    [{ blocks: chunkBase64().slice(0, -8) }, /exactly 4096 bytes; got 409[0-9]/],
    [{ blocks: Buffer.alloc(4098).toString('base64') }, /exactly 4096 bytes; got 4098/],
    [{ blocks: Buffer.alloc(8192).toString('base64') }, /exactly 4096 bytes; got 10924 characters/],
    [{ blocks: `${chunkBase64()}AAAA` }, /not valid base64/],
    [{ blocks: `${chunkBase64().slice(0, 100)}!${chunkBase64().slice(101)}` }, /not valid base64/],
    [{ blocks: 12 }, /"blocks" must be a base64 string/],
    [{ block: chunkBase64() }, /"blocks" must be a base64 string/],
    [[chunkBase64()], /body must be a JSON object/],
    [null, /body must be a JSON object/],
  ])('400 for body %#', async (body, message) => {
    const response = await call(handler, 'PUT', chunkPath(`${prefix}-badput`), jsonBody(body))
    expectError(response, 400, message)
  })

  it('accepts URL-safe and unpadded base64', async () => {
    const blocks = chunkBase64((i) => (i * 7) % 256)
    const urlSafe = blocks.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
    const response = await put(`${prefix}-b64`, '0,0,0', urlSafe)
    expect(response.statusCode).toBe(200)
    expect((await call(handler, 'GET', chunkPath(`${prefix}-b64`))).json?.blocks).toBe(blocks)
  })

  it('400 for malformed JSON, 415 for another content type, 413 for a body over 512 KiB', async () => {
    const path = chunkPath(`${prefix}-media`)
    expectError(
      await call(handler, 'PUT', path, { body: '{"blocks":', headers: json }),
      400,
      /not valid JSON/,
    )
    expectError(await call(handler, 'PUT', path, { body: '', headers: json }), 400, /not valid JSON/)
    expectError(
      await call(handler, 'PUT', path, { body: '{"__proto__":{"x":1}}', headers: json }),
      400,
      /forbidden key/,
    )
    const body = JSON.stringify({ blocks: chunkBase64() })
    expectError(
      await call(handler, 'PUT', path, { body, headers: { 'Content-Type': 'text/plain' } }),
      415,
      /application\/json/,
    )
    expectError(await call(handler, 'PUT', path, { body }), 415, /Unsupported Media Type/)
    const huge = JSON.stringify({ blocks: chunkBase64(), pad: 'x'.repeat(512 * 1024) })
    expectError(
      await call(handler, 'PUT', path, { body: huge, headers: json }),
      413,
      /limited to 524288 bytes/,
    )
    const hugeBase64 = Buffer.from(huge).toString('base64')
    expectError(
      await call(handler, 'PUT', path, { body: hugeBase64, isBase64Encoded: true, headers: json }),
      413,
      /Payload Too Large/,
    )
    expect(await redis.exists(`cubewalk:{${prefix}-media}:c:0,0,0`)).toBe(0)
  })

  it('accepts a base64-encoded body (binary media types on the API) and a JSON charset', async () => {
    const body = Buffer.from(JSON.stringify({ blocks: chunkBase64(() => 3) })).toString('base64')
    const response = await call(handler, 'PUT', chunkPath(`${prefix}-b64body`), {
      body,
      isBase64Encoded: true,
      headers: { 'content-type': 'application/json; charset=utf-8' },
    })
    expect(response.statusCode).toBe(200)
  })

  it('records the principalId of the writer', async () => {
    const world = `${prefix}-who`
    await call(handler, 'PUT', chunkPath(world), {
      ...jsonBody({ blocks: chunkBase64() }),
      principalId: 'builder-bot',
    })
    expect((await call(handler, 'GET', chunkPath(world))).json?.updatedBy).toBe('builder-bot')
    await call(handler, 'PUT', chunkPath(world), {
      ...jsonBody({ blocks: chunkBase64() }),
      principalId: null,
    })
    expect((await call(handler, 'GET', chunkPath(world))).json?.updatedBy).toBeNull()
  })
})

describe('PATCH /cubewalkblocks/{world}/chunks/{x,y,z}', () => {
  it('creates an air chunk, applies the edits and returns the version', async () => {
    const world = `${prefix}-patch`
    const response = await patch(world, '0,0,0', [
      { x: 1, y: 2, z: 3, block: 9 },
      { x: 15, y: 0, z: 0, block: 255 },
    ])
    expect(response.statusCode).toBe(200)
    expect(response.json).toEqual({ version: expect.any(Number) })
    expect(responseHeader(response, 'etag')).toBe(`"${response.json?.version}"`)
    const blocks = Buffer.from(
      (await call(handler, 'GET', chunkPath(world))).json?.blocks as string,
      'base64',
    )
    expect(blocks[1 + 16 * 3 + 256 * 2]).toBe(9)
    expect(blocks[15]).toBe(255)
    expect(blocks.filter((b) => b !== 0).length).toBe(2)
  })

  it('applies up to 4096 edits in one request', async () => {
    const world = `${prefix}-patch4096`
    const set = Array.from({ length: 4096 }, (_, i) => ({
      x: i % 16,
      z: (i >> 4) % 16,
      y: i >> 8,
      block: (i * 3) % 256,
    }))
    expect((await patch(world, '0,0,0', set)).statusCode).toBe(200)
    const blocks = Buffer.from(
      (await call(handler, 'GET', chunkPath(world))).json?.blocks as string,
      'base64',
    )
    expect([...blocks]).toEqual(set.map((e) => e.block))
  })

  it('is all or nothing: one bad edit rejects the request and changes nothing', async () => {
    const world = `${prefix}-patchbad`
    const before = await patch(world, '0,0,0', [{ x: 0, y: 0, z: 0, block: 1 }])
    const set = [
      { x: 1, y: 0, z: 0, block: 2 },
      { x: 2, y: 0, z: 0, block: 256 },
    ]
    expectError(await patch(world, '0,0,0', set), 400, /set\[1\]\.block must be an integer from 0 to 255/)
    const read = await call(handler, 'GET', chunkPath(world))
    expect(read.json?.version).toBe(before.json?.version)
    expect(Buffer.from(read.json?.blocks as string, 'base64')[1]).toBe(0)
  })

  it.each([
    [[], /at least one edit/],
    [Array.from({ length: 4097 }, () => ({ x: 0, y: 0, z: 0, block: 1 })), /4097 edits; at most 4096/],
    [[{ x: 16, y: 0, z: 0, block: 1 }], /set\[0\]\.x must be an integer from 0 to 15/],
    [[{ x: 0, y: -1, z: 0, block: 1 }], /set\[0\]\.y must be/],
    [[{ x: 0, y: 0, z: 1.5, block: 1 }], /set\[0\]\.z must be/],
    [[{ x: 0, y: 0, z: 0, block: '1' }], /set\[0\]\.block must be an integer/],
    [[{ x: 0, y: 0, z: 0 }], /set\[0\]\.block must be/],
    [[7], /set\[0\] must be an object/],
    ['all', /body must be a JSON object: \{"set"/],
  ])('400 for set %#', async (set, message) => {
    expectError(await patch(`${prefix}-patchrules`, '0,0,0', set), 400, message)
  })

  it('honours If-Match with 412 and 415/413 like PUT', async () => {
    const world = `${prefix}-patchif`
    const created = await patch(world, '0,0,0', [{ x: 0, y: 0, z: 0, block: 1 }])
    expectError(
      await patch(world, '0,0,0', [{ x: 0, y: 0, z: 0, block: 2 }], { 'If-Match': '"999999"' }),
      412,
      /Precondition Failed/,
    )
    const ok = await patch(world, '0,0,0', [{ x: 0, y: 0, z: 0, block: 2 }], {
      'If-Match': responseHeader(created, 'etag') as string,
    })
    expect(ok.statusCode).toBe(200)
    expectError(
      await call(handler, 'PATCH', chunkPath(world), { body: '{"set":[]}' }),
      415,
      /Unsupported Media Type/,
    )
  })
})

describe('DELETE /cubewalkblocks/{world}/chunks/{x,y,z}', () => {
  it('deletes once, then reports nothing to delete', async () => {
    const world = `${prefix}-del`
    await put(world, '0,0,0', chunkBase64())
    const first = await call(handler, 'DELETE', chunkPath(world))
    expect(first.statusCode).toBe(200)
    expect(first.json).toEqual({ deleted: true })
    expect((await call(handler, 'DELETE', chunkPath(world))).json).toEqual({ deleted: false })
    expect((await call(handler, 'GET', chunkPath(world))).statusCode).toBe(404)
  })

  it('honours If-Match with 412', async () => {
    const world = `${prefix}-delif`
    const created = await put(world, '0,0,0', chunkBase64())
    expectError(
      await call(handler, 'DELETE', chunkPath(world), { headers: { 'If-Match': '"999999"' } }),
      412,
      /Precondition Failed/,
    )
    const ok = await call(handler, 'DELETE', chunkPath(world), {
      headers: { 'If-Match': responseHeader(created, 'etag') as string },
    })
    expect(ok.json).toEqual({ deleted: true })
  })
})

describe('routing, CORS and odd events', () => {
  it('404 JSON for an unknown path, 405 with Allow for a known path and another method', async () => {
    expectError(await call(handler, 'GET', '/nope'), 404, /no route for GET "\/nope"/)
    expectError(await call(handler, 'GET', `/cubewalkblocks/${prefix}/other`), 404, /Not Found/)
    const wrong = await call(handler, 'POST', chunkPath(`${prefix}-x`))
    expectError(wrong, 405, /POST is not supported/)
    expect(responseHeader(wrong, 'allow')).toBe('GET, PUT, PATCH, DELETE, OPTIONS')
    expect(responseHeader(await call(handler, 'DELETE', '/cubewalkblocks'), 'allow')).toBe('GET, OPTIONS')
  })

  it('answers a CORS preflight and adds CORS headers to successes and errors', async () => {
    const preflight = await call(handler, 'OPTIONS', chunkPath(`${prefix}-cors`), {
      headers: { Origin: 'https://game.example', 'Access-Control-Request-Method': 'PUT' },
    })
    expect(preflight.statusCode).toBe(204)
    expect(responseHeader(preflight, 'access-control-allow-origin')).toBe('*')
    expect(responseHeader(preflight, 'access-control-allow-headers')).toContain('If-Match')
    expect(responseHeader(preflight, 'access-control-allow-methods')).toContain('PATCH')
    const error = await call(handler, 'GET', chunkPath(`${prefix}-cors`), {
      headers: { Origin: 'https://game.example' },
    })
    expect(error.statusCode).toBe(404)
    expect(responseHeader(error, 'access-control-allow-origin')).toBe('*')
    expect(responseHeader(error, 'access-control-expose-headers')).toBe('ETag')
  })

  it('reflects only allowed origins when CORS_ALLOWED_ORIGINS is set', async () => {
    const strict = blocksHandler(inject('redisUrl'), { corsOrigins: ['https://game.example'] })
    const allowed = await call(strict, 'GET', '/cubewalkblocks', {
      headers: { Origin: 'https://game.example' },
    })
    expect(responseHeader(allowed, 'access-control-allow-origin')).toBe('https://game.example')
    const other = await call(strict, 'GET', '/cubewalkblocks', {
      headers: { Origin: 'https://evil.example' },
    })
    expect(responseHeader(other, 'access-control-allow-origin')).toBeUndefined()
  })

  it('routes the same with explicit resources and without pathParameters', async () => {
    const world = `${prefix}-res`
    for (const resource of ['explicit', 'none'] as const) {
      const written = await call(handler, 'PUT', chunkPath(world, '4,5,6'), {
        ...jsonBody({ blocks: chunkBase64() }),
        resource,
      })
      expect(written.statusCode).toBe(200)
      const read = await call(handler, 'GET', chunkPath(world, '4,5,6'), { resource })
      expect(read.json?.chunk).toEqual([4, 5, 6])
      const batch = await call(handler, 'GET', `/cubewalkblocks/${world}/chunks`, {
        query: { at: '4,5,6' },
        resource,
      })
      expect(((batch.json?.chunks ?? []) as unknown[]).length).toBe(1)
    }
  })

  it('survives the console test event (headers null) and answers JSON', async () => {
    const event = readFixture<Parameters<BlocksHandler>[0]>('console-test-ui.json')
    const response = await invoke(handler, event, lambdaContext())
    expectError(response, 404, /no route for POST "\/no-auth"/)
    const chunk = { ...event, httpMethod: 'GET', path: chunkPath(`${prefix}-console`, '1,1,1') }
    expectError(await invoke(handler, chunk, lambdaContext()), 404, /does not exist/)
    const list = await invoke(
      handler,
      { ...event, httpMethod: 'GET', path: '/cubewalkblocks' },
      lambdaContext(),
    )
    expect(list.statusCode).toBe(200)
    const write = { ...event, httpMethod: 'PUT', path: chunkPath(`${prefix}-console`, '1,1,1'), body: '{}' }
    expectError(await invoke(handler, write, lambdaContext()), 415, /Unsupported Media Type/)
  })

  it('keeps every key it writes under cubewalk:', async () => {
    const event = restEvent({ method: 'GET', path: '/cubewalkblocks' })
    expect((await invoke(handler, event)).statusCode).toBe(200)
    const keys = await redis.keys(`*${prefix}*`)
    expect(keys.length).toBeGreaterThan(0)
    for (const key of keys) expect(key.startsWith(`cubewalk:{${prefix}`)).toBe(true)
  })
})
