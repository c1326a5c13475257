// The README's metrics examples (examples/metrics.ts, examples/powertools-metrics.ts): quoted verbatim, and run: the
// EMF lines they write to stdout for a healthy call, a refusal and a Redis that is not there.
import { readFileSync } from 'node:fs'
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { freePort } from '@cubewalk/redis-harness'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { closeRedisPool } from '../src/index.js'
import { expectEmf } from './support/emf.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const example = (name: string) => readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8')
const context = (id: string) =>
  ({ awsRequestId: id, getRemainingTimeInMillis: () => 3_000 }) as unknown as import('aws-lambda').Context
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'

/** The lines written to stdout while `action` runs. */
const stdoutDuring = async (action: () => Promise<unknown>): Promise<string[]> => {
  const lines: string[] = []
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    lines.push(...String(chunk).split('\n').filter(Boolean))
    return true
  })
  try {
    await action()
  } finally {
    vi.restoreAllMocks()
  }
  return lines
}

describe('README metrics examples', () => {
  it.each(['metrics.ts', 'powertools-metrics.ts'])('quotes examples/%s verbatim', (name) => {
    expect(readme).toContain(example(name))
  })

  const ssm = mockClient(SSMClient)
  const env = { ...process.env }
  beforeAll(() => {
    process.env.AWS_REGION ??= 'eu-west-1'
    process.env.API_ID = 'abcdef1234'
    process.env.TOKENS_PARAMETER_NAME = '/cubewalk/readme-metrics/tokens'
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        {
          Name: '/cubewalk/readme-metrics/tokens',
          Value: JSON.stringify({ 'readme-game': 'readme-token-not-secret-metrics' }),
        },
      ],
    })
  })
  afterEach(async () => {
    vi.resetModules()
    await closeRedisPool()
  })
  afterAll(() => {
    ssm.restore()
    process.env = env
  })

  it('metrics: a line with the command latency for a healthy call, RedisUnavailable for a 503', async () => {
    process.env.REDIS_URL = inject('redisUrl')
    const healthy = await import('../examples/metrics.js')
    const up = await stdoutDuring(() => healthy.handler({}, context('readme-metrics-1') as never))
    expect(up).toHaveLength(1)
    const line = expectEmf(up[0] as string)
    expect(line).toMatchObject({ ApiId: 'abcdef1234' })
    expect(line).toHaveProperty('RedisCommandLatency')
    expect(line).not.toHaveProperty('RedisUnavailable')

    await closeRedisPool()
    vi.resetModules()
    process.env.REDIS_URL = `redis://127.0.0.1:${await freePort()}`
    const down = await import('../examples/metrics.js')
    let response: unknown
    const lines = await stdoutDuring(async () => {
      response = await down.handler({}, context('readme-metrics-2') as never)
    })
    expect(response).toMatchObject({ statusCode: 503 })
    expect(lines.map((l) => expectEmf(l).RedisUnavailable)).toEqual([1])
  })

  it('powertools-metrics: one line per refusal through Powertools Metrics, nothing for an Allow, no token', async () => {
    const { handler } = await import('../examples/powertools-metrics.js')
    const allow = await stdoutDuring(async () => {
      await expect(
        handler(
          { type: 'TOKEN', authorizationToken: 'readme-token-not-secret-metrics', methodArn },
          context('m1') as never,
        ),
      ).resolves.toMatchObject({ principalId: 'readme-game' })
    })
    expect(allow).toEqual([])
    const refused = await stdoutDuring(async () => {
      await expect(
        handler(
          { type: 'TOKEN', authorizationToken: 'readme-wrong-token', methodArn },
          context('m2') as never,
        ),
      ).rejects.toThrow(/^Unauthorized$/)
    })
    expect(refused).toHaveLength(1)
    expect(expectEmf(refused[0] as string)).toMatchObject({
      service: 'authorizer',
      Reason: 'UnknownToken',
      TokenRefusals: 1,
    })
    expect(refused[0]).not.toContain('readme-wrong-token')
  })
})
