// The local API Gateway management endpoint: FlushStageAuthorizersCache on the real REST path, as the AWS SDK's
// APIGatewayClient sends it (its use through the SDK is covered by the stack's token-command tests).

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApiGatewayEndpoint, startApiGatewayEndpoint } from '../src/services/api-gateway-endpoint.js'

let endpoint: ApiGatewayEndpoint
const flushed: string[] = []

beforeAll(async () => {
  endpoint = await startApiGatewayEndpoint({
    flushStageAuthorizersCache(restApiId, stageName) {
      if (restApiId !== 'abc123' || stageName !== 'prod') return false
      flushed.push(`${restApiId}/${stageName}`)
      return true
    },
  })
})
afterAll(() => endpoint.close())

describe('local API Gateway management endpoint', () => {
  it('flushes a stage on DELETE /restapis/{id}/stages/{stage}/cache/authorizers with 202', async () => {
    const response = await fetch(`${endpoint.url}/restapis/abc123/stages/prod/cache/authorizers`, {
      method: 'DELETE',
    })
    expect(response.status).toBe(202)
    expect(await response.text()).toBe('')
    expect(flushed).toEqual(['abc123/prod'])
    expect(endpoint.calls.FlushStageAuthorizersCache).toBe(1)
  })

  it('answers 404 NotFoundException for an unknown API or stage, flushing nothing', async () => {
    const response = await fetch(`${endpoint.url}/restapis/abc123/stages/dev/cache/authorizers`, {
      method: 'DELETE',
    })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-amzn-errortype')).toBe('NotFoundException')
    expect(await response.json()).toEqual({ message: 'Invalid stage identifier specified' })
    expect(flushed).toEqual(['abc123/prod'])
  })

  it('answers 404 UnknownOperationException for what it does not serve', async () => {
    const response = await fetch(`${endpoint.url}/restapis/abc123/stages/prod`, { method: 'GET' })
    expect(response.status).toBe(404)
    expect(response.headers.get('x-amzn-errortype')).toBe('UnknownOperationException')
  })
})
