// Where the runner used to differ from API Gateway (issue 13, section 2), tried as a user would over HTTP:
// query strings split at a raw `;`, compressed and oversized bodies, slashes in paths, path parameters
// decoded once, and header or query names that collide with Object.prototype.

import { deflateSync, gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InvocationReport, Isolation } from '../src/lambda/lambda-pool.js'
import type { CallOptions } from '../src/testing/http-client.js'
import { fixtureTemplate } from './fixture-assembly.js'
import { type EchoedEvent, type ServedFixture, serveFixture } from './support/serve-fixture.js'

type Template = { Resources: Record<string, { Type?: string; Properties: Record<string, unknown> }> }

/** The fixture, with compression on for the `prod` API and an open ANY route on the `bare` one (compression off). */
function exactnessTemplate(): Record<string, unknown> {
  const template = fixtureTemplate() as Template
  const resources = template.Resources
  const api = resources.Api as Template['Resources'][string]
  api.Properties.MinimumCompressionSize = 0
  resources.BareOpen = {
    Type: 'AWS::ApiGateway::Resource',
    Properties: {
      RestApiId: { Ref: 'BareApi' },
      ParentId: { 'Fn::GetAtt': ['BareApi', 'RootResourceId'] },
      PathPart: 'open',
    },
  }
  resources.BareOpenAny = {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: { Ref: 'BareApi' },
      ResourceId: { Ref: 'BareOpen' },
      HttpMethod: 'ANY',
      AuthorizationType: 'NONE',
      Integration: {
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
        Uri: {
          'Fn::Join': [
            '',
            [
              'arn:aws:apigateway:',
              { Ref: 'AWS::Region' },
              ':lambda:path/2015-03-31/functions/',
              { 'Fn::GetAtt': ['EchoFn', 'Arn'] },
              '/invocations',
            ],
          ],
        },
      },
    },
  }
  return template
}

for (const isolation of ['inline', 'thread'] as const satisfies readonly Isolation[]) {
  describe(`isolation: ${isolation}`, () => {
    let served: ServedFixture
    const reports: InvocationReport[] = []

    const send = (method: string, path: string, options?: CallOptions) => served.send(method, path, options)
    const echoed = async (method: string, path: string, options?: CallOptions): Promise<EchoedEvent> => {
      const res = await send(method, path, options)
      expect(res.status, res.text).toBe(200)
      return (res.json() as { event: EchoedEvent }).event
    }
    const echoRuns = () => reports.filter((r) => r.functionLogicalId === 'EchoFn').length

    beforeAll(async () => {
      served = await serveFixture({
        template: exactnessTemplate(),
        isolation,
        onInvocation: (report) => reports.push(report),
      })
    })

    afterAll(() => served?.stop())

    describe('query strings', () => {
      it('a raw ";" splits parameters as "&" does; an encoded one stays in the value', async () => {
        const event = await echoed('GET', '/prod/open?at=1,2,3;4,5,6&b=x%3By')
        expect(event.queryStringParameters).toEqual({ at: '1,2,3', '4,5,6': '', b: 'x;y' })
        expect(event.multiValueQueryStringParameters).toEqual({ at: ['1,2,3'], '4,5,6': [''], b: ['x;y'] })
      })
    })

    describe('paths', () => {
      it('a trailing slash names the same resource, also where the invoke permission names the exact path', async () => {
        // CappedFn may be invoked from `.../prod/GET/capped` only.
        const res = await send('GET', '/prod/capped/')
        expect(res.status, res.text).toBe(200)
        const event = (res.json() as { event: EchoedEvent }).event
        expect(event.resource).toBe('/capped')
        // The event keeps the slash the client sent.
        expect(event.path).toBe('/capped/')
        const authorized = await echoed('GET', '/prod/cubewalkblocks/', { token: 'cubewalk-allow' })
        expect(authorized.resource).toBe('/cubewalkblocks')
      })

      it('empty path segments ("//") are merged before matching', async () => {
        const open = await echoed('GET', '/prod//open')
        expect(open.resource).toBe('/open')
        expect(open.path).toBe('/open')
        expect((await echoed('GET', '/prod//capped//')).resource).toBe('/capped')
        const chunk = await echoed('GET', '/prod/cubewalkblocks//w1//chunks/1,2,3', {
          token: 'cubewalk-allow',
        })
        expect(chunk.resource).toBe('/cubewalkblocks/{world}/chunks/{coords}')
        expect(chunk.pathParameters).toEqual({ world: 'w1', coords: '1,2,3' })
      })

      it('path parameters reach the function as sent, not percent-decoded (the function decodes them once)', async () => {
        const chunk = await echoed('GET', '/prod/cubewalkblocks/a%2577b/chunks/1%2C2%2C3', {
          token: 'cubewalk-allow',
        })
        expect(chunk.pathParameters).toEqual({ world: 'a%2577b', coords: '1%2C2%2C3' })
        expect(chunk.path).toBe('/cubewalkblocks/a%2577b/chunks/1%2C2%2C3')
        // The request LocalStack's AWS-validated snapshot records (test_apigateway_lambda: path-encoded email).
        const greedy = await echoed(
          'GET',
          '/prod/files/user/test%2Balias@gmail.com/plus/test+alias@gmail.com',
        )
        expect(greedy.pathParameters).toEqual({
          proxy: 'user/test%2Balias@gmail.com/plus/test+alias@gmail.com',
        })
        expect(greedy.path).toBe('/files/user/test%2Balias@gmail.com/plus/test+alias@gmail.com')
      })
    })

    describe('names that are also Object.prototype members', () => {
      const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']

      it('as header names: the token check still answers, and the function sees the headers', async () => {
        const headers = Object.fromEntries(names.map((name, i) => [name, `h${i}`]))
        const refused = await send('GET', '/prod/cubewalkblocks', { headers })
        expect(refused.status, refused.text).toBe(401)
        const event = await echoed('GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow', headers })
        for (const [i, name] of names.entries()) {
          expect(Object.hasOwn(event.headers, name), name).toBe(true)
          expect(event.headers[name]).toBe(`h${i}`)
          expect(event.multiValueHeaders[name]).toEqual([`h${i}`])
        }
      })

      it('as query names: plain values in both query maps', async () => {
        const query = names.map((name, i) => `${name}=q${i}`).join('&')
        const refused = await send('GET', `/prod/cubewalkblocks?${query}`)
        expect(refused.status, refused.text).toBe(401)
        const event = await echoed('GET', `/prod/open?${query}&toString=again`)
        for (const [i, name] of names.entries()) {
          expect(Object.hasOwn(event.queryStringParameters ?? {}, name), name).toBe(true)
          expect(event.queryStringParameters?.[name]).toBe(name === 'toString' ? 'again' : `q${i}`)
        }
        expect(event.multiValueQueryStringParameters?.toString).toEqual(['q2', 'again'])
      })

      it('as path parameter values', async () => {
        const event = await echoed('GET', '/prod/cubewalkblocks/__proto__/chunks/constructor', {
          token: 'cubewalk-allow',
        })
        expect(event.pathParameters).toEqual({ world: '__proto__', coords: 'constructor' })
        expect(Object.hasOwn(event.pathParameters ?? {}, '__proto__')).toBe(false)
      })
    })

    describe('compressed request bodies (the API has MinimumCompressionSize)', () => {
      const text = JSON.stringify({ blocks: 'A'.repeat(2000) })

      it('gzip and deflate bodies reach the function decoded', async () => {
        for (const [coding, encode] of [
          ['gzip', gzipSync],
          ['deflate', deflateSync],
          ['GZIP', gzipSync],
          // Codings listed in the order they were applied, so decoded last to first.
          ['deflate, gzip', (bytes: string) => gzipSync(deflateSync(bytes))],
        ] as const) {
          const event = await echoed('PUT', '/prod/files/doc', {
            headers: { 'Content-Type': 'application/json', 'Content-Encoding': coding },
            body: encode(text),
          })
          expect(event.body, coding).toBe(text)
        }
      })

      it('a body that is not what Content-Encoding says, or an unknown coding: 415, the function never runs', async () => {
        for (const [coding, body] of [
          ['gzip', Buffer.from('not gzip at all')],
          ['deflate', gzipSync(text)],
          ['br', Buffer.from(text)],
        ] as const) {
          const before = echoRuns()
          const res = await send('PUT', '/prod/files/doc', {
            headers: { 'Content-Type': 'application/json', 'Content-Encoding': coding },
            body,
          })
          expect(res.status, coding).toBe(415)
          expect(res.json()).toEqual({ message: 'Unsupported Media Type' })
          // The stack's DEFAULT_4XX gateway response dresses it, as it does every API Gateway 4xx.
          expect(res.headers['access-control-allow-origin']).toBe('*')
          expect(echoRuns()).toBe(before)
        }
      })

      it('identity is the body as sent', async () => {
        const event = await echoed('PUT', '/prod/files/doc', {
          headers: { 'Content-Encoding': 'identity' },
          body: text,
        })
        expect(event.body).toBe(text)
      })

      it('without compression on the API, the bytes pass through untouched', async () => {
        const compressed = gzipSync(text)
        const event = await echoed('PUT', '/bare/open', {
          headers: { 'Content-Type': 'image/png', 'Content-Encoding': 'gzip' },
          body: compressed,
        })
        expect(event.headers['Content-Encoding']).toBe('gzip')
        expect(event.body).toBe(compressed.toString('utf8'))
      })
    })

    describe('request size limits', () => {
      it("a body whose event is over Lambda's 6 MB invoke limit never reaches the function: 500", async () => {
        const before = echoRuns()
        const res = await send('PUT', '/bare/open', { body: Buffer.alloc(6 * 1024 * 1024, 'a') })
        expect(res.status).toBe(500)
        expect(res.json()).toEqual({ message: 'Internal server error' })
        expect(res.headers['x-amzn-errortype']).toBe('InternalServerErrorException')
        expect(echoRuns()).toBe(before)
        // Just under the limit once the event is built around it: the function runs.
        const fits = await send('PUT', '/bare/open', { body: Buffer.alloc(6 * 1024 * 1024 - 64 * 1024, 'a') })
        expect(fits.status).toBe(200)
      })

      it('a compressed body is measured once decoded', async () => {
        const before = echoRuns()
        const res = await send('PUT', '/prod/files/big', {
          headers: { 'Content-Encoding': 'gzip' },
          body: gzipSync(Buffer.alloc(7 * 1024 * 1024, 'a')),
        })
        expect(res.status).toBe(500)
        expect(echoRuns()).toBe(before)
      })

      it("over 10 MB: API Gateway's own 413, the connection still usable", async () => {
        const before = echoRuns()
        for (const path of ['/bare/open', '/prod/files/big']) {
          const res = await send('PUT', path, { body: Buffer.alloc(10 * 1024 * 1024 + 1, 'a') })
          expect(res.status, path).toBe(413)
          expect(res.json()).toEqual({ message: 'Request Too Long' })
          expect(res.headers['content-type']).toBe('application/json')
          expect(res.headers['x-amzn-errortype']).toBe('RequestTooLargeException')
        }
        expect(echoRuns()).toBe(before)
        const after = await send('GET', '/bare/open')
        expect(after.status).toBe(200)
      })
    })
  })
}
