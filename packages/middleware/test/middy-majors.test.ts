// The peer range says @middy/core 6 or 7: the same middlewares, run through each major's own onion (before in
// order, after/onError in reverse, early responses, the early-timeout timer, request.internal), must behave the
// same. middy 6 and its @middy/ssm are installed under the npm aliases @middy/core6 and @middy/ssm6.
import { randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import middy7 from '@middy/core'
import middy6 from '@middy/core6'
import ssm7 from '@middy/ssm'
import ssm6 from '@middy/ssm6'
import type { APIGatewayProxyResult } from 'aws-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import createError from 'http-errors'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { jsonResponse } from '../src/json-response.js'
import { closeRedisPool, redisPool } from '../src/redis-pool.js'
import { type TokenAuthorizerOptions, tokenAuthorizer } from '../src/token-authorizer.js'
import { lambdaContext } from './support/lambda-context.js'
import { expectUnauthorized } from './support/unauthorized.js'

// The two majors' types differ in detail only; what is under test is their run-time behaviour.
const majors = [
  { major: 7, middy: middy7, ssm: ssm7 },
  { major: 6, middy: middy6 as unknown as typeof middy7, ssm: ssm6 as unknown as typeof ssm7 },
]

const parameterName = '/cubewalk/test/middy-majors/tokens'
const token = 'test-token-not-secret-majors'
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
const ssmMock = mockClient(SSMClient)

beforeAll(() => {
  ssmMock.on(GetParametersCommand).resolves({
    Parameters: [{ Name: parameterName, Type: 'SecureString', Value: JSON.stringify({ game: token }) }],
  })
})

afterAll(async () => {
  ssmMock.restore()
  await closeRedisPool()
})

/** The major of the copy Node resolves: the nearest node_modules up from here (also from Stryker's sandbox). */
const installedMajor = (name: string): number => {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const manifest = new URL(`node_modules/${name}/package.json`, dir)
    if (existsSync(manifest)) {
      return Number.parseInt((JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version, 10)
    }
    if (dir.pathname === '/') throw new Error(`${name} is not installed`)
  }
}

it('runs against two different installs: @middy/core 7 and, aliased, 6 (with @middy/ssm of each)', () => {
  expect([installedMajor('@middy/core'), installedMajor('@middy/core6')]).toEqual([7, 6])
  expect([installedMajor('@middy/ssm'), installedMajor('@middy/ssm6')]).toEqual([7, 6])
  expect(middy6).not.toBe(middy7)
})

describe.each(majors)('under @middy/core $major', ({ major, middy, ssm }) => {
  const keyPrefix = `cubewalk:middy-majors:${major}:${randomUUID()}`

  const blocks = (url: string, timeoutEarlyInMillis?: number) =>
    middy<{ world?: string; wait?: number }>(
      timeoutEarlyInMillis === undefined ? undefined : { timeoutEarlyInMillis },
    )
      .use(jsonResponse({ logger: () => {} }))
      .use(redisPool({ url, connectTimeout: 300 }))
      .handler(async (event, context) => {
        if (!event.world) throw createError(400, 'world is required')
        if (event.wait) await sleep(event.wait)
        const key = `${keyPrefix}:${event.world}`
        await context.redis.set(key, 'stone')
        return { world: event.world, blocks: await context.redis.get(key) }
      })

  const call = async (handler: ReturnType<typeof blocks>, event: object, remainingMs = 3_000) =>
    (await handler(event, lambdaContext(remainingMs) as never)) as APIGatewayProxyResult

  it('pool + jsonResponse: 200 JSON from Redis, the same client across invocations, 400 JSON for bad input', async () => {
    const handler = blocks(inject('redisUrl'))
    const ok = await call(handler, { world: 'w1' })
    expect(ok).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ world: 'w1', blocks: 'stone' }),
    })
    const clients = new Set<unknown>()
    const seeing = middy()
      .use(redisPool({ url: inject('redisUrl') }))
      .handler(async (_event: unknown, context) => {
        clients.add(context.redis)
      })
    for (let i = 0; i < 3; i++) await seeing({}, lambdaContext() as never)
    expect(clients.size).toBe(1)
    expect(await call(handler, {})).toEqual({
      statusCode: 400,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'world is required' }),
    })
  })

  it('pool + jsonResponse: 503 JSON, fast, when Redis refuses connections', async () => {
    const started = performance.now()
    const down = await call(blocks('redis://127.0.0.1:1'), { world: 'w2' })
    expect(down).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Service Unavailable' }),
    })
    expect(performance.now() - started).toBeLessThan(2_500)
  })

  it("jsonResponse turns the major's early timeout into 504 JSON", async () => {
    const late = await call(blocks(inject('redisUrl'), 50), { world: 'w3', wait: 1_000 }, 200)
    expect(late.statusCode).toBe(504)
    expect(late.body).toBe(JSON.stringify({ message: 'Gateway Timeout' }))
  })

  it.each<[string, TokenAuthorizerOptions, boolean]>([
    ['request.internal (no setToContext)', { tokensFromInternal: 'tokens' }, false],
    ['the context (setToContext)', { tokensFromContext: 'tokens' }, true],
  ])('authorizer after its @middy/ssm, tokens from %s', async (_source, options, setToContext) => {
    const handler = middy()
      .use(
        ssm({
          fetchData: { tokens: parameterName },
          setToContext,
          cacheKey: `middy-majors-${major}-${randomUUID()}`,
          cacheExpiry: 60_000,
          awsClientOptions: { region: 'eu-west-1' },
        }),
      )
      .use(tokenAuthorizer(options))
    const invoke = (authorizationToken: string) =>
      handler({ type: 'TOKEN', authorizationToken, methodArn } as never, lambdaContext() as never)
    for (let i = 0; i < 2; i++) {
      expect(await invoke(token)).toMatchObject({
        principalId: 'game',
        policyDocument: {
          Statement: [
            { Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*' },
          ],
        },
        context: { tokenName: 'game' },
      })
      await expectUnauthorized(invoke('test-token-not-secret-unknown'))
    }
  })
})

// Built without casts: the package's middlewares type-check in middy 6's .use() too (npm run typecheck covers this file),
// context.redis included.
describe('typed under @middy/core 6', () => {
  it('builds a blocks handler and an authorizer without casts, and runs them', async () => {
    const key = `cubewalk:middy-majors:typed:${randomUUID()}`
    const handler = middy6()
      .use(jsonResponse())
      .use(redisPool({ url: inject('redisUrl') }))
      .handler(async (_event: unknown, context) => context.redis.set(key, 'typed'))
    expect(await handler({}, lambdaContext() as never)).toMatchObject({ statusCode: 200, body: '"OK"' })
    const authorizer = middy6()
      .use(tokenAuthorizer({ tokens: { game: token } }))
      .handler(async () => undefined as never)
    expect(
      await authorizer({ type: 'TOKEN', authorizationToken: token, methodArn }, lambdaContext()),
    ).toMatchObject({ principalId: 'game' })
  })
})
