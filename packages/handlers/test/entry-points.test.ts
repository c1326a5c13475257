// The two files the stack deploys, imported the way Lambda does: configuration from the environment only.
import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm'
import { closeRedisPool } from '@cubewalk/middleware'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, describe, expect, inject, it, vi } from 'vitest'
import { invoke, jsonBody, lambdaContext, restEvent } from './support/events.js'
import { uniqueWorldPrefix } from './support/worlds.js'

afterAll(async () => {
  vi.unstubAllEnvs()
  await closeRedisPool()
})

describe('entry points', () => {
  it('src/authorizer.ts exports a handler configured from TOKENS_* and TOKEN_PATTERN', async () => {
    const ssm = mockClient(SSMClient)
    ssm.on(GetParametersCommand).resolves({
      Parameters: [
        { Name: '/cubewalk/tokens', Type: 'SecureString', Value: '{"game":"test-token-not-secret-9"}' },
      ],
    })
    vi.stubEnv('TOKENS_PARAMETER_NAME', '/cubewalk/tokens')
    vi.stubEnv('TOKEN_PATTERN', '^[A-Za-z0-9-]{8,128}$')
    try {
      const { handler } = await import('../src/authorizer.js')
      const allowed = await handler(
        {
          type: 'TOKEN',
          authorizationToken: 'test-token-not-secret-9',
          methodArn:
            'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/PUT/cubewalkblocks/w/chunks/0,0,0',
        },
        lambdaContext(),
      )
      expect(allowed).toMatchObject({ principalId: 'game' })
      expect(JSON.stringify(allowed)).toContain('abc123/prod/*/*')
      await expect(
        handler(
          {
            type: 'TOKEN',
            authorizationToken: 'short',
            methodArn: 'arn:aws:execute-api:eu-west-1:1:abc123/prod/GET/x',
          },
          lambdaContext(),
        ),
      ).rejects.toThrow(/^Unauthorized$/)
      // Prefetched at import (cold start) and cached since: one SSM call for both requests.
      expect(ssm.commandCalls(GetParametersCommand)).toHaveLength(1)
    } finally {
      ssm.restore()
    }
  })

  it('src/blocks.ts exports a handler configured from REDIS_URL', async () => {
    vi.stubEnv('REDIS_URL', inject('redisUrl'))
    const { handler } = await import('../src/blocks.js')
    const world = `${uniqueWorldPrefix('ep')}-w`
    const path = `/cubewalkblocks/${world}/chunks/1,2,3`
    const put = await invoke(
      handler,
      restEvent({ method: 'PUT', path, ...jsonBody({ blocks: Buffer.alloc(4096, 1).toString('base64') }) }),
    )
    expect(put.statusCode).toBe(200)
    const list = await invoke(handler, restEvent({ method: 'GET', path: '/cubewalkblocks' }), lambdaContext())
    expect(list.json?.worlds).toContain(world)
  })
})
