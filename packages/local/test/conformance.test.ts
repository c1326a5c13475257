// Drives the runner over real HTTP through every row of DESIGN.md's "What API Gateway does" table, against
// a hand-written cloud assembly, with a spy on every Lambda invocation (the authorizer's in particular).
// The whole suite runs once per isolation mode: instances on the runner's thread, and a worker per function.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RequestRecord } from '../src/gateway/server.js'
import type { InvocationReport, Isolation } from '../src/lambda/lambda-pool.js'
import type { Runner } from '../src/runner.js'
import type { CallOptions } from '../src/testing/http-client.js'
import { type EchoedEvent, type ServedFixture, serveFixture } from './support/serve-fixture.js'

for (const isolation of ['inline', 'thread'] as const satisfies readonly Isolation[]) {
  describe(`isolation: ${isolation}`, () => {
    let served: ServedFixture
    let runner: Runner
    const reports: InvocationReport[] = []
    const records: RequestRecord[] = []

    const authorizerCalls = () => reports.filter((r) => r.functionLogicalId === 'AuthFn').length
    const send = (method: string, path: string, options?: CallOptions) => served.send(method, path, options)

    /** Runs `action` and returns how many times the authorizer ran meanwhile. */
    async function countAuthorizerCalls<T>(action: () => Promise<T>): Promise<{ result: T; calls: number }> {
      const before = authorizerCalls()
      const result = await action()
      return { result, calls: authorizerCalls() - before }
    }

    interface EchoBody {
      invocations: number
      loadedAt: number
      event: EchoedEvent
      context: { awsRequestId: string; functionName: string; memoryLimitInMB: string; remainingMs: number }
      env: Record<string, string | null>
      redis?: string
    }

    beforeAll(async () => {
      served = await serveFixture({
        isolation,
        onInvocation: (report) => reports.push(report),
        onRequest: (record) => records.push(record),
      })
      runner = served.runner
    })

    afterAll(() => served?.stop())

    describe('the seed curls', () => {
      it('GET /prod/cubewalkblocks with token:cubewalk-allow answers 200 JSON', async () => {
        const res = await send('GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow' })
        expect(res.status).toBe(200)
        expect(res.headers['content-type']).toBe('application/json')
        const body = res.json() as EchoBody
        expect(body.event.requestContext.authorizer?.principalId).toBe('user-cubewalk-allow')
      })

      it('token:arere answers 401 {"message":"Unauthorized"} without invoking the authorizer', async () => {
        const { result, calls } = await countAuthorizerCalls(() =>
          send('GET', '/prod/cubewalkblocks', { token: 'arere' }),
        )
        expect(result.status).toBe(401)
        expect(result.json()).toEqual({ message: 'Unauthorized' })
        expect(calls).toBe(0)
      })
    })

    describe('API Gateway table', () => {
      it('missing or empty token header: 401, authorizer not invoked', async () => {
        const { result, calls } = await countAuthorizerCalls(async () => [
          await send('GET', '/prod/cubewalkblocks'),
          await send('GET', '/prod/cubewalkblocks', { token: '' }),
        ])
        for (const res of result) {
          expect(res.status).toBe(401)
          expect(res.json()).toEqual({ message: 'Unauthorized' })
        }
        expect(calls).toBe(0)
      })

      it('token failing the identity validation expression: 401, authorizer not invoked', async () => {
        const { result, calls } = await countAuthorizerCalls(() =>
          send('GET', '/prod/cubewalkblocks', { token: 'UPPER-case-is-refused' }),
        )
        expect(result.status).toBe(401)
        expect(calls).toBe(0)
      })

      it('authorizer throws Unauthorized: 401 after invoking it; the refusal is cached for the TTL', async () => {
        const first = await countAuthorizerCalls(() =>
          send('GET', '/prod/cubewalkblocks', { token: 'wrong-token-1' }),
        )
        expect(first.result.status).toBe(401)
        expect(first.result.json()).toEqual({ message: 'Unauthorized' })
        expect(first.calls).toBe(1)
        const again = await countAuthorizerCalls(() =>
          send('GET', '/prod/cubewalkblocks', { token: 'wrong-token-1' }),
        )
        expect(again.result.status).toBe(401)
        expect(again.calls).toBe(0)
      })

      it('policy with an explicit Deny: 403 ACCESS_DENIED', async () => {
        const { result, calls } = await countAuthorizerCalls(() =>
          send('GET', '/prod/cubewalkblocks', { token: 'deny-explicit' }),
        )
        expect(result.status).toBe(403)
        expect(result.json()).toEqual({
          message: 'User is not authorized to access this resource with an explicit deny',
        })
        expect(result.headers['x-amzn-errortype']).toBe('AccessDeniedException')
        expect(calls).toBe(1)
      })

      it('policy not allowing the method (implicit deny): 403, also from the cache on another route', async () => {
        // The seed's second trap: a policy for one methodArn, cached, refuses every other route.
        const token = 'only-this-get'
        const first = await countAuthorizerCalls(() => send('GET', '/prod/cubewalkblocks', { token }))
        expect(first.result.status).toBe(200)
        expect(first.calls).toBe(1)
        const other = await countAuthorizerCalls(() =>
          send('PUT', '/prod/cubewalkblocks/w/chunks/0,0,0', { token }),
        )
        expect(other.result.status).toBe(403)
        expect(other.result.json()).toEqual({ message: 'User is not authorized to access this resource' })
        expect(other.calls).toBe(0)
      })

      it('authorizer throws anything else: 500, and nothing is cached', async () => {
        for (let i = 0; i < 2; i++) {
          const { result, calls } = await countAuthorizerCalls(() =>
            send('GET', '/prod/cubewalkblocks', { token: 'broken-error' }),
          )
          expect(result.status).toBe(500)
          expect(result.json()).toEqual({
            message: 'authorizer error',
            type: 'AUTHORIZER_CONFIGURATION_ERROR',
          })
          expect(calls).toBe(1)
        }
      })

      it('authorizer returns a malformed policy or a nested context: 500', async () => {
        for (const token of ['broken-malformed', 'broken-context']) {
          const res = await send('GET', '/prod/cubewalkblocks', { token })
          expect(res.status).toBe(500)
          expect(res.json()).toMatchObject({ type: 'AUTHORIZER_CONFIGURATION_ERROR' })
        }
      })

      it('authorizer times out (its function Timeout): 500', async () => {
        const res = await send('GET', '/prod/cubewalkblocks', { token: 'slow-authorizer' })
        expect(res.status).toBe(500)
        expect(res.ms).toBeGreaterThanOrEqual(900)
      })

      it('same token within the TTL: cached decision for any method, authorizer not invoked again', async () => {
        const token = 'allow-cache-check'
        const { result, calls } = await countAuthorizerCalls(async () => [
          await send('GET', '/prod/cubewalkblocks', { token }),
          await send('PUT', '/prod/cubewalkblocks/w/chunks/1,2,3', { token, body: '{}' }),
          await send('GET', '/prod/cubewalkblocks/w/chunks/1,2,3', { token }),
          await send('GET', '/prod/cubewalkblocks', { token }),
        ])
        expect(result.map((r) => r.status)).toEqual([200, 200, 200, 200])
        expect(calls).toBe(1)
      })

      it('no such resource or method: 403 Missing Authentication Token, authorizer not invoked', async () => {
        const { result, calls } = await countAuthorizerCalls(async () => [
          await send('GET', '/prod/nope', { token: 'cubewalk-allow' }),
          await send('DELETE', '/prod/cubewalkblocks', { token: 'cubewalk-allow' }),
          await send('GET', '/dev/cubewalkblocks', { token: 'cubewalk-allow' }),
          await send('GET', '/'),
          await send('GET', '/prod/cubewalkblocks/w/chunks/1,2,3/extra', { token: 'cubewalk-allow' }),
        ])
        for (const res of result) expect(res.status).toBe(403)
        expect(result[0]?.json()).toEqual({ message: 'no such route: GET /prod/nope' })
        expect(result[1]?.json()).toEqual({ message: 'no such route: DELETE /prod/cubewalkblocks' })
        expect(calls).toBe(0)
      })

      it('proxy Lambda throws or returns no proxy response: 502 {"message":"Internal server error"}', async () => {
        for (const mode of ['throw', 'malformed', 'nothing', 'object-body']) {
          const res = await send('GET', `/prod/open?mode=${mode}`)
          expect(res.status, mode).toBe(502)
          expect(res.json()).toEqual({ message: 'Internal server error' })
        }
      })

      it('proxy Lambda exceeds the integration timeout: 504 {"message":"Endpoint request timed out"}', async () => {
        const res = await send('GET', '/prod/slow?mode=sleep&ms=1500')
        expect(res.status).toBe(504)
        expect(res.json()).toEqual({ message: 'Endpoint request timed out' })
        expect(res.ms).toBeLessThan(1_400)
      })
    })

    describe('what reaches the integration', () => {
      it('methodArn with the real path; principalId and stringified context under requestContext.authorizer', async () => {
        const res = await send('PUT', '/prod/cubewalkblocks/w-1/chunks/1,-2,3?at=x&at=y', {
          token: 'allow-context-check',
          headers: { 'Content-Type': 'application/json', 'X-Multi': 'one' },
          body: '{"blocks":"AA=="}',
        })
        expect(res.status).toBe(200)
        const { event } = res.json() as EchoBody
        const authorizer = event.requestContext.authorizer as Record<string, unknown>
        expect(authorizer.methodArn).toBe(
          `arn:aws:execute-api:us-east-1:123456789012:${runner.model.apis[0]?.apiId}/prod/PUT/cubewalkblocks/w-1/chunks/1,-2,3`,
        )
        expect(authorizer.principalId).toBe('user-allow-context-check')
        expect(authorizer.eventType).toBe('TOKEN')
        expect(authorizer.flag).toBe('true')
        expect(authorizer.calls).toMatch(/^\d+$/)
        expect(typeof authorizer.integrationLatency).toBe('number')
        expect(event.resource).toBe('/cubewalkblocks/{world}/chunks/{coords}')
        expect(event.path).toBe('/cubewalkblocks/w-1/chunks/1,-2,3')
        expect(event.requestContext.path).toBe('/prod/cubewalkblocks/w-1/chunks/1,-2,3')
        expect(event.requestContext.stage).toBe('prod')
        expect(event.pathParameters).toEqual({ world: 'w-1', coords: '1,-2,3' })
        expect(event.queryStringParameters).toEqual({ at: 'y' })
        expect(event.multiValueQueryStringParameters).toEqual({ at: ['x', 'y'] })
        expect(event.headers['X-Multi']).toBe('one')
        expect(event.headers.token).toBe('allow-context-check')
        expect(event.body).toBe('{"blocks":"AA=="}')
        expect(event.isBase64Encoded).toBe(false)
      })

      it('a GET without body or query carries nulls like the recorded events', async () => {
        const { event } = (await send('GET', '/prod/open')).json() as EchoBody
        expect(event.body).toBeNull()
        expect(event.queryStringParameters).toBeNull()
        expect(event.multiValueQueryStringParameters).toBeNull()
        expect(event.pathParameters).toBeNull()
        expect(event.requestContext.authorizer).toBeUndefined()
      })

      it('a greedy {proxy+} resource takes the rest of the path, for ANY method', async () => {
        const res = await send('POST', '/prod/files/a/b%20c/d', { body: 'x' })
        const { event } = res.json() as EchoBody
        expect(event.resource).toBe('/files/{proxy+}')
        expect(event.pathParameters).toEqual({ proxy: 'a/b%20c/d' })
        expect(event.httpMethod).toBe('POST')
      })

      it('the function environment: template values resolved, cache endpoint replaced by the local Redis', async () => {
        const { env, redis } = (await send('GET', '/prod/open?mode=redis')).json() as EchoBody
        expect(redis).toBe('+PONG')
        expect(env.REDIS_URL).toBe(runner.redisUrl)
        for (const gone of [
          'REDIS_HOST',
          'REDIS_PORT',
          'REDIS_TLS',
          'REDIS_USERNAME',
          'REDIS_IAM_AUTH_CACHE_NAME',
        ]) {
          expect(env[gone], gone).toBeNull()
        }
        expect(env.GREETING).toBe('hello from us-east-1')
        expect(env.PARAM_NAME).toBe('/Fixture/plain')
        expect(env.AWS_ENDPOINT_URL_SSM).toBe(runner.ssm.url)
        expect(env.AWS_LAMBDA_FUNCTION_NAME).toBe('FixtureStack-EchoFn')
        // Each function sees its own environment; the runner's process keeps its own.
        expect(process.env.AWS_LAMBDA_FUNCTION_NAME).toBeUndefined()
        expect(process.env.TOKENS_PARAMETER_NAME).toBeUndefined()
      })
    })

    describe('responses', () => {
      it('headers and multiValueHeaders merge; status and body pass through', async () => {
        const res = await send('GET', '/prod/open?mode=headers')
        expect(res.status).toBe(201)
        expect(res.text).toBe('made')
        expect(res.headers['x-one']).toBe('a')
        expect(res.headers['content-type']).toBe('text/plain')
        expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2'])
      })

      it('a base64 body is decoded only for a binary media type the client accepts', async () => {
        const binary = await send('GET', '/prod/open?mode=binary', { headers: { Accept: 'image/png' } })
        expect([...binary.body]).toEqual([0, 1, 2, 255])
        const text = await send('GET', '/prod/open?mode=binary', { headers: { Accept: 'application/json' } })
        expect(text.text).toBe(Buffer.from([0, 1, 2, 255]).toString('base64'))
      })

      it("the template's gateway responses are used, headers included", async () => {
        const res = await send('GET', '/prod/cubewalkblocks', { token: 'arere' })
        expect(res.headers['access-control-allow-origin']).toBe('*')
        expect(res.headers['x-amzn-errortype']).toBe('UnauthorizedException')
      })

      it("without gateway responses in the template, AWS's built-in ones answer", async () => {
        const unauthorized = await send('GET', '/bare/cubewalkblocks')
        expect(unauthorized.status).toBe(401)
        expect(unauthorized.json()).toEqual({ message: 'Unauthorized' })
        expect(unauthorized.headers['access-control-allow-origin']).toBeUndefined()
        const missing = await send('GET', '/bare/nothing-here')
        expect(missing.status).toBe(403)
        expect(missing.json()).toEqual({ message: 'Missing Authentication Token' })
        expect(missing.headers['x-amzn-errortype']).toBe('MissingAuthenticationTokenException')
        const denied = await send('GET', '/bare/cubewalkblocks', { token: 'deny-explicit' })
        expect(denied.status).toBe(403)
        expect(denied.json()).toEqual({
          Message: 'User is not authorized to access this resource with an explicit deny',
        })
        const failed = await send('GET', '/bare/cubewalkblocks', { token: 'broken-error' })
        expect(failed.status).toBe(500)
        expect(failed.json()).toEqual({ message: null })
        expect(failed.headers['x-amzn-errortype']).toBe('AuthorizerConfigurationException')
      })

      it('TTL 0 invokes the authorizer on every request', async () => {
        const { result, calls } = await countAuthorizerCalls(async () => [
          await send('GET', '/bare/cubewalkblocks', { token: 'cubewalk-allow' }),
          await send('GET', '/bare/cubewalkblocks', { token: 'cubewalk-allow' }),
        ])
        expect(result.map((r) => r.status)).toEqual([200, 200])
        expect(calls).toBe(2)
      })

      it('a MOCK integration (CORS preflight) answers without authorizer nor Lambda', async () => {
        const { result, calls } = await countAuthorizerCalls(() => send('OPTIONS', '/prod/cubewalkblocks'))
        expect(result.status).toBe(204)
        expect(result.headers['access-control-allow-origin']).toBe('*')
        expect(result.headers['access-control-allow-methods']).toBe('OPTIONS,GET,PUT')
        expect(calls).toBe(0)
      })
    })

    describe("Lambda invoke permissions (the seed's first trap)", () => {
      it('a proxy function API Gateway may not invoke: 500 Internal server error', async () => {
        const res = await send('GET', '/prod/noperm')
        expect(res.status).toBe(500)
        expect(res.json()).toEqual({ message: 'Internal server error' })
        expect(reports.some((r) => r.functionLogicalId === 'NoPermFn')).toBe(false)
      })

      it('an authorizer API Gateway may not invoke: 500, the function never runs', async () => {
        const res = await send('GET', '/prod/locked', { token: 'cubewalk-allow' })
        expect(res.status).toBe(500)
        expect(res.json()).toMatchObject({ type: 'AUTHORIZER_CONFIGURATION_ERROR' })
        expect(reports.some((r) => r.functionLogicalId === 'LockedAuthFn')).toBe(false)
      })
    })

    describe('Lambda semantics', () => {
      it('module state survives between calls; only the first call of an instance is cold', async () => {
        const first = (await send('GET', '/prod/files/state-1')).json() as EchoBody
        const second = (await send('GET', '/prod/files/state-2')).json() as EchoBody
        expect(second.loadedAt).toBe(first.loadedAt)
        expect(second.invocations).toBe(first.invocations + 1)
        const last = records.filter((r) => r.path.startsWith('/prod/files/state-')).map((r) => r.integration)
        expect(last.at(-1)).toBe('warm')
      })

      it('context: request id, names, memory and the remaining time from the function Timeout', async () => {
        const { context } = (await send('GET', '/prod/open')).json() as EchoBody
        expect(context.awsRequestId).toMatch(/^[0-9a-f-]{36}$/)
        expect(context.functionName).toBe('FixtureStack-EchoFn')
        expect(context.memoryLimitInMB).toBe('256')
        expect(context.remainingMs).toBeGreaterThan(1_000)
        expect(context.remainingMs).toBeLessThanOrEqual(2_000)
      })

      it('a function past its own Timeout fails (502) and its instance is thrown away', async () => {
        const timedOut = await send('GET', '/prod/open?mode=sleep&ms=2600')
        expect(timedOut.status).toBe(502)
        const report = reports.find((r) => r.functionLogicalId === 'EchoFn' && r.status === 'timeout')
        expect(report).toBeDefined()
        const later = await Promise.all([
          send('GET', '/prod/open'),
          send('GET', '/prod/open'),
          send('GET', '/prod/open'),
        ])
        expect(later.map((r) => r.status)).toEqual([200, 200, 200])
        const after = reports.slice(reports.indexOf(report as InvocationReport) + 1)
        expect(after.some((r) => r.functionLogicalId === 'EchoFn' && r.instance === report?.instance)).toBe(
          false,
        )
      })

      it('a crashing runtime answers 502 and its instance is replaced', async () => {
        const crashed = await send('GET', '/prod/open?mode=exit')
        expect(crashed.status).toBe(502)
        const report = reports.findLast((r) => r.functionLogicalId === 'EchoFn' && r.status === 'crash')
        expect(report).toBeDefined()
        const next = await Promise.all([send('GET', '/prod/open'), send('GET', '/prod/open')])
        expect(next.map((r) => r.status)).toEqual([200, 200])
        const after = reports.slice(reports.indexOf(report as InvocationReport) + 1)
        expect(after.some((r) => r.functionLogicalId === 'EchoFn' && r.instance === report?.instance)).toBe(
          false,
        )
      })

      it('a result with a header Node cannot send (a line break in a value) is a 502, and the runner goes on', async () => {
        const refused = await send('GET', '/prod/open?mode=unsendable-header')
        expect(refused.status).toBe(502)
        expect(refused.json()).toEqual({ message: 'Internal server error' })
        expect(refused.headers['x-split']).toBeUndefined()
        expect(records.at(-1)).toMatchObject({ status: 502, reason: expect.stringContaining('cannot send') })
        expect((await send('GET', '/prod/open')).status).toBe(200)
      })

      // Only a worker thread can be stopped in the middle of synchronous code; docs/local.md says so for inline.
      if (isolation === 'thread') {
        it('a function stuck in synchronous code times out, its thread is replaced, and calls queued behind it fail as crashes', async () => {
          // Two warm instances: when one gets stuck, the other is idle on the same (now blocked) thread.
          await Promise.all([
            send('GET', '/prod/open?mode=sleep&ms=50'),
            send('GET', '/prod/open?mode=sleep&ms=50'),
          ])
          const since = reports.length
          const echoReports = () => reports.slice(since).filter((r) => r.functionLogicalId === 'EchoFn')
          const stuck = send('GET', '/prod/open?mode=spin')
          const deadline = Date.now() + 10_000
          while (!echoReports().some((r) => r.status === 'timeout') && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 10))
          }
          // The thread is still blocked: this call lands on it and is lost when the thread is terminated.
          const caught = await send('GET', '/prod/open')
          expect((await stuck).status).toBe(502)
          expect(caught.status).toBe(502)
          expect(caught.json()).toEqual({ message: 'Internal server error' })
          expect(echoReports().map((r) => r.status)).toEqual(['timeout', 'crash'])
          const fresh = await send('GET', '/prod/open')
          expect(fresh.status).toBe(200)
          expect(echoReports().at(-1)).toMatchObject({ status: 'success', cold: true })
        })
      }

      it('instances are capped by ReservedConcurrentExecutions; excess requests wait, none fail', async () => {
        const before = reports.filter((r) => r.functionLogicalId === 'CappedFn' && r.cold).length
        const started = performance.now()
        const results = await Promise.all(
          Array.from({ length: 5 }, () => send('GET', '/prod/capped?mode=sleep&ms=250')),
        )
        const elapsed = performance.now() - started
        expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
        const cold = reports.filter((r) => r.functionLogicalId === 'CappedFn' && r.cold).length - before
        expect(cold).toBe(2)
        expect(runner.pools.get('CappedFn')?.stats().instances).toBe(2)
        // Five calls on two instances take three rounds.
        expect(elapsed).toBeGreaterThanOrEqual(3 * 250 - 50)
      })
    })

    describe('request log', () => {
      it('one record per call with method, path, status, duration and cold/warm', async () => {
        const before = records.length
        await send('GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow' })
        expect(records.length).toBe(before + 1)
        const record = records.at(-1) as RequestRecord
        expect(record).toMatchObject({
          method: 'GET',
          path: '/prod/cubewalkblocks',
          status: 200,
          authorizer: 'cache',
        })
        expect(['cold', 'warm']).toContain(record.integration)
        expect(record.ms).toBeGreaterThan(0)
      })
    })
  })
}
