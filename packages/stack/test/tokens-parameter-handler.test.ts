import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  DeleteParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { tokenValidationRegex } from '../src/token-pattern.js'

// The handler builds its SSM client at import; region and fake credentials first, so nothing looks further.
vi.stubEnv('AWS_REGION', 'eu-west-1')
vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLE')
vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'not-a-secret')
const { handler } = await import('../src/tokens-parameter-handler.js')
const { generateToken } = await import('../src/token-format.js')

const ssm = mockClient(SSMClient)
const parameterName = '/CubewalkTest/tokens'

interface Received {
  headers: Record<string, string | string[] | undefined>
  body: Record<string, unknown>
}

let server: Server
let responseUrl: string
let received: Received[] = []
let logged: string[] = []

beforeAll(async () => {
  // Stands in for CloudFormation's presigned S3 response URL.
  server = createServer((request, response) => {
    let body = ''
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8')
    })
    request.on('end', () => {
      received.push({ headers: request.headers, body: JSON.parse(body) as Record<string, unknown> })
      response.end()
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  responseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cfn-response?X-Amz-Signature=fake`
})

afterAll(async () => {
  server.close()
  await once(server, 'close')
  vi.unstubAllEnvs()
})

beforeEach(() => {
  ssm.reset()
  received = []
  logged = []
  for (const level of ['log', 'info', 'warn', 'error'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map(String).join(' '))
    })
  }
})

afterEach(() => {
  vi.restoreAllMocks()
})

const context = { logStreamName: '2025/01/01/[$LATEST]abc' } as Context

const event = (
  requestType: 'Create' | 'Update' | 'Delete',
  extra: { PhysicalResourceId?: string; ParameterName?: string } = {},
): CloudFormationCustomResourceEvent => {
  const base = {
    ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
    ResponseURL: responseUrl,
    StackId: 'arn:aws:cloudformation:eu-west-1:123456789012:stack/CubewalkTest/guid',
    RequestId: 'request-1',
    LogicalResourceId: 'TokensResource',
    ResourceType: 'Custom::CubewalkTokensParameter',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:eu-west-1:123456789012:function:provider',
      ParameterName: extra.ParameterName ?? parameterName,
      TokenName: 'initial',
      Description: 'cubewalk API tokens',
    },
  }
  if (requestType === 'Create') return { ...base, RequestType: 'Create' }
  const PhysicalResourceId = extra.PhysicalResourceId ?? parameterName
  if (requestType === 'Delete') return { ...base, RequestType: 'Delete', PhysicalResourceId }
  return {
    ...base,
    RequestType: 'Update',
    PhysicalResourceId,
    OldResourceProperties: base.ResourceProperties,
  }
}

const onlyResponse = (): Record<string, unknown> => {
  expect(received).toHaveLength(1)
  return (received[0] as Received).body
}

describe('generateToken', () => {
  it('makes distinct 256-bit base64url tokens that pass the API Gateway validation regex', () => {
    const tokens = new Set(Array.from({ length: 100 }, generateToken))
    expect(tokens.size).toBe(100)
    for (const token of tokens) {
      expect(token).toMatch(/^cubewalk_[A-Za-z0-9_-]{43}$/)
      expect(token).toMatch(new RegExp(tokenValidationRegex))
    }
  })
})

describe('tokens parameter custom resource', () => {
  it('creates a SecureString holding one generated token, and the token goes nowhere else', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 })
    await handler(event('Create'), context)

    const [put] = ssm.commandCalls(PutParameterCommand)
    const input = put?.args[0].input
    expect(input).toMatchObject({ Name: parameterName, Type: 'SecureString', Overwrite: false })
    const tokens = JSON.parse(input?.Value ?? '') as Record<string, string>
    expect(Object.keys(tokens)).toEqual(['initial'])
    const token = tokens.initial as string
    expect(token).toMatch(/^cubewalk_[A-Za-z0-9_-]{43}$/)

    const body = onlyResponse()
    expect(body).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: parameterName,
      RequestId: 'request-1',
      LogicalResourceId: 'TokensResource',
      Data: { ParameterName: parameterName },
    })
    expect(received[0]?.headers['content-type']).toBe('')
    expect(JSON.stringify(body)).not.toContain(token)
    expect(logged.join('\n')).not.toContain(token)
  })

  it('adopts a parameter that already exists without changing it, and leaves it behind on delete', async () => {
    ssm.on(PutParameterCommand).rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }))
    await handler(event('Create'), context)
    expect(onlyResponse()).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: `adopted:${parameterName}`,
    })

    received = []
    await handler(event('Delete', { PhysicalResourceId: `adopted:${parameterName}` }), context)
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0)
    expect(onlyResponse()).toMatchObject({ Status: 'SUCCESS' })
  })

  it('keeps the tokens on an update with the same name', async () => {
    await handler(event('Update'), context)
    expect(ssm.calls()).toHaveLength(0)
    expect(onlyResponse()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: parameterName })
  })

  it('creates the new parameter when the name changes (CloudFormation then deletes the old one)', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 })
    await handler(event('Update', { ParameterName: '/Renamed/tokens' }), context)
    expect(ssm.commandCalls(PutParameterCommand)[0]?.args[0].input.Name).toBe('/Renamed/tokens')
    expect(onlyResponse()).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: '/Renamed/tokens' })
  })

  it('deletes the parameter it created, and tolerates one already gone', async () => {
    ssm
      .on(DeleteParameterCommand)
      .resolvesOnce({})
      .rejects(new ParameterNotFound({ message: 'gone', $metadata: {} }))
    await handler(event('Delete'), context)
    await handler(event('Delete'), context)
    expect(ssm.commandCalls(DeleteParameterCommand).map((call) => call.args[0].input.Name)).toEqual([
      parameterName,
      parameterName,
    ])
    expect(received.map((r) => r.body.Status)).toEqual(['SUCCESS', 'SUCCESS'])
  })

  it('reports a failed create with a physical id whose rollback delete touches nothing', async () => {
    ssm
      .on(PutParameterCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }))
    await handler(event('Create'), context)
    const body = onlyResponse()
    expect(body).toMatchObject({ Status: 'FAILED', PhysicalResourceId: 'failed:request-1' })
    expect(String(body.Reason)).toContain('AccessDenied: User is not authorized')

    received = []
    await handler(event('Delete', { PhysicalResourceId: 'failed:request-1' }), context)
    expect(ssm.commandCalls(DeleteParameterCommand)).toHaveLength(0)
    expect(onlyResponse()).toMatchObject({ Status: 'SUCCESS' })
  })
})
