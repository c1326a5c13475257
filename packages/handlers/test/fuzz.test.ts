// Fuzzing the blocks Lambda with generated API Gateway events (10,000+ requests in total): paths, query
// strings, headers and bodies, well-formed and not. Whatever comes in, the answer is a 2xx/3xx or a 4xx with a
// JSON {"message"}, never a 5xx, and no key outside `cubewalk:` appears in Redis.
// A private redis-server, so the final SCAN sees only what these requests wrote.
import { closeRedisPool } from '@cubewalk/middleware'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import fc from 'fast-check'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BlocksHandler, blocksHandler, chunkBase64 } from './support/blocks.js'
import { invoke, lambdaContext, type RestEventInit, restEvent } from './support/events.js'

let server: RedisProcess
let handler: BlocksHandler
let requests = 0
// status → count, per method: proof that the generators reach the success paths, not only validation errors.
const outcomes = new Map<string, number>()

beforeAll(async () => {
  server = await startRedis()
  handler = blocksHandler(server.url)
})
afterAll(async () => {
  await closeRedisPool()
  await server?.stop()
})

// --- generators -------------------------------------------------------------------------------------------

const weird = fc.string({ unit: 'binary', maxLength: 24 })
const validWorld = fc.stringMatching(/^fz[a-z0-9][a-z0-9-]{0,8}$/)
const world = fc.oneof(
  { weight: 6, arbitrary: validWorld },
  { weight: 1, arbitrary: weird },
  {
    weight: 1,
    arbitrary: fc.constantFrom('{x}', 'a}b{', 'x:y', '*', '%2A', '%7B', '..', 'A', '-a', 'a'.repeat(40)),
  },
)
const coordinate = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -3, max: 3 }).map(String) },
  { weight: 1, arbitrary: fc.integer({ min: -1048576, max: 1048575 }).map(String) },
  { weight: 1, arbitrary: fc.oneof(fc.integer().map(String), fc.double().map(String), weird) },
)
const chunkId = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(coordinate, coordinate, coordinate).map((c) => c.join(',')) },
  { weight: 1, arbitrary: fc.constantFrom('1%2C2%2C3', '1,2', '1,2,3,4', '', ',,', '0x1,0,0', '1e3,0,0') },
  { weight: 1, arbitrary: weird },
)
const path = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom('/cubewalkblocks', '/cubewalkblocks/') },
  { weight: 8, arbitrary: fc.tuple(world, chunkId).map(([w, c]) => `/cubewalkblocks/${w}/chunks/${c}`) },
  { weight: 3, arbitrary: world.map((w) => `/cubewalkblocks/${w}/chunks`) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(weird, fc.constantFrom('cubewalkblocks', 'chunks')), { maxLength: 6 })
      .map((s) => `/${s.join('/')}`),
  },
  { weight: 1, arbitrary: weird.map((s) => `/cubewalkblocks/${s}`) },
)
const method = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom('GET', 'PUT', 'PATCH', 'DELETE') },
  { weight: 1, arbitrary: fc.constantFrom('POST', 'OPTIONS', 'HEAD', 'get', 'TRACE', '') },
)
const atList = fc.oneof(
  fc.array(chunkId, { minLength: 0, maxLength: 70 }).map((l) => l.join(';')),
  weird,
)
const query = fc.option(
  fc.record(
    {
      at: fc.oneof(atList, fc.array(atList, { minLength: 1, maxLength: 3 })),
      other: weird,
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
)
const etag = fc.oneof(
  fc.nat({ max: 40 }).map((n) => `"${n}"`),
  fc.constantFrom('*', 'W/"3"', '"1", "2"', '', ' , ', '"', 'W/', '"abc"'),
  fc
    .array(
      fc.nat({ max: 40 }).map((n) => `"${n}"`),
      { maxLength: 40 },
    )
    .map((l) => l.join(', ')),
  weird,
)
const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'application/vnd.api+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  '',
  'APPLICATION/JSON',
)
const headers = fc.record(
  {
    'Content-Type': contentType,
    'content-type': contentType,
    'If-Match': etag,
    'if-none-match': etag,
    Origin: fc.constantFrom('https://game.example', 'null', ''),
    'Access-Control-Request-Method': fc.constantFrom('PUT', 'GET', 'FOO'),
    'X-Random': weird,
  },
  { requiredKeys: [] },
)
const edit = fc.oneof(
  { weight: 8, arbitrary: fc.record({ x: fc.nat(15), y: fc.nat(15), z: fc.nat(15), block: fc.nat(255) }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        x: fc.oneof(fc.integer(), fc.double(), fc.string()),
        y: fc.nat(16),
        z: fc.nat(15),
        block: fc.oneof(fc.integer({ min: -1, max: 300 }), fc.constant(null)),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
)
const bodyValue = fc.oneof(
  { weight: 4, arbitrary: fc.nat(255).map((b) => ({ blocks: chunkBase64(() => b) })) },
  { weight: 4, arbitrary: fc.array(edit, { maxLength: 40 }).map((set) => ({ set })) },
  {
    weight: 1,
    arbitrary: fc.constant({ set: Array.from({ length: 4097 }, () => ({ x: 0, y: 0, z: 0, block: 1 })) }),
  },
  { weight: 1, arbitrary: fc.record({ blocks: fc.oneof(weird, fc.base64String({ maxLength: 6000 })) }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
)
const body = fc.oneof(
  { weight: 8, arbitrary: bodyValue.map((v) => JSON.stringify(v) as string | null) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      null,
      '',
      '{',
      '{"__proto__":{}}',
      '{"constructor":{"prototype":{}}}',
      'null',
      '[]',
    ),
  },
  { weight: 1, arbitrary: weird.map((s) => s as string | null) },
)
const chaos = fc
  .record({
    method,
    path,
    query,
    headers,
    body,
    isBase64Encoded: fc.boolean(),
    principalId: fc.option(weird, { nil: null }),
  })
  .map(({ isBase64Encoded, body: raw, ...init }): RestEventInit => {
    const encoded = isBase64Encoded && raw !== null ? Buffer.from(raw).toString('base64') : raw
    const headerValues = Object.fromEntries(
      Object.entries(init.headers).filter(([, v]) => v !== undefined),
    ) as Record<string, string>
    const queryValues = init.query
      ? (Object.fromEntries(Object.entries(init.query).filter(([, v]) => v !== undefined)) as Record<
          string,
          string | string[]
        >)
      : undefined
    return { ...init, headers: headerValues, query: queryValues, body: encoded, isBase64Encoded }
  })

// Requests a game client would send, on a few worlds and chunks so that writes, reads, 304s and 412s meet.
const smallChunk = fc.tuple(fc.integer({ min: -1, max: 1 }), fc.integer({ min: -1, max: 1 }), fc.constant(0))
const recentTag = fc.oneof(
  fc.integer({ min: 1, max: 400 }).map((n) => `"${n}"`),
  fc.constant('*'),
)
const wellFormed = fc
  .record({
    world: fc.constantFrom('fzw0', 'fzw1', 'fzw2'),
    at: smallChunk,
    kind: fc.constantFrom('get', 'batch', 'put', 'patch', 'delete', 'list'),
    blocks: fc.nat(255),
    set: fc.array(fc.record({ x: fc.nat(15), y: fc.nat(15), z: fc.nat(15), block: fc.nat(255) }), {
      minLength: 1,
      maxLength: 64,
    }),
    batch: fc.array(smallChunk, { minLength: 1, maxLength: 64 }),
    ifMatch: fc.option(recentTag, { freq: 3 }),
    ifNoneMatch: fc.option(recentTag, { freq: 3 }),
  })
  .map(({ world: w, at, kind, blocks, set, batch, ifMatch, ifNoneMatch }): RestEventInit => {
    const chunk = `/cubewalkblocks/${w}/chunks/${at.join(',')}`
    const headers: Record<string, string> = { 'Content-Type': 'application/json' }
    if (ifMatch !== null) headers['If-Match'] = ifMatch
    if (ifNoneMatch !== null) headers['If-None-Match'] = ifNoneMatch
    switch (kind) {
      case 'list':
        return { method: 'GET', path: '/cubewalkblocks', headers }
      case 'batch':
        return {
          method: 'GET',
          path: `/cubewalkblocks/${w}/chunks`,
          query: { at: batch.map((c) => c.join(',')).join(';') },
        }
      case 'put':
        return {
          method: 'PUT',
          path: chunk,
          headers,
          body: JSON.stringify({ blocks: chunkBase64(() => blocks) }),
        }
      case 'patch':
        return { method: 'PATCH', path: chunk, headers, body: JSON.stringify({ set }) }
      case 'delete':
        return { method: 'DELETE', path: chunk, headers }
      default:
        return { method: 'GET', path: chunk, headers }
    }
  })

const request = fc.oneof(chaos, wellFormed)

// --- the invariant ------------------------------------------------------------------------------------------

const check = async (event: ReturnType<typeof restEvent>): Promise<void> => {
  requests++
  const result = await invoke(handler, event, lambdaContext())
  const { statusCode } = result
  const outcome = `${event.httpMethod} ${statusCode}`
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
  if (statusCode >= 500 || statusCode < 200) {
    throw new Error(`status ${statusCode} for ${event.httpMethod} ${event.path}: ${result.body}`)
  }
  if (statusCode === 204 || statusCode === 304) return
  if (statusCode >= 400) {
    expect(Object.keys(result.json ?? {})).toEqual(['message'])
    expect(typeof result.json?.message).toBe('string')
  }
  expect(String(result.headers['Content-Type'])).toBe('application/json')
}

describe('fuzz', () => {
  it('structured requests over every route: 2xx/3xx or JSON 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (init) => check(restEvent(init))),
      { numRuns: 7000 },
    )
  }, 180_000)

  it('mangled events: null maps, missing fields, odd authorizer context', async () => {
    const mangle = fc.record({
      headersNull: fc.boolean(),
      multiNull: fc.boolean(),
      queryNull: fc.boolean(),
      pathParametersNull: fc.boolean(),
      authorizerNull: fc.boolean(),
      principal: fc.oneof(fc.constant(undefined), fc.integer(), weird, fc.constant({})),
    })
    await fc.assert(
      fc.asyncProperty(request, mangle, async (init, m) => {
        const event = restEvent(init)
        if (m.headersNull) event.headers = null as never
        if (m.multiNull) event.multiValueHeaders = null as never
        if (m.queryNull) event.queryStringParameters = null
        if (m.queryNull) event.multiValueQueryStringParameters = null
        if (m.pathParametersNull) event.pathParameters = null
        if (m.authorizerNull) event.requestContext.authorizer = null
        else event.requestContext.authorizer = { principalId: m.principal }
        await check(event)
      }),
      { numRuns: 3500 },
    )
  }, 180_000)

  it('ran at least 10,000 requests and left no key outside cubewalk:', async () => {
    expect(requests).toBeGreaterThanOrEqual(10_000)
    for (const success of ['GET 200', 'PUT 200', 'PATCH 200', 'DELETE 200', 'GET 304', 'PUT 412']) {
      expect(outcomes.get(success) ?? 0, success).toBeGreaterThan(20)
    }
    const redis = new Redis(server.url)
    try {
      let cursor = '0'
      let total = 0
      do {
        const [next, keys] = await redis.scan(cursor, 'COUNT', 1000)
        cursor = next
        total += keys.length
        for (const key of keys) expect(key.startsWith('cubewalk:')).toBe(true)
      } while (cursor !== '0')
      expect(total).toBeGreaterThan(0)
    } finally {
      await redis.quit()
    }
  })
})
