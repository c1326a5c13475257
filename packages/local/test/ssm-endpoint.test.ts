// The local SSM endpoint against the real clients: the AWS SDK v3 SSMClient through AWS_ENDPOINT_URL_SSM
// and @middy/ssm (which sends GetParameters with WithDecryption), as the authorizer uses them.

import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
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

  it('writes a new version with PutParameter, refusing to overwrite unless told to', async () => {
    const client = new SSMClient({})
    const created = await client.send(
      new PutParameterCommand({ Name: '/Test/put', Value: 'one', Type: 'SecureString', Description: 'd' }),
    )
    expect(created).toMatchObject({ Version: 1, Tier: 'Standard' })
    await expect(
      client.send(new PutParameterCommand({ Name: '/Test/put', Value: 'two', Type: 'SecureString' })),
    ).rejects.toMatchObject({ name: 'ParameterAlreadyExists' })
    const overwritten = await client.send(
      new PutParameterCommand({ Name: '/Test/put', Value: 'two', Overwrite: true }),
    )
    expect(overwritten.Version).toBe(2)
    const read = await client.send(new GetParameterCommand({ Name: '/Test/put', WithDecryption: true }))
    // The type is kept when an overwrite does not name one.
    expect(read.Parameter).toMatchObject({ Value: 'two', Version: 2, Type: 'SecureString' })
    expect(endpoint.get('/Test/put')).toEqual({ value: 'two', version: 2 })
    await expect(
      client.send(new PutParameterCommand({ Name: '/Test/put', Value: 'x'.repeat(4097), Overwrite: true })),
    ).rejects.toMatchObject({ name: 'ValidationException' })
    expect(endpoint.get('/Test/put')?.version).toBe(2)
  })

  it('answers GetParameterHistory oldest first, paged, and keeps the last 100 versions', async () => {
    const client = new SSMClient({})
    for (let i = 1; i <= 103; i++) {
      await client.send(
        new PutParameterCommand({ Name: '/Test/history', Value: `v${i}`, Type: 'String', Overwrite: true }),
      )
    }
    const versions: Array<number | undefined> = []
    const values: Array<string | undefined> = []
    let NextToken: string | undefined
    do {
      const page = await client.send(
        new GetParameterHistoryCommand({ Name: '/Test/history', WithDecryption: true, NextToken }),
      )
      expect(page.Parameters?.length).toBeLessThanOrEqual(50)
      for (const p of page.Parameters ?? []) {
        versions.push(p.Version)
        values.push(p.Value)
        expect(p.LastModifiedDate).toBeInstanceOf(Date)
      }
      NextToken = page.NextToken
    } while (NextToken)
    expect(versions).toEqual(Array.from({ length: 100 }, (_, i) => i + 4))
    expect(values.at(-1)).toBe('v103')
    await expect(client.send(new GetParameterHistoryCommand({ Name: '/Test/none' }))).rejects.toMatchObject({
      name: 'ParameterNotFound',
    })
  })

  it('keeps SecureString history values encrypted without WithDecryption', async () => {
    const client = new SSMClient({})
    const history = await client.send(new GetParameterHistoryCommand({ Name: '/Test/tokens' }))
    expect(JSON.stringify(history.Parameters)).not.toContain('test-token-not-secret-1')
  })
})
