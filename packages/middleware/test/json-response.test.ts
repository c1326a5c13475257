import { STATUS_CODES } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'
import middy from '@middy/core'
import httpCors from '@middy/http-cors'
import { createError as middyCreateError } from '@middy/util'
import type { APIGatewayProxyResult, Context } from 'aws-lambda'
import createError from 'http-errors'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  JsonResponseConfigError,
  type JsonResponseLogEntry,
  type JsonResponseOptions,
  jsonResponse,
} from '../src/json-response.js'

const requestId = 'c0ffee00-0000-4000-8000-000000000001'

const lambdaContext = (overrides: Partial<Context> = {}): Context =>
  ({
    awsRequestId: requestId,
    functionName: 'cubewalk-blocks-test',
    callbackWaitsForEmptyEventLoop: false,
    ...overrides,
  }) as Context

interface Run {
  response: APIGatewayProxyResult
  logs: Array<Record<string, unknown>>
}

const run = async (
  handler: (event: unknown, context: Context) => unknown,
  options: JsonResponseOptions = {},
  context: Context = lambdaContext(),
): Promise<Run> => {
  const logs: Array<Record<string, unknown>> = []
  const lambda = middy(async (event: unknown, ctx: Context) => handler(event, ctx)).use(
    jsonResponse({ logger: (entry) => logs.push(entry), ...options }),
  )
  const response = asProxy(await lambda({}, context))
  return { response, logs }
}

const asProxy = (value: unknown): APIGatewayProxyResult => value as APIGatewayProxyResult

const bodyOf = (response: APIGatewayProxyResult): unknown => JSON.parse(response.body)

// Every status http-errors has a constructor for (it registers them by number on the factory).
const httpErrorStatuses = Object.keys(createError)
  .filter((key) => /^\d+$/.test(key))
  .map(Number)
  .filter((status) => status >= 400 && status <= 599)

describe('jsonResponse: plain return values', () => {
  it.each([
    ['object', { worlds: ['alpha', 'beta'] }],
    ['array', [1, 'two', { three: 3 }]],
    ['string', 'hello'],
    ['empty string', ''],
    ['number', 42.5],
    ['zero', 0],
    ['boolean', false],
    ['null', null],
    ['nested data with a non-numeric statusCode', { statusCode: '200', body: 'x' }],
  ])('%s → 200 application/json with JSON.stringify(value)', async (_name, value) => {
    const { response, logs } = await run(() => value)
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(value),
    })
    expect(bodyOf(response)).toEqual(value)
    expect(logs).toEqual([])
  })

  it('undefined → 200 with body `null`, so a JSON client can always parse the body', async () => {
    const { response } = await run(() => undefined)
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: 'null',
    })
  })

  it('honours toJSON (Date, Buffer)', async () => {
    const date = new Date('2024-01-02T03:04:05.000Z')
    const { response } = await run(() => ({ date, bytes: Buffer.from([1, 2]) }))
    expect(bodyOf(response)).toEqual({ date: date.toISOString(), bytes: { type: 'Buffer', data: [1, 2] } })
  })

  it('gives every response its own headers object (later middlewares mutate it)', async () => {
    const lambda = middy(async () => 1).use(jsonResponse())
    const a = asProxy(await lambda({}, lambdaContext()))
    const b = asProxy(await lambda({}, lambdaContext()))
    expect(a.headers).not.toBe(b.headers)
    ;(a.headers as Record<string, string>)['Access-Control-Allow-Origin'] = '*'
    expect(b.headers).toEqual({ 'Content-Type': 'application/json' })
    expect(Object.isFrozen(a.headers)).toBe(false)
  })
})

describe('jsonResponse: proxy responses', () => {
  it('passes a full proxy response through unchanged (same object)', async () => {
    const proxy = { statusCode: 201, headers: { Location: '/x', 'Content-Type': 'text/plain' }, body: 'made' }
    const { response } = await run(() => proxy)
    expect(response).toBe(proxy)
    expect(response).toEqual({
      statusCode: 201,
      headers: { Location: '/x', 'Content-Type': 'text/plain' },
      body: 'made',
    })
  })

  it('does not touch a base64 (binary) response', async () => {
    const proxy = {
      statusCode: 200,
      headers: { 'Content-Type': 'application/octet-stream' },
      isBase64Encoded: true,
      body: Buffer.from([0, 1, 2, 255]).toString('base64'),
    }
    const { response } = await run(() => proxy)
    expect(response).toBe(proxy)
    expect(response.body).toBe('AAEC/w==')
  })

  it('passes a body-less proxy response (e.g. 204, 304) through without adding headers', async () => {
    const proxy = { statusCode: 304, headers: { ETag: '"v3"' } }
    const { response } = await run(() => proxy)
    expect(response).toBe(proxy)
    expect(response).toEqual({ statusCode: 304, headers: { ETag: '"v3"' } })
  })

  it('serialises a proxy-shaped response whose body is data, adding Content-Type only if absent', async () => {
    const { response } = await run(() => ({
      statusCode: 201,
      headers: { ETag: '"1"' },
      body: { version: 1 },
    }))
    expect(response).toEqual({
      statusCode: 201,
      headers: { ETag: '"1"', 'Content-Type': 'application/json' },
      body: '{"version":1}',
    })
    const own = await run(() => ({
      statusCode: 200,
      headers: { 'content-type': 'application/vnd.x+json' },
      body: [1],
    }))
    expect(own.response.headers).toEqual({ 'content-type': 'application/vnd.x+json' })
    expect(own.response.body).toBe('[1]')
  })

  it('works with @middy/http-cors used after it (CORS normalises plain data before jsonResponse runs)', async () => {
    const lambda = middy(async () => ({ worlds: [] }))
      .use(jsonResponse())
      .use(httpCors({ origin: 'https://game.example' }))
    const response = asProxy(await lambda({ httpMethod: 'GET', headers: {} }, lambdaContext()))
    expect(response.statusCode).toBe(200)
    expect(response.headers).toMatchObject({
      'Content-Type': 'application/json',
      'Access-Control-Allow-Origin': 'https://game.example',
    })
    expect(bodyOf(response)).toEqual({ worlds: [] })
  })
})

describe('jsonResponse: http errors', () => {
  it('knows a meaningful set of statuses from http-errors', () => {
    expect(httpErrorStatuses).toContain(400)
    expect(httpErrorStatuses).toContain(504)
    expect(httpErrorStatuses.length).toBeGreaterThan(35)
  })

  it.each(httpErrorStatuses.filter((status) => status < 500))(
    'createError(%i) → that status and its message, not logged',
    async (status) => {
      const { response, logs } = await run(() => {
        throw createError(status)
      })
      expect(response.statusCode).toBe(status)
      expect(response.headers).toEqual({ 'Content-Type': 'application/json' })
      expect(bodyOf(response)).toEqual({ message: createError(status).message })
      expect(logs).toEqual([])

      const custom = await run(() => {
        throw createError(status, `world "w-1" says ${status}`)
      })
      expect(custom.response.statusCode).toBe(status)
      expect(bodyOf(custom.response)).toEqual({ message: `world "w-1" says ${status}` })
    },
  )

  it.each(httpErrorStatuses.filter((status) => status >= 500))(
    'createError(%i) → that status, only the status text, cause logged with the request id',
    async (status) => {
      const secret = `redis://10.0.0.7:6379 refused (detail ${status})`
      const error = createError(status, secret)
      const { response, logs } = await run(() => {
        throw error
      })
      expect(response.statusCode).toBe(status)
      expect(response.headers).toEqual({ 'Content-Type': 'application/json' })
      expect(bodyOf(response)).toEqual({ message: STATUS_CODES[status] ?? 'Internal Server Error' })
      expect(response.body).not.toContain('10.0.0.7')
      expect(logs).toHaveLength(1)
      expect(logs[0]).toMatchObject({
        statusCode: status,
        awsRequestId: requestId,
        error: { name: error.name, message: secret, status, stack: expect.stringContaining(secret) },
      })
    },
  )

  it('uses the standard texts for the common 5xx', async () => {
    for (const [status, text] of [
      [500, 'Internal Server Error'],
      [502, 'Bad Gateway'],
      [503, 'Service Unavailable'],
      [504, 'Gateway Timeout'],
    ] as const) {
      const { response } = await run(() => {
        throw createError(status, 'hidden')
      })
      expect(response.body).toBe(JSON.stringify({ message: text }))
    }
  })

  it("handles middy's own createError (@middy/util) the same way", async () => {
    const notFound = await run(() => {
      throw middyCreateError(404, 'Route does not exist')
    })
    expect(notFound.response.statusCode).toBe(404)
    expect(bodyOf(notFound.response)).toEqual({ message: 'Route does not exist' })
    const unavailable = await run(() => {
      throw middyCreateError(503, 'pool exhausted')
    })
    expect(unavailable.response.statusCode).toBe(503)
    expect(bodyOf(unavailable.response)).toEqual({ message: 'Service Unavailable' })
  })

  it('keeps safe headers set on the http error (Allow, Retry-After) but never its Content-Type', async () => {
    const methodNotAllowed = await run(() => {
      throw createError(405, 'PUT only', { headers: { Allow: 'GET, PUT', 'Content-Type': 'text/html' } })
    })
    expect(methodNotAllowed.response.statusCode).toBe(405)
    expect(methodNotAllowed.response.headers).toEqual({
      'Content-Type': 'application/json',
      Allow: 'GET, PUT',
    })

    const unavailable = await run(() => {
      throw createError(503, { headers: { 'Retry-After': 2, 'content-type': 'text/plain' } })
    })
    expect(unavailable.response.headers).toEqual({ 'Content-Type': 'application/json', 'Retry-After': 2 })
  })

  it('drops header names/values that could break the response', async () => {
    const { response } = await run(() => {
      throw createError(429, {
        headers: {
          'Retry-After': '1',
          'X-Injected': 'a\r\nSet-Cookie: x=1',
          'Bad Name': 'v',
          'X-Object': { nested: true },
          'X-NaN': Number.NaN,
        },
      })
    })
    expect(response.statusCode).toBe(429)
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Retry-After': '1' })
  })

  it('shows a 4xx message only when expose is true, and a 5xx message never', async () => {
    const hidden = createError(400, 'internal detail')
    hidden.expose = false
    const notExposed = await run(() => {
      throw hidden
    })
    expect(notExposed.response.statusCode).toBe(400)
    expect(bodyOf(notExposed.response)).toEqual({ message: 'Bad Request' })

    const plain = Object.assign(new Error('upstream said 404 for https://internal/x'), { status: 404 })
    const plainError = await run(() => {
      throw plain
    })
    expect(plainError.response.statusCode).toBe(404)
    expect(bodyOf(plainError.response)).toEqual({ message: 'Not Found' })

    const exposed5xx = createError(503, 'redis at 10.0.0.7 down')
    exposed5xx.expose = true
    const server = await run(() => {
      throw exposed5xx
    })
    expect(server.response.statusCode).toBe(503)
    expect(bodyOf(server.response)).toEqual({ message: 'Service Unavailable' })
    expect(server.logs).toHaveLength(1)
  })
})

describe('jsonResponse: any other thrown value → 500', () => {
  const circular: Record<string, unknown> = { name: 'loop' }
  circular.self = circular

  const fn = () => 'fn'
  it.each([
    [
      'Error',
      new Error('db password is test-password-not-secret'),
      { name: 'Error', message: 'db password is test-password-not-secret', stack: expect.any(String) },
    ],
    [
      'TypeError',
      new TypeError("Cannot read properties of undefined (reading 'x')"),
      {
        name: 'TypeError',
        message: "Cannot read properties of undefined (reading 'x')",
        stack: expect.any(String),
      },
    ],
    ['string', 'something broke', { type: 'string', value: '"something broke"' }],
    ['number', 42, { type: 'number', value: '42' }],
    ['undefined', undefined, { type: 'undefined', value: 'undefined' }],
    ['null', null, { type: 'null', value: 'null' }],
    [
      'plain object',
      { message: 'object message', code: 'E_X' },
      { type: 'object', value: '{"message":"object message","code":"E_X"}' },
    ],
    ['circular object', circular, { type: 'object', value: '{"name":"loop","self":"[Circular]"}' }],
    ['BigInt', 10n, { type: 'bigint', value: '"10n"' }],
    // JSON has no symbol or function: their String() instead.
    ['symbol', Symbol('sym'), { type: 'symbol', value: 'Symbol(sym)' }],
    ['function', fn, { type: 'function', value: String(fn) }],
    ['array', ['a', 1], { type: 'object', value: '["a",1]' }],
    ['null-prototype object', Object.create(null), { type: 'object', value: '{}' }],
    // JSON.stringify throws (toJSON), String() does not.
    [
      'object whose toJSON throws',
      {
        toJSON() {
          throw new Error('no JSON')
        },
      },
      { type: 'object', value: '[object Object]' },
    ],
  ])('%s → 500 Internal Server Error, cause logged', async (_name, thrown, logged) => {
    const { response, logs } = await run(() => {
      throw thrown
    })
    expect(response).toEqual({
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Internal Server Error"}',
    })
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({
      message: 'request failed',
      statusCode: 500,
      awsRequestId: requestId,
    })
    expect(logs[0]?.error).toEqual(logged)
  })

  it('logs what an Error lacks as absent, and a field no String() can print as [unprintable]', async () => {
    const error = new Error('x')
    error.stack = undefined
    Object.defineProperty(error, 'message', { value: Object.create(null) })
    const { logs } = await run(() => {
      throw error
    })
    expect(logs[0]?.error).toEqual({ name: 'Error', message: '[unprintable]' })
  })

  it('logs an Error with name, message, stack and its cause chain', async () => {
    const root = new Error('ECONNREFUSED 127.0.0.1:6390')
    const { logs } = await run(() => {
      throw new Error('could not read chunk', { cause: root })
    })
    expect(logs[0]).toMatchObject({
      error: {
        name: 'Error',
        message: 'could not read chunk',
        stack: expect.stringContaining('could not read chunk'),
        cause: { name: 'Error', message: 'ECONNREFUSED 127.0.0.1:6390' },
      },
    })
  })

  it('logs a non-Error with its type and a JSON preview', async () => {
    const circular: Record<string, unknown> = { big: 5n }
    circular.self = circular
    const { logs } = await run(() => {
      throw circular
    })
    expect(logs[0]?.error).toEqual({ type: 'object', value: '{"big":"5n","self":"[Circular]"}' })
  })

  it.each([
    ['statusCode as a string', { statusCode: '404' }],
    ['status 999', { status: 999 }],
    ['status 600', { status: 600 }],
    ['status 399', { status: 399 }],
    ['negative status', { status: -404 }],
    ['NaN status', { status: Number.NaN }],
    ['Infinity status', { status: Number.POSITIVE_INFINITY }],
    ['fractional status', { status: 404.5 }],
    ['status 200 on an error', { status: 200, statusCode: 200, expose: true }],
    ['status as a boxed number', { status: Object(404) }],
  ])('an Error with %s → 500', async (_name, fields) => {
    const error = Object.assign(new Error('odd'), fields)
    const { response, logs } = await run(() => {
      throw error
    })
    expect(response.statusCode).toBe(500)
    expect(bodyOf(response)).toEqual({ message: 'Internal Server Error' })
    expect(logs).toHaveLength(1)
  })

  it('falls back to statusCode when status is not an HTTP status', async () => {
    const { response } = await run(() => {
      throw Object.assign(new Error('x'), { status: 'nope', statusCode: 409, expose: true })
    })
    expect(response.statusCode).toBe(409)
    expect(bodyOf(response)).toEqual({ message: 'x' })
  })

  it('uses the status text when an exposed 4xx message is not a non-empty string', async () => {
    for (const message of [{ text: 'obj' }, 12, '', undefined]) {
      const error = createError(422)
      Object.defineProperty(error, 'message', { value: message })
      const { response } = await run(() => {
        throw error
      })
      expect(response.statusCode).toBe(422)
      expect(bodyOf(response)).toEqual({ message: 'Unprocessable Entity' })
    }
  })

  it('survives getters that throw', async () => {
    const error = new Error('getter trap')
    for (const key of ['status', 'statusCode', 'message', 'name', 'stack', 'headers', 'cause', 'expose']) {
      Object.defineProperty(error, key, {
        get() {
          throw new Error(`getter ${key}`)
        },
      })
    }
    const { response, logs } = await run(() => {
      throw error
    })
    expect(response).toEqual({
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Internal Server Error"}',
    })
    expect(logs).toHaveLength(1)
  })

  it('survives a Proxy whose every trap throws', async () => {
    const trap = () => {
      throw new Error('trap')
    }
    const hostile = new Proxy(
      {},
      { get: trap, getPrototypeOf: trap, ownKeys: trap, has: trap, getOwnPropertyDescriptor: trap },
    )
    const { response, logs } = await run(() => {
      throw hostile
    })
    expect(response.statusCode).toBe(500)
    expect(bodyOf(response)).toEqual({ message: 'Internal Server Error' })
    expect(logs).toHaveLength(1)
    // `instanceof` throws on it, so it is no Error; neither JSON nor String() can print it.
    expect(logs[0]?.error).toEqual({ type: 'object', value: '[unprintable]' })
  })

  it('survives an http error whose headers getter throws: status kept, headers dropped', async () => {
    const error = createError(503)
    Object.defineProperty(error, 'headers', {
      get() {
        throw new Error('headers trap')
      },
    })
    const { response } = await run(() => {
      throw error
    })
    expect(response.statusCode).toBe(503)
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' })
  })
})

describe('jsonResponse: middy early timeout', () => {
  it('a plain AbortError (not caused by a timeout) stays a 500', async () => {
    const controller = new AbortController()
    controller.abort()
    const { response } = await run(async () => {
      await sleep(1_000, undefined, { signal: controller.signal })
    })
    expect(response.statusCode).toBe(500)
  })

  it('an Error caused by a timeout is a 500 unless it is the AbortError of an abort by timeout', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    const { response } = await run(() => {
      throw new Error('could not load the chunk', { cause: timeout })
    })
    expect(response.statusCode).toBe(500)
  })

  it('middy({ timeoutEarlyInMillis }) firing → 504 Gateway Timeout, logged', async () => {
    const logs: JsonResponseLogEntry[] = []
    let aborted = false
    const lambda = middy(
      async (_event: unknown, _context: Context, { signal }: { signal: AbortSignal }) => {
        signal.addEventListener('abort', () => {
          aborted = true
        })
        await sleep(1_500, undefined, { signal }).catch(() => undefined)
        return { never: 'returned' }
      },
      { timeoutEarlyInMillis: 50 },
    ).use(jsonResponse({ logger: (entry) => logs.push(entry) }))

    const started = performance.now()
    const response = asProxy(await lambda({}, lambdaContext({ getRemainingTimeInMillis: () => 100 })))
    const elapsed = performance.now() - started

    expect(response).toEqual({
      statusCode: 504,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Gateway Timeout"}',
    })
    expect(aborted).toBe(true)
    expect(elapsed).toBeLessThan(1_400)
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({
      statusCode: 504,
      awsRequestId: requestId,
      error: { name: 'TimeoutError', message: '[AbortError]: The operation was aborted.' },
    })
  })

  it('maps other timeouts (AbortSignal.timeout) to 504 too', async () => {
    // timers/promises (and most Node APIs) reject with an AbortError whose cause is the TimeoutError.
    const { response, logs } = await run(async () => {
      await sleep(1_000, undefined, { signal: AbortSignal.timeout(5) })
    })
    expect(response.statusCode).toBe(504)
    expect(logs[0]).toMatchObject({ error: { name: 'AbortError', cause: { name: 'TimeoutError' } } })
    // fetch rejects with the signal's reason itself.
    const direct = await run(() => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError')
    })
    expect(direct.response.statusCode).toBe(504)
    expect(bodyOf(direct.response)).toEqual({ message: 'Gateway Timeout' })
  })
})

describe('jsonResponse: handler results that are not JSON', () => {
  const circular: Record<string, unknown> = {}
  circular.self = circular

  it.each([
    ['BigInt', 12n],
    ['object holding a BigInt', { count: 12n }],
    ['circular object', circular],
    ['function', () => 1],
    ['symbol', Symbol('s')],
    [
      'toJSON that throws',
      {
        toJSON: () => {
          throw new Error('toJSON trap')
        },
      },
    ],
    ['proxy-shaped with a BigInt body', { statusCode: 200, body: { n: 1n } }],
  ])('%s → 500 JSON, cause logged', async (_name, value) => {
    const { response, logs } = await run(() => value)
    expect(response).toEqual({
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Internal Server Error"}',
    })
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({
      message: 'response is not JSON-serialisable',
      statusCode: 500,
      awsRequestId: requestId,
    })
  })

  it('a response whose statusCode getter throws → 500, not a crash', async () => {
    const value = {
      get statusCode(): number {
        throw new Error('statusCode trap')
      },
    }
    const { response, logs } = await run(() => value)
    expect(response.statusCode).toBe(500)
    expect(logs).toHaveLength(1)
  })
})

describe('jsonResponse: middleware order and options', () => {
  afterEach(() => {
    vi.restoreAllMocks()
  })

  it('renders errors thrown by other middlewares (before and after)', async () => {
    const fromBefore = middy(async () => 'unreached')
      .use(jsonResponse({ logger: () => {} }))
      .before(() => {
        throw createError(401, 'Unauthorized')
      })
    expect(await fromBefore({}, lambdaContext())).toEqual({
      statusCode: 401,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Unauthorized"}',
    })

    const fromAfter = middy(async () => 'ok')
      .use(jsonResponse({ logger: () => {} }))
      .after(() => {
        throw new Error('after broke')
      })
    expect(await fromAfter({}, lambdaContext())).toMatchObject({ statusCode: 500 })
  })

  it('shapes, rather than replaces, a response an earlier onError middleware produced', async () => {
    const lambda = middy(async (): Promise<unknown> => {
      throw new Error('handled below')
    })
      .use(jsonResponse())
      .onError((request) => {
        request.response = { statusCode: 418, body: '{"message":"teapot"}' }
      })
    expect(await lambda({}, lambdaContext())).toEqual({ statusCode: 418, body: '{"message":"teapot"}' })
  })

  it('logs through console.error by default, one JSON line', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const lambda = middy(async () => {
      throw new Error('default logger')
    }).use(jsonResponse())
    await lambda({}, lambdaContext())
    expect(spy).toHaveBeenCalledTimes(1)
    const [line] = spy.mock.calls[0] ?? []
    expect(typeof line).toBe('string')
    expect(line).not.toContain('\n')
    expect(JSON.parse(line as string)).toMatchObject({
      level: 'ERROR',
      awsRequestId: requestId,
      error: { message: 'default logger' },
    })
  })

  it('still answers when the logger throws, or the context has no request id', async () => {
    const lambda = middy(async () => {
      throw new Error('x')
    }).use(
      jsonResponse({
        logger: () => {
          throw new Error('logger down')
        },
      }),
    )
    expect(await lambda({}, {} as Context)).toMatchObject({ statusCode: 500 })

    const logs: JsonResponseLogEntry[] = []
    const noId = middy(async () => {
      throw new Error('y')
    }).use(jsonResponse({ logger: (entry) => logs.push(entry) }))
    await noId({}, {} as Context)
    expect(logs[0]).toMatchObject({ awsRequestId: null })
  })

  it('adds option headers to the responses it builds, not to proxy responses', async () => {
    const options = { headers: { 'Cache-Control': 'no-store' } }
    expect((await run(() => ({ a: 1 }), options)).response.headers).toEqual({
      'Cache-Control': 'no-store',
      'Content-Type': 'application/json',
    })
    const error = await run(() => {
      throw createError(404)
    }, options)
    expect(error.response.headers).toEqual({
      'Cache-Control': 'no-store',
      'Content-Type': 'application/json',
    })
    const proxy = { statusCode: 200, body: 'x' }
    expect((await run(() => proxy, options)).response).toBe(proxy)
    const dataBody = await run(() => ({ statusCode: 201, headers: { ETag: '"2"' }, body: { v: 2 } }), options)
    expect(dataBody.response.headers).toEqual({ ETag: '"2"', 'Content-Type': 'application/json' })

    const charset = await run(() => 1, { headers: { 'content-type': 'application/json; charset=utf-8' } })
    expect(charset.response.headers).toEqual({ 'Content-Type': 'application/json; charset=utf-8' })
  })

  it('treats options set to undefined as absent', async () => {
    const spy = vi.spyOn(console, 'error').mockImplementation(() => {})
    const lambda = middy(async (): Promise<unknown> => {
      throw new Error('z')
    }).use(jsonResponse({ logger: undefined, headers: undefined }))
    expect(await lambda({}, lambdaContext())).toMatchObject({ statusCode: 500 })
    expect(spy).toHaveBeenCalledTimes(1)
  })

  it('rejects invalid option headers when the middleware is created', () => {
    expect(() => jsonResponse({ headers: { 'Bad Name': 'x' } })).toThrow(JsonResponseConfigError)
    expect(() => jsonResponse({ headers: { 'Bad Name': 'x' } })).toThrow(
      expect.objectContaining({ name: 'JsonResponseConfigError' }),
    )
    expect(() => jsonResponse({ headers: { 'X-Ok': 'a\nb' } })).toThrow(TypeError)
  })
})
