// The README's examples are real code: typechecked from examples/, run here, and quoted verbatim in the README.
import { readFileSync } from 'node:fs'
import { GetParameterCommand, GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { startRedis, waitForReplicaAcks } from '@cubewalk/redis-harness'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest'
import { closeRedisPool } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
const example = (name: string) => readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8')
const context = (id: string) =>
  ({ awsRequestId: id, getRemainingTimeInMillis: () => 3_000 }) as unknown as import('aws-lambda').Context

describe('README examples', () => {
  it.each([
    'authorizer.ts',
    'blocks.ts',
    'blocks-iam.ts',
    'durable-writes.ts',
    'powertools.ts',
    'powertools-parameters.ts',
  ])('quotes examples/%s verbatim', (name) => {
    expect(readme).toContain(example(name))
  })

  describe('running them', () => {
    const ssm = mockClient(SSMClient)
    beforeAll(() => {
      process.env.REDIS_URL = inject('redisUrl')
      process.env.AWS_REGION ??= 'eu-west-1'
      process.env.TOKENS_PARAMETER_NAME = '/cubewalk/readme/tokens'
      // Powertools Parameters reads one parameter with GetParameter.
      ssm.on(GetParameterCommand, { Name: '/cubewalk/readme/tokens', WithDecryption: true }).resolves({
        Parameter: {
          Name: '/cubewalk/readme/tokens',
          Type: 'SecureString',
          Value: JSON.stringify({ 'readme-params': 'readme-token-not-secret-2' }),
        },
      })
      ssm.on(GetParametersCommand).resolves({
        Parameters: [
          {
            Name: '/cubewalk/readme/tokens',
            Value: JSON.stringify({ 'readme-game': 'readme-token-not-secret' }),
          },
        ],
      })
    })
    afterAll(async () => {
      ssm.restore()
      await closeRedisPool()
    })

    it('authorizer: the named token is allowed stage-wide, another is Unauthorized', async () => {
      const { handler } = await import('../examples/authorizer.js')
      const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
      const allowed = await handler(
        { type: 'TOKEN', authorizationToken: 'readme-token-not-secret', methodArn },
        context('readme-1') as never,
      )
      expect(allowed).toMatchObject({
        principalId: 'readme-game',
        policyDocument: {
          Statement: [
            { Effect: 'Allow', Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*' },
          ],
        },
      })
      await expect(
        handler({ type: 'TOKEN', authorizationToken: 'arere', methodArn }, context('readme-2') as never),
      ).rejects.toThrow(/^Unauthorized$/)
    })

    it('powertools-parameters: the token map from Powertools Parameters, fetched once while cached', async () => {
      const { handler } = await import('../examples/powertools-parameters.js')
      const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
      const fetches = () => ssm.commandCalls(GetParameterCommand).length
      const before = fetches()
      for (let i = 0; i < 3; i++) {
        const allowed = await handler(
          { type: 'TOKEN', authorizationToken: 'readme-token-not-secret-2', methodArn },
          context(`readme-params-${i}`) as never,
        )
        expect(allowed).toMatchObject({
          principalId: 'readme-params',
          policyDocument: { Statement: [{ Effect: 'Allow' }] },
          context: { tokenName: 'readme-params' },
        })
      }
      await expect(
        handler(
          { type: 'TOKEN', authorizationToken: 'readme-token-not-secret', methodArn },
          context('readme-params-x') as never,
        ),
      ).rejects.toThrow(/^Unauthorized$/)
      expect(fetches() - before).toBe(1)
    })

    it('blocks: data becomes 200 JSON, a missing world becomes 400 JSON', async () => {
      const { handler } = await import('../examples/blocks.js')
      const event = (world?: string) =>
        ({ pathParameters: world ? { world } : null }) as unknown as import('aws-lambda').APIGatewayProxyEvent
      const ok = (await handler(event('readme-world'), context('readme-3') as never)) as unknown
      expect(ok).toEqual({
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ world: 'readme-world', blocks: null }),
      })
      const bad = (await handler(event(), context('readme-4') as never)) as unknown
      expect(bad).toMatchObject({ statusCode: 400, body: JSON.stringify({ message: 'world is required' }) })
    })

    it('powertools: one order per Idempotency-Key, the repeat answered from Redis', async () => {
      const { handler } = await import('../examples/powertools.js')
      // A fresh key per run: the shared Redis may still hold records of earlier runs.
      const key = `readme-${crypto.randomUUID()}`
      const event = (idempotencyKey: string) =>
        ({
          headers: { 'Idempotency-Key': idempotencyKey },
        }) as unknown as import('aws-lambda').APIGatewayProxyEvent
      const first = (await handler(event(key), context('readme-7') as never)) as {
        statusCode: number
        body: string
      }
      const repeat = (await handler(event(key), context('readme-8') as never)) as unknown
      const other = (await handler(event(`${key}-2`), context('readme-9') as never)) as { body: string }
      expect(first.statusCode).toBe(200)
      expect(repeat).toEqual(first)
      const order = (JSON.parse(first.body) as { order: number }).order
      expect((JSON.parse(other.body) as { order: number }).order).toBeGreaterThan(order)
    })

    it('durable writes: 200 once the replica holds the write, 503 JSON while it cannot confirm', async () => {
      const primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
      const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
      const sharedUrl = process.env.REDIS_URL
      try {
        await vi.waitFor(
          async () => expect(await replica.cli('INFO', 'replication')).toMatch(/master_link_status:up/),
          { timeout: 10_000, interval: 50 },
        )
        await waitForReplicaAcks(primary)
        process.env.REDIS_URL = primary.url
        const { handler } = await import('../examples/durable-writes.js')
        const event = (body: string) =>
          ({
            pathParameters: { note: 'readme' },
            body,
          }) as unknown as import('aws-lambda').APIGatewayProxyEvent
        const saved = (await handler(event('first'), context('readme-5') as never)) as unknown
        expect(saved).toMatchObject({ statusCode: 200, body: JSON.stringify({ saved: true }) })
        expect(await replica.cli('GET', 'cubewalk:notes:readme')).toBe('first')
        const pid = replica.pid as number
        process.kill(pid, 'SIGSTOP')
        try {
          const refused = (await handler(event('second'), context('readme-6') as never)) as unknown
          expect(refused).toMatchObject({
            statusCode: 503,
            body: JSON.stringify({ message: 'Service Unavailable' }),
          })
        } finally {
          process.kill(pid, 'SIGCONT')
        }
      } finally {
        process.env.REDIS_URL = sharedUrl
        await closeRedisPool()
        await Promise.all([primary.stop(), replica.stop()])
      }
    })
  })
})
