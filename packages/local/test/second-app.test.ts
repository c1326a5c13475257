// The package serves a CDK app that is not cubewalk: test/second-app (another resource tree, REQUEST
// authorizers with a header and a query string identity source, no cache, no wiring). REQUEST authorizers
// follow API Gateway's rules: every identity source must be present and non-empty or the answer is 401
// without invoking the authorizer (caching on or off), and the cache key is made of all of them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type InvocationReport, type Runner, startRunner } from '../src/index.js'
import { type CallOptions, call } from '../src/testing/http-client.js'
import { NOTES_STACK, type SynthesizedNotesApp, synthesizeNotesApp } from './second-app/notes-app.js'

const KEY = 'key-allow-not-secret'

let app: SynthesizedNotesApp
let runner: Runner
const reports: InvocationReport[] = []

beforeAll(async () => {
  app = synthesizeNotesApp()
  runner = await startRunner({
    assemblyDir: app.outdir,
    port: 0,
    functionOutput: 'ignore',
    onInvocation: (report) => reports.push(report),
    log: () => {},
  })
}, 120_000)

afterAll(async () => {
  await runner?.stop()
  app?.dispose()
})

const send = (method: string, path: string, options: CallOptions = {}) =>
  call(runner.origin, method, path, options)

const gateRuns = () => reports.filter((r) => r.functionLogicalId.startsWith('Gate')).length

/** How many times the authorizer function ran while `action` did. */
async function gateRunsDuring(action: () => Promise<unknown>): Promise<number> {
  const before = gateRuns()
  await action()
  return gateRuns() - before
}

describe('a second CDK app (REQUEST authorizers, no cache), served by the same package', () => {
  it('serves its own stack, stage and resource tree, with no Redis started', async () => {
    expect(runner.model.stackName).toBe(NOTES_STACK)
    expect(runner.stages).toEqual(['v1'])
    expect(runner.redisUrl).toBeUndefined()
    const res = await send('GET', '/v1/health')
    expect(res.status).toBe(200)
    const body = res.json() as Record<string, unknown>
    expect(body).toMatchObject({
      resource: '/health',
      path: '/health',
      redisUrl: null,
      greeting: 'hello from notes',
    })
  })

  it('passes a request with both identity sources to the REQUEST authorizer and its context to the function', async () => {
    const res = await send('GET', '/v1/tenants/acme/notes/n1?tenant=acme', { headers: { 'x-api-key': KEY } })
    expect(res.status).toBe(200)
    const body = res.json() as {
      resource: string
      pathParameters: unknown
      authorizer: Record<string, unknown>
    }
    expect(body.resource).toBe('/tenants/{tenantId}/notes/{noteId}')
    expect(body.pathParameters).toEqual({ tenantId: 'acme', noteId: 'n1' })
    expect(body.authorizer).toMatchObject({
      principalId: 'tenant-acme',
      tenant: 'acme',
      eventType: 'REQUEST',
    })
  })

  it('answers 401 without invoking the authorizer when an identity source is missing or empty', async () => {
    const runs = await gateRunsDuring(async () => {
      const missing = [
        await send('GET', '/v1/tenants/acme/notes?tenant=acme'),
        await send('GET', '/v1/tenants/acme/notes', { headers: { 'x-api-key': KEY } }),
        await send('GET', '/v1/tenants/acme/notes?tenant=', { headers: { 'x-api-key': KEY } }),
      ]
      for (const res of missing) {
        expect(res.status).toBe(401)
        expect(res.json()).toEqual({ message: 'Unauthorized' })
      }
    })
    expect(runs).toBe(0)
  })

  it('requires every identity source with caching off too', async () => {
    const runs = await gateRunsDuring(async () => {
      const res = await send('POST', '/v1/drafts?tenant=acme', { body: '{}' })
      expect(res.status).toBe(401)
      expect(res.json()).toEqual({ message: 'Unauthorized' })
    })
    expect(runs).toBe(0)
    const allowed = await send('POST', '/v1/drafts?tenant=acme', {
      headers: { 'x-api-key': KEY },
      body: '{}',
    })
    expect(allowed.status).toBe(200)
  })

  it('caches the decision per combination of all identity sources', async () => {
    const headers = { 'x-api-key': KEY }
    const first = await gateRunsDuring(() =>
      send('GET', '/v1/tenants/globex/notes?tenant=globex', { headers }),
    )
    expect(first).toBe(1)
    const again = await gateRunsDuring(() =>
      send('GET', '/v1/tenants/globex/notes/n2?tenant=globex', { headers }),
    )
    expect(again).toBe(0)
    // Another value of one source is another identity: the authorizer decides again (and refuses this one).
    let refused: number | undefined
    const other = await gateRunsDuring(async () => {
      refused = (await send('GET', '/v1/tenants/initech/notes?tenant=initech', { headers })).status
    })
    expect(other).toBe(1)
    expect(refused).toBe(401)
  })
})
