// Property tests (fast-check) against the running runner: arbitrary header names, query names, paths and bodies
// — Object.prototype member names included — and the answer API Gateway would give to each. Bounded so the
// file takes a few seconds inside `npm test`.

import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { CallOptions } from '../src/testing/http-client.js'
import { fixtureTemplate } from './fixture-assembly.js'
import { type EchoedEvent, type ServedFixture, serveFixture } from './support/serve-fixture.js'

const RUNS = 60

let served: ServedFixture

const send = (method: string, path: string, options?: CallOptions) => served.send(method, path, options)

beforeAll(async () => {
  const template = fixtureTemplate() as { Resources: { Api: { Properties: Record<string, unknown> } } }
  // Compression on, so Content-Encoding is decoded (and refused when wrong).
  template.Resources.Api.Properties.MinimumCompressionSize = 1024
  served = await serveFixture({ template, isolation: 'inline' })
})

afterAll(() => served?.stop())

const prototypeNames = [
  '__proto__',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
]

/** Header names the HTTP client or server give a meaning of their own (framing, connection, the token). */
const reservedHeaders = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'expect',
  'upgrade',
  'te',
  'trailer',
  'token',
  'content-encoding',
])

const tokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
const headerName = fc
  .oneof(
    fc.constantFrom(...prototypeNames),
    fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 12 }),
  )
  .filter((name) => !reservedHeaders.has(name.toLowerCase()))
// Visible ASCII with inner spaces: HTTP trims a value's outer whitespace.
const headerValue = fc
  .string({ unit: fc.constantFrom(...' !"#$%&()*+,-./0123456789:;<=>?@AZaz[]^_`{|}~'), maxLength: 16 })
  .map((value) => value.trim())

/** Distinct names ignoring case, so "last value wins" does not depend on how Node merges case variants. */
const headerSets = fc.uniqueArray(fc.tuple(headerName, headerValue), {
  minLength: 1,
  maxLength: 8,
  selector: ([name]) => name.toLowerCase(),
})

const queryText = fc.oneof(
  fc.constantFrom(...prototypeNames),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
)

describe('fuzz: the runner answers what API Gateway would', () => {
  it('arbitrary header names reach the function, and the token check still answers 401 without a token', async () => {
    await fc.assert(
      fc.asyncProperty(headerSets, async (pairs) => {
        const headers = Object.fromEntries(pairs)
        const refused = await send('GET', '/prod/cubewalkblocks', { headers })
        expect(refused.status, refused.text).toBe(401)
        expect(refused.json()).toEqual({ message: 'Unauthorized' })
        const res = await send('GET', '/prod/open', { headers })
        expect(res.status, res.text).toBe(200)
        const event = (res.json() as { event: EchoedEvent }).event
        for (const [name, value] of pairs) {
          expect(Object.hasOwn(event.headers, name), name).toBe(true)
          expect(event.headers[name]).toBe(value)
          expect(event.multiValueHeaders[name]).toEqual([value])
        }
      }),
      { numRuns: RUNS },
    )
  })

  it('arbitrary query names and values, joined by "&" or a raw ";", arrive decoded, last value winning', async () => {
    const pairs = fc.array(fc.tuple(queryText, fc.string({ unit: 'grapheme', maxLength: 8 })), {
      minLength: 1,
      maxLength: 8,
    })
    await fc.assert(
      fc.asyncProperty(
        pairs,
        fc.array(fc.constantFrom('&', ';'), { minLength: 8, maxLength: 8 }),
        async (list, seps) => {
          const raw = list
            .map(([k, v], i) => `${i === 0 ? '' : seps[i]}${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
            .join('')
          const single = new Map<string, string>()
          const multi = new Map<string, string[]>()
          for (const [k, v] of list) {
            single.set(k, v)
            multi.set(k, [...(multi.get(k) ?? []), v])
          }
          const res = await send('GET', `/prod/open?${raw}`)
          expect(res.status, res.text).toBe(200)
          const event = (res.json() as { event: EchoedEvent }).event
          expect(event.queryStringParameters).toEqual(Object.fromEntries(single))
          expect(event.multiValueQueryStringParameters).toEqual(Object.fromEntries(multi))
          const refused = await send('GET', `/prod/cubewalkblocks?${raw}`)
          expect(refused.status, refused.text).toBe(401)
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('arbitrary paths: a greedy parameter gets the parts as sent, anything unknown is 403, never a 5xx', async () => {
    const part = fc.oneof(
      fc.constantFrom(...prototypeNames, '%41'),
      // The client resolves "." and ".." segments before sending, as URL does.
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }).filter((p) => p !== '.' && p !== '..'),
    )
    const parts = fc.array(part, { minLength: 1, maxLength: 5 })
    const slashes = fc.constantFrom('/', '//')
    await fc.assert(
      fc.asyncProperty(parts, slashes, fc.boolean(), async (list, slash, trailing) => {
        const encoded = list.map((p) => encodeURIComponent(p))
        const under = `${encoded.join(slash)}${trailing ? '/' : ''}`
        const greedy = await send('GET', `/prod/files${slash}${under}`)
        expect(greedy.status, greedy.text).toBe(200)
        const event = (greedy.json() as { event: EchoedEvent }).event
        expect(event.pathParameters).toEqual({ proxy: encoded.join('/') })

        const unknown = await send('GET', `/prod/no-such${slash}${under}`)
        expect(unknown.status, unknown.text).toBe(403)
        expect(unknown.json()).toMatchObject({
          message: expect.stringMatching(/^no such route: GET \/prod\//),
        })
      }),
      { numRuns: RUNS },
    )
  })

  it('arbitrary bodies, plain or gzip, reach the function byte for byte; a body that is not gzip is 415', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4096 }),
        fc.constantFrom('plain', 'gzip', 'claims-gzip'),
        async (bytes, coding) => {
          const body = Buffer.from(bytes)
          const headers: Record<string, string> = { 'Content-Type': 'image/png' }
          if (coding !== 'plain') headers['Content-Encoding'] = 'gzip'
          const res = await send('PUT', '/prod/files/upload', {
            headers,
            body: coding === 'gzip' ? gzipSync(body) : body,
          })
          if (coding === 'claims-gzip' && body.length > 0) {
            expect(res.status, res.text).toBe(415)
            expect(res.json()).toEqual({ message: 'Unsupported Media Type' })
            return
          }
          expect(res.status, res.text).toBe(200)
          const event = (res.json() as { event: EchoedEvent }).event
          if (body.length === 0) {
            expect(event.body).toBeNull()
          } else {
            expect(event.isBase64Encoded).toBe(true)
            expect(event.body).toBe(body.toString('base64'))
          }
        },
      ),
      { numRuns: RUNS },
    )
  })

  it('is still up and answering afterwards', async () => {
    const res = await send('GET', '/prod/open')
    expect(res.status).toBe(200)
  })
})
