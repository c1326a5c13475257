// The two Lambdas with METRICS_NAMESPACE set, as the stack deploys them: EMF lines on stdout for refusals and token
// map failures (authorizer) and for 503s and command latency (blocks), never a token.
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { closeRedisPool } from '@cubewalk/middleware'
import { freePort } from '@cubewalk/redis-harness'
import { clearCache } from '@middy/util'
import type { Context } from 'aws-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createAuthorizer } from '../src/authorizer/create-authorizer.js'
import { createBlocksHandler } from '../src/blocks/create-blocks-handler.js'
import { ConfigError, readAuthorizerConfig, readBlocksConfig } from '../src/config.js'
import { call } from './support/blocks.js'
import { lambdaContext } from './support/events.js'

const parameterName = '/cubewalk-metrics-test/tokens'
const tokens = { alice: 'test-token-not-secret-metrics-1' }
const unknownToken = 'test-token-not-secret-metrics-unknown'
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/GET/cubewalkblocks'
const metricsEnv = { METRICS_NAMESPACE: 'Cubewalk', METRICS_API_ID: 'puhdx84jy9' }
const ssm = mockClient(SSMClient)

/** What the function writes to stdout, as lines. */
const stdoutLines = (): string[] => {
  const lines: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  })
  return lines
}

let cacheKeys = 0
type Authorizer = (event: unknown, context: Context) => Promise<unknown>
const authorizer = (): Authorizer =>
  createAuthorizer(readAuthorizerConfig({ TOKENS_PARAMETER_NAME: parameterName, ...metricsEnv }), {
    cacheKey: `cubewalk-metrics-test-${++cacheKeys}`,
  }) as unknown as Authorizer
const tokenEvent = (authorizationToken: string) => ({ type: 'TOKEN', authorizationToken, methodArn })

beforeEach(() => {
  ssm.reset()
  ssm.on(GetParametersCommand).resolves({
    Parameters: [{ Name: parameterName, Type: 'SecureString', Value: JSON.stringify(tokens) }],
    InvalidParameters: [],
  })
})
afterEach(async () => {
  vi.restoreAllMocks()
  clearCache()
  await closeRedisPool()
})

describe('METRICS_NAMESPACE and METRICS_API_ID', () => {
  it('are read by both functions; the API id becomes the ApiId dimension', () => {
    expect(readAuthorizerConfig({ TOKENS_PARAMETER_NAME: '/p', ...metricsEnv }).metrics).toEqual({
      namespace: 'Cubewalk',
      dimensions: { ApiId: 'puhdx84jy9' },
    })
    expect(
      readBlocksConfig({ REDIS_URL: 'redis://127.0.0.1', METRICS_NAMESPACE: 'Cubewalk' }).metrics,
    ).toEqual({
      namespace: 'Cubewalk',
      dimensions: {},
    })
    expect(readBlocksConfig({ REDIS_URL: 'redis://127.0.0.1' })).not.toHaveProperty('metrics')
  })

  it.each([
    [{ METRICS_API_ID: 'puhdx84jy9' }, /METRICS_API_ID needs METRICS_NAMESPACE/],
    [{ METRICS_NAMESPACE: 'AWS/Lambda' }, /METRICS_NAMESPACE/],
    [
      { METRICS_NAMESPACE: 'Cubewalk', METRICS_API_ID: 'puhdx84jy9/prod' },
      /METRICS_API_ID must be a REST API id/,
    ],
  ])('refuse %j', (env, message) => {
    expect(() => readAuthorizerConfig({ TOKENS_PARAMETER_NAME: '/p', ...env })).toThrow(ConfigError)
    expect(() => readAuthorizerConfig({ TOKENS_PARAMETER_NAME: '/p', ...env })).toThrow(message)
  })
})

describe('authorizer metrics', () => {
  it('one line per refusal with its reason, nothing for an Allow, no token anywhere', async () => {
    const handler = authorizer()
    const lines = stdoutLines()
    await expect(handler(tokenEvent(tokens.alice), lambdaContext())).resolves.toMatchObject({
      principalId: 'alice',
    })
    await expect(handler(tokenEvent(unknownToken), lambdaContext())).rejects.toThrow('Unauthorized')
    await expect(handler(tokenEvent(''), lambdaContext())).rejects.toThrow('Unauthorized')
    vi.restoreAllMocks()
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ ApiId: 'puhdx84jy9', Reason: 'UnknownToken', TokenRefusals: 1 }),
      expect.objectContaining({ ApiId: 'puhdx84jy9', Reason: 'MissingToken', TokenRefusals: 1 }),
    ])
    expect(JSON.parse(lines[0] as string)._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Cubewalk',
        Dimensions: [['ApiId', 'Reason']],
        Metrics: [{ Name: 'TokenRefusals', Unit: 'Count' }],
      },
    ])
    for (const token of [tokens.alice, unknownToken]) expect(lines.join('\n')).not.toContain(token)
  })

  it('a token revoked since the cached read is refused after a fresh read, counted as UnknownToken', async () => {
    const handler = createAuthorizer(
      readAuthorizerConfig({ TOKENS_PARAMETER_NAME: parameterName, ...metricsEnv }),
      { cacheKey: `cubewalk-metrics-test-${++cacheKeys}`, revalidateAfterMs: 0 },
    ) as unknown as Authorizer
    await expect(handler(tokenEvent(tokens.alice), lambdaContext())).resolves.toMatchObject({
      principalId: 'alice',
    })
    ssm.reset()
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: parameterName, Type: 'SecureString', Value: JSON.stringify({ other: unknownToken }) },
      ],
      InvalidParameters: [],
    })
    await new Promise((resolve) => setTimeout(resolve, 5))
    const lines = stdoutLines()
    await expect(handler(tokenEvent(tokens.alice), lambdaContext())).rejects.toThrow('Unauthorized')
    vi.restoreAllMocks()
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ Reason: 'UnknownToken', TokenRefusals: 1 }),
    ])
    expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1)
  })

  it('a failed parameter read is TokensUnavailable', async () => {
    ssm.reset()
    ssm
      .on(GetParametersCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' }))
    const handler = authorizer()
    const lines = stdoutLines()
    await expect(handler(tokenEvent(tokens.alice), lambdaContext())).rejects.toThrow()
    vi.restoreAllMocks()
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({ ApiId: 'puhdx84jy9', TokensUnavailable: 1 }),
    ])
    expect(lines[0]).not.toContain(tokens.alice)
  })
})

describe('blocks metrics', () => {
  it('a 503 for a Redis that is not there is counted, in one line for the invocation', async () => {
    const port = await freePort()
    const handler = createBlocksHandler(
      readBlocksConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, ...metricsEnv }),
      { logger: () => {} },
    )
    const lines = stdoutLines()
    const response = await call(handler, 'GET', '/cubewalkblocks/w1/chunks/0,0,0')
    vi.restoreAllMocks()
    expect(response.statusCode).toBe(503)
    const emf = lines.map((line) => JSON.parse(line)).filter((line) => '_aws' in line)
    expect(emf).toHaveLength(1)
    expect(emf[0]).toMatchObject({ ApiId: 'puhdx84jy9', RedisUnavailable: 1 })
  })
})
