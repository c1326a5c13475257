// The authorizer cache against a controllable clock: decisions live exactly for the TTL, per token,
// re-evaluated against each method ARN; failures are never cached.

import { describe, expect, it } from 'vitest'
import { type AuthorizationRequest, LocalAuthorizer } from '../src/gateway/authorizer.js'
import { parseHeaders } from '../src/gateway/proxy-event.js'
import type { InvokeOutcome, LambdaPool } from '../src/lambda/lambda-pool.js'
import type { AuthorizerModel, LambdaPermissionModel } from '../src/template/api-model.js'

const apiArn = 'arn:aws:execute-api:us-east-1:123456789012:abc123defg'
const model: AuthorizerModel = {
  logicalId: 'Tok',
  id: 'tok123',
  name: 'Tok',
  type: 'TOKEN',
  identitySources: ['method.request.header.token'],
  validationExpression: undefined,
  ttlSeconds: 300,
  functionLogicalId: 'AuthFn',
}
const permissions: LambdaPermissionModel[] = [
  {
    logicalId: 'P',
    functionName: 'auth-fn',
    principal: 'apigateway.amazonaws.com',
    sourceArn: `${apiArn}/authorizers/tok123`,
  },
]

function setup(answer: (token: string) => InvokeOutcome, overrides: Partial<AuthorizerModel> = {}) {
  let now = 1_000_000
  const events: Array<{ authorizationToken: string; methodArn: string }> = []
  const pool = {
    invoke: async (eventJson: string) => {
      const event = JSON.parse(eventJson) as { authorizationToken: string; methodArn: string }
      events.push(event)
      return {
        outcome: answer(event.authorizationToken),
        requestId: 'r',
        cold: false,
        initMs: undefined,
        durationMs: 1,
        queuedMs: 0,
      }
    },
  } as unknown as LambdaPool
  const authorizer = new LocalAuthorizer(
    { ...model, ...overrides },
    { apiArn, poolFor: () => pool, functionName: () => 'auth-fn', permissions, now: () => now },
  )
  const request = (token: string, method = 'GET', path = '/cubewalkblocks'): AuthorizationRequest => ({
    methodArn: `${apiArn}/prod/${method}${path}`,
    headers: parseHeaders(['token', token]),
    query: null,
    stageVariables: null,
    requestEvent: () => ({}),
  })
  return { authorizer, events, request, advance: (ms: number) => (now += ms) }
}

const allowStage: InvokeOutcome = {
  kind: 'payload',
  payload: JSON.stringify({
    principalId: 'p',
    policyDocument: {
      Statement: [{ Effect: 'Allow', Action: 'execute-api:Invoke', Resource: `${apiArn}/prod/*/*` }],
    },
  }),
}

describe('LocalAuthorizer cache', () => {
  it('serves the cached decision until the TTL ends, then asks again', async () => {
    const { authorizer, events, request, advance } = setup(() => allowStage)
    expect((await authorizer.authorize(request('t1'))).allowed).toBe(true)
    advance(299_000)
    const cached = await authorizer.authorize(request('t1', 'DELETE', '/cubewalkblocks/w/chunks/1,1,1'))
    expect(cached).toMatchObject({ allowed: true, source: 'cache' })
    expect(events).toHaveLength(1)
    advance(1_001)
    expect(await authorizer.authorize(request('t1'))).toMatchObject({ allowed: true, source: 'warm' })
    expect(events).toHaveLength(2)
  })

  it('keys the cache by token', async () => {
    const { authorizer, events, request } = setup(() => allowStage)
    await authorizer.authorize(request('a'))
    await authorizer.authorize(request('b'))
    await authorizer.authorize(request('a'))
    expect(events.map((e) => e.authorizationToken)).toEqual(['a', 'b'])
  })

  it('never caches a failure', async () => {
    const { authorizer, events, request } = setup(() => ({
      kind: 'error',
      error: { errorType: 'Error', errorMessage: 'boom' },
    }))
    for (let i = 0; i < 3; i++) {
      expect(await authorizer.authorize(request('t'))).toMatchObject({
        allowed: false,
        response: 'AUTHORIZER_CONFIGURATION_ERROR',
      })
    }
    expect(events).toHaveLength(3)
  })

  it('with TTL 0 every request invokes the authorizer', async () => {
    const { authorizer, events, request } = setup(() => allowStage, { ttlSeconds: 0 })
    await authorizer.authorize(request('t'))
    await authorizer.authorize(request('t'))
    expect(events).toHaveLength(2)
  })

  it('sends the TOKEN event API Gateway sends', async () => {
    const { authorizer, events, request } = setup(() => allowStage)
    await authorizer.authorize(request('tok-1', 'PATCH', '/cubewalkblocks/w/chunks/0,0,0'))
    expect(events[0]).toEqual({
      type: 'TOKEN',
      authorizationToken: 'tok-1',
      methodArn: `${apiArn}/prod/PATCH/cubewalkblocks/w/chunks/0,0,0`,
    })
  })

  it('REQUEST authorizers: identity from several sources, the REQUEST event, 401 without invoking when one is missing', async () => {
    const events: Array<Record<string, unknown>> = []
    const pool = {
      invoke: async (eventJson: string) => {
        events.push(JSON.parse(eventJson) as Record<string, unknown>)
        return {
          outcome: allowStage,
          requestId: 'r',
          cold: false,
          initMs: undefined,
          durationMs: 1,
          queuedMs: 0,
        }
      },
    } as unknown as LambdaPool
    const authorizer = new LocalAuthorizer(
      {
        ...model,
        type: 'REQUEST',
        identitySources: ['method.request.header.X-Player', 'method.request.querystring.world'],
      },
      { apiArn, poolFor: () => pool, functionName: () => 'auth-fn', permissions },
    )
    const request = (headers: string[], query: Record<string, string> | null): AuthorizationRequest => ({
      methodArn: `${apiArn}/prod/GET/cubewalkblocks`,
      headers: parseHeaders(headers),
      query,
      stageVariables: null,
      requestEvent: () => ({ httpMethod: 'GET', resource: '/cubewalkblocks' }),
    })
    expect(await authorizer.authorize(request(['x-player', 'p1'], null))).toMatchObject({
      allowed: false,
      response: 'UNAUTHORIZED',
      source: 'skipped',
    })
    expect(events).toHaveLength(0)
    expect(await authorizer.authorize(request(['x-player', 'p1'], { world: 'w' }))).toMatchObject({
      allowed: true,
    })
    expect(events[0]).toMatchObject({
      type: 'REQUEST',
      methodArn: `${apiArn}/prod/GET/cubewalkblocks`,
      httpMethod: 'GET',
    })
    await authorizer.authorize(request(['X-PLAYER', 'p1'], { world: 'w' }))
    expect(events).toHaveLength(1)
  })
})
