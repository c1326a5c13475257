// The local SSM endpoint against the real clients: the AWS SDK v3 SSMClient through AWS_ENDPOINT_URL_SSM
// and @middy/ssm (which sends GetParameters with WithDecryption), as the authorizer uses them.

import { GetParameterCommand, GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm'
import middy from '@middy/core'
import ssm from '@middy/ssm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SsmEndpoint, startSsmEndpoint } from '../src/services/ssm-endpoint.js'
import { DEFAULT_IDENTITY } from '../src/template/template-types.js'

let endpoint: SsmEndpoint
const saved: Record<string, string | undefined> = {}
const fakeEnv = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'test-access-key-not-secret',
  AWS_SECRET_ACCESS_KEY: 'test-secret-key-not-secret',
}

beforeAll(async () => {
  endpoint = await startSsmEndpoint(DEFAULT_IDENTITY)
  endpoint.put('/Test/tokens', JSON.stringify({ alice: 'test-token-not-secret-1' }))
  endpoint.put('/Test/tree/a', 'one', 'String')
  endpoint.put('/Test/tree/b/c', 'two', 'String')
  for (const [key, value] of Object.entries({ ...fakeEnv, AWS_ENDPOINT_URL_SSM: endpoint.url })) {
    saved[key] = process.env[key]
    process.env[key] = value
  }
})

afterAll(async () => {
  for (const [key, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }
  await endpoint.close()
})

describe('local SSM endpoint', () => {
  it('serves @middy/ssm (GetParameters, WithDecryption) through AWS_ENDPOINT_URL_SSM', async () => {
    const before = endpoint.calls.GetParameters ?? 0
    const handler = middy()
      .use(
        ssm({
          fetchData: { tokens: '/Test/tokens' },
          setToContext: true,
          cacheExpiry: 0,
          disablePrefetch: true,
        }),
      )
      .handler(async (_event, context) => context.tokens)
    const tokens = await handler({}, {} as never)
    expect(tokens).toEqual({ alice: 'test-token-not-secret-1' })
    expect((endpoint.calls.GetParameters ?? 0) - before).toBe(1)
  })

  it('answers GetParameter, by name or ARN, and ParameterNotFound for unknown names', async () => {
    const client = new SSMClient({})
    const byName = await client.send(new GetParameterCommand({ Name: '/Test/tokens', WithDecryption: true }))
    expect(byName.Parameter).toMatchObject({ Name: '/Test/tokens', Type: 'SecureString', Version: 1 })
    const byArn = await client.send(
      new GetParameterCommand({
        Name: 'arn:aws:ssm:us-east-1:123456789012:parameter/Test/tokens',
        WithDecryption: true,
      }),
    )
    expect(byArn.Parameter?.Value).toBe(byName.Parameter?.Value)
    await expect(client.send(new GetParameterCommand({ Name: '/Test/missing' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    })
  })

  it('never returns a SecureString in clear without WithDecryption', async () => {
    const client = new SSMClient({})
    const out = await client.send(new GetParameterCommand({ Name: '/Test/tokens' }))
    expect(out.Parameter?.Value).not.toContain('test-token-not-secret-1')
  })

  it('answers GetParametersByPath, recursive or not', async () => {
    const client = new SSMClient({})
    const flat = await client.send(new GetParametersByPathCommand({ Path: '/Test/tree' }))
    expect(flat.Parameters?.map((p) => p.Name)).toEqual(['/Test/tree/a'])
    const deep = await client.send(new GetParametersByPathCommand({ Path: '/Test/tree', Recursive: true }))
    expect(deep.Parameters?.map((p) => p.Name).sort()).toEqual(['/Test/tree/a', '/Test/tree/b/c'])
  })
})
