// The real thing: the cubewalk stack synthesized with its real bundled handlers, served by the runner with a
// private redis-server and the local SSM endpoint, driven over HTTP through the real authorizer.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { InvocationReport } from '@cubewalk/local'
import { type Runner, startRunner } from '@cubewalk/local'
import { type CallOptions, call } from '@cubewalk/local/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cubewalkWiring } from '../../src/local-wiring.js'
import { type Synthesized, synthesize } from '../support/synth.js'

const TOKEN = 'cubewalk-allow'
let synth: Synthesized
let runner: Runner
const reports: InvocationReport[] = []

const send = (method: string, path: string, options: CallOptions = {}) =>
  call(runner.origin, method, path, options)
const authorized = (method: string, path: string, options: CallOptions = {}) =>
  send(method, path, {
    token: TOKEN,
    ...options,
    headers: { 'Content-Type': 'application/json', ...options.headers },
  })
const authorizerRuns = () =>
  reports.filter((r) => runner.authorizerFunctions().includes(r.functionLogicalId)).length

beforeAll(async () => {
  synth = synthesize()
  runner = await startRunner({
    assemblyDir: synth.outdir,
    stackName: synth.stack.stackName,
    port: 0,
    functionOutput: 'ignore',
    onInvocation: (report) => reports.push(report),
    log: () => {},
    wiring: cubewalkWiring,
  })
}, 180_000)

afterAll(async () => {
  await runner?.stop()
  synth?.dispose()
})

const blocks = (fill: number) => Buffer.alloc(4096, fill).toString('base64')

describe('the synthesized cubewalk stack on localhost', () => {
  it("answers the seed's two curls", async () => {
    const ok = await send('GET', '/prod/cubewalkblocks', { token: TOKEN })
    expect(ok.status).toBe(200)
    expect(ok.headers['content-type']).toMatch(/^application\/json/)
    expect(ok.json()).toMatchObject({ worlds: expect.any(Array) })
    const before = authorizerRuns()
    const refused = await send('GET', '/prod/cubewalkblocks', { token: 'arere' })
    expect(refused.status).toBe(401)
    expect(refused.json()).toEqual({ message: 'Unauthorized' })
    expect(authorizerRuns()).toBe(before)
    // The real authorizer read its tokens through @middy/ssm from the local SSM endpoint.
    expect(runner.ssm.calls.GetParameters ?? 0).toBeGreaterThanOrEqual(1)
  })

  it('serves the blocks API end to end through the authorizer, which runs once for the token', async () => {
    const world = `e2e-${Date.now().toString(36)}`
    const chunk = `/prod/cubewalkblocks/${world}/chunks/1,-2,3`
    const before = authorizerRuns()

    const put = await authorized('PUT', chunk, { body: JSON.stringify({ blocks: blocks(7) }) })
    expect(put.status).toBe(200)
    const { version } = put.json() as { version: number }
    expect(put.headers.etag).toBe(`"${version}"`)

    const got = await authorized('GET', chunk)
    expect(got.status).toBe(200)
    expect(got.json()).toMatchObject({
      world,
      chunk: [1, -2, 3],
      version,
      blocks: blocks(7),
      updatedBy: 'local',
    })

    const stale = await authorized('PUT', chunk, {
      body: JSON.stringify({ blocks: blocks(1) }),
      headers: { 'If-Match': `"${version + 1000}"` },
    })
    expect(stale.status).toBe(412)
    expect(stale.json()).toMatchObject({ message: expect.any(String) })

    const patched = await authorized('PATCH', chunk, {
      body: JSON.stringify({ set: [{ x: 0, y: 0, z: 0, block: 9 }] }),
    })
    expect(patched.status).toBe(200)

    // `;` written as %3B, as docs/api.md asks: API Gateway cuts the query string at a raw one.
    const batch = await authorized('GET', `/prod/cubewalkblocks/${world}/chunks?at=1,-2,3%3B0,0,0`)
    expect(batch.status).toBe(200)
    const { chunks } = batch.json() as { chunks: Array<{ blocks: string } | null> }
    expect(chunks[1]).toBeNull()
    expect(Buffer.from(chunks[0]?.blocks ?? '', 'base64')[0]).toBe(9)

    expect((await authorized('GET', '/prod/cubewalkblocks')).json()).toMatchObject({
      worlds: expect.arrayContaining([world]),
    })
    expect((await authorized('DELETE', chunk)).json()).toEqual({ deleted: true })
    const gone = await authorized('GET', chunk)
    expect(gone.status).toBe(404)
    expect(gone.json()).toMatchObject({ message: expect.any(String) })

    // One token, many routes and methods: the authorizer ran at most once (the cached decision is stage-wide).
    expect(authorizerRuns() - before).toBeLessThanOrEqual(1)
  })

  it("answers with the template's gateway responses, CORS headers included", async () => {
    const missing = await send('GET', '/prod/cubewalkblocks')
    expect(missing.status).toBe(401)
    expect(missing.headers['access-control-allow-origin']).toBe('*')
    const unknown = await send('GET', '/prod/no-such-route', { token: TOKEN })
    expect(unknown.status).toBe(403)
    expect(unknown.json()).toEqual({ message: 'Missing Authentication Token' })
    expect(unknown.headers['access-control-allow-origin']).toBe('*')
  })

  it('answers a browser preflight from the template without running a function', async () => {
    const before = reports.length
    const preflight = await send('OPTIONS', '/prod/cubewalkblocks', {
      headers: { Origin: 'https://game.example', 'Access-Control-Request-Method': 'GET' },
    })
    expect(preflight.status).toBeLessThan(300)
    expect(preflight.headers['access-control-allow-origin']).toBeDefined()
    expect(reports.length).toBe(before)
    // What docs/api.md says the preflight answers: a MOCK integration's static headers, no Max-Age.
    expect(preflight.status).toBe(204)
    expect(preflight.headers['access-control-allow-origin']).toBe('*')
    expect(preflight.headers['access-control-allow-methods']).toBe('GET,PUT,PATCH,DELETE,OPTIONS')
    expect(preflight.headers['access-control-allow-headers']).toBe(
      'Content-Type,token,If-Match,If-None-Match',
    )
    expect(preflight.headers['access-control-expose-headers']).toBe('ETag')
    expect(preflight.headers['access-control-max-age']).toBeUndefined()
    expect(preflight.body.length).toBe(0)
  })

  it("a bad request is the handler's 4xx JSON, not a gateway error", async () => {
    const res = await authorized('GET', '/prod/cubewalkblocks/NOT_A_WORLD/chunks/0,0,0')
    expect(res.status).toBe(400)
    expect(res.json()).toMatchObject({ message: expect.any(String) })
  })
})

describe('where the runner used to differ from API Gateway (issue 13, section 2), on the real stack', () => {
  it('a trailing slash or a doubled slash serves the same route (the per-method invoke permission allowed neither)', async () => {
    for (const path of ['/prod/cubewalkblocks/', '/prod//cubewalkblocks']) {
      const res = await send('GET', path, { token: TOKEN })
      expect(res.status, `${path}: ${res.text}`).toBe(200)
      expect(res.json()).toMatchObject({ worlds: expect.any(Array) })
    }
  })

  it("a raw ';' cuts `at` as API Gateway does, so the API's own 400 answers", async () => {
    const res = await authorized('GET', '/prod/cubewalkblocks/overworld/chunks?at=0,0,0;1,0,0')
    expect(res.status).toBe(400)
    expect(res.json()).toEqual({
      message: expect.stringContaining('query parameter "at" was cut at a raw ";"'),
    })
    const encoded = await authorized('GET', '/prod/cubewalkblocks/overworld/chunks?at=0,0,0%3B1,0,0')
    expect(encoded.status).toBe(200)
    expect((encoded.json() as { chunks: unknown[] }).chunks).toHaveLength(2)
  })

  it("a method or path the API does not have is API Gateway's 403, never the function's 404 or 405 (docs/api.md)", async () => {
    const before = reports.length
    for (const [method, path] of [
      ['POST', '/prod/cubewalkblocks/w1/chunks/0,0,0'],
      ['DELETE', '/prod/cubewalkblocks'],
      ['GET', '/prod/cubewalkblocks/w1'],
    ] as const) {
      const res = await authorized(method, path)
      expect(res.status, `${method} ${path}`).toBe(403)
      expect(res.json()).toEqual({ message: 'Missing Authentication Token' })
    }
    expect(reports.length).toBe(before)
  })

  it('header and query names such as __proto__ or toString get the token check and the handler, not a 500', async () => {
    const headers = { __proto__: 'x', toString: 'y', constructor: 'z' }
    const refused = await send('GET', '/prod/cubewalkblocks?__proto__=1&toString=2', { headers })
    expect(refused.status).toBe(401)
    const ok = await send('GET', '/prod/cubewalkblocks?__proto__=1&toString=2', { token: TOKEN, headers })
    expect(ok.status).toBe(200)
  })
})

const burstScript = fileURLToPath(new URL('../../bench/healthy-burst.mjs', import.meta.url))

interface BurstRound {
  requests: number
  statuses: Record<string, number>
}

/** Runs bench/healthy-burst.mjs on this synth (its own runner and Redis) and returns its rounds. */
const runBurst = (args: string[]): Promise<BurstRound[]> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [burstScript, '--assembly', synth.outdir, ...args], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: { ...process.env, REDIS_URL: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString()
    })
    child.once('error', reject)
    child.once('exit', () => {
      try {
        resolve((JSON.parse(out) as { rounds: BurstRound[] }).rounds)
      } catch {
        reject(new Error(`healthy-burst.mjs printed no summary; stderr:\n${err}`))
      }
    })
  })

describe('a burst against a healthy Redis (issue 12: no 503 from a busy process)', () => {
  it('500 connections at once, on 60 cold instances sharing one thread, get no 503', async () => {
    // The heaviest load for the functions' event loops: inline isolation puts every instance on the runner's one
    // thread beside its HTTP server, and 60 instances per function start cold at once. Before the pool counted
    // its budgets in time the process had, each such burst got dozens of 503s (docs/benchmarks.md).
    const [round] = await runBurst([
      '--connections',
      '500',
      '--requests',
      '3000',
      '--runner-arg=--isolation=inline',
      '--runner-arg=--concurrency=60',
    ])
    expect(round?.requests).toBe(3000)
    // 503 is what the pool answers when Redis is unusable; a healthy Redis must never produce one.
    expect(round?.statuses).not.toHaveProperty('503')
    expect(round?.statuses['200']).toBeGreaterThan(0)
  }, 120_000)
})
