// The artifact tier: the cases that matter in production, run against the exact bundles in cdk.out (minified, as
// NodejsFunction built them for the template), loaded the way Lambda loads them: the runner imports each
// function's asset index.mjs in its own worker with the template's environment, behind the local API Gateway.
// A minification or bundling change that alters behaviour (an error class renamed, a module dropped) fails here
// even when the source-level tests in packages/middleware and packages/handlers still pass.
//
// The runner uses a private redis-server from @cubewalk/redis-harness, because these tests kill, freeze and
// demote it.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { LambdaPool } from '@cubewalk/local'
import { type Runner, startRunner } from '@cubewalk/local'
import { type CallOptions, call, type HttpResponse } from '@cubewalk/local/testing'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cubewalkWiring } from '../../src/local-wiring.js'
import { type Synthesized, synthesize } from '../support/synth.js'

const TOKEN = 'cubewalk-allow'
const unavailable = { message: 'Service Unavailable' }
// The pool's budgets are 500 ms to connect and 500 ms per command; generous for a loaded 2-core machine, and still
// far below the function's timeout, which is what a hang would run into.
const fastMs = 2500

let synth: Synthesized
let server: RedisProcess
let runner: Runner
let authorizerRuns = 0

/** Everything the functions wrote, as Lambda would put it in their log groups: read by the metrics tests below. */
const functionOutput = { stdout: [] as string[], stderr: [] as string[] }
const collect = (into: string[]): Writable =>
  new Writable({
    write(chunk, _encoding, done) {
      into.push(String(chunk))
      done()
    },
  })

beforeAll(async () => {
  synth = synthesize()
  server = await startRedis()
  runner = await startRunner({
    assemblyDir: synth.outdir,
    stackName: synth.stack.stackName,
    port: 0,
    redisUrl: server.url,
    functionOutput: { stdout: collect(functionOutput.stdout), stderr: collect(functionOutput.stderr) },
    onInvocation: (report) => {
      if (runner.authorizerFunctions().includes(report.functionLogicalId)) authorizerRuns++
    },
    log: () => {},
    wiring: cubewalkWiring,
  })
}, 180_000)

afterAll(async () => {
  await runner?.stop()
  await server?.stop()
  synth?.dispose()
})

const send = (method: string, path: string, options: CallOptions = {}): Promise<HttpResponse> =>
  call(runner.origin, method, path, options)

const authorized = (method: string, path: string, options: CallOptions = {}): Promise<HttpResponse> =>
  send(method, path, {
    token: TOKEN,
    ...options,
    headers: { 'Content-Type': 'application/json', ...options.headers },
  })

const blocks = (fill: number): string => Buffer.alloc(4096, fill).toString('base64')
const chunk = '/prod/cubewalkblocks/artifact-w/chunks/1,2,3'

/** Every chunk route once, each touching Redis. */
const chunkRequests: Array<[string, () => Promise<HttpResponse>]> = [
  ['GET one', () => authorized('GET', chunk)],
  ['GET many', () => authorized('GET', '/prod/cubewalkblocks/artifact-w/chunks?at=1,2,3%3B0,0,0')],
  ['PUT', () => authorized('PUT', chunk, { body: JSON.stringify({ blocks: blocks(5) }) })],
  [
    'PATCH',
    () => authorized('PATCH', chunk, { body: JSON.stringify({ set: [{ x: 1, y: 1, z: 1, block: 4 }] }) }),
  ],
  ['DELETE', () => authorized('DELETE', chunk)],
  ['GET worlds', () => authorized('GET', '/prod/cubewalkblocks')],
]

/** Status, body and time of each request, for one readable assertion over a whole round. */
const round = async (times: number) => {
  const answers: Array<{ route: string; status: number; body: string; ms: number }> = []
  for (let i = 0; i < times; i++) {
    for (const [route, request] of chunkRequests) {
      const response = await request()
      answers.push({ route, status: response.status, body: response.text, ms: response.ms })
    }
  }
  return answers
}

const expectAllUnavailable = (answers: Awaited<ReturnType<typeof round>>): void => {
  const wrong = answers.filter(
    (answer) => answer.status !== 503 || answer.body !== JSON.stringify(unavailable) || answer.ms >= fastMs,
  )
  expect(wrong).toEqual([])
}

const expectServing = async (): Promise<void> => {
  await vi.waitFor(
    async () => {
      const put = await authorized('PUT', chunk, { body: JSON.stringify({ blocks: blocks(2) }) })
      expect(put.status).toBe(200)
    },
    { timeout: 5000, interval: 50 },
  )
}

/** The pool the runner created for the function behind the authorizer (after its first invocation). */
const authorizerPool = (): LambdaPool => {
  const [logicalId] = runner.authorizerFunctions()
  const pool = logicalId === undefined ? undefined : runner.pools.get(logicalId)
  if (pool === undefined) throw new Error('the authorizer has not run yet')
  return pool
}

describe('the synthesized bundles (cdk.out), as Lambda loads them', () => {
  it('serves from the assets the template points at', async () => {
    for (const fn of runner.model.functions.values()) {
      if (fn.codeDir === undefined) continue
      expect(fn.codeDir.startsWith(synth.outdir)).toBe(true)
      expect(existsSync(join(fn.codeDir, 'index.mjs'))).toBe(true)
    }
    const put = await authorized('PUT', chunk, { body: JSON.stringify({ blocks: blocks(1) }) })
    expect(put.status).toBe(200)
    const got = await authorized('GET', chunk)
    expect(got.status).toBe(200)
    expect(got.json()).toMatchObject({ chunk: [1, 2, 3], blocks: blocks(1) })
  })

  it('decodes path parameters exactly once: API Gateway passes them as sent, the function decodes them', async () => {
    const encodedCommas = await authorized('GET', '/prod/cubewalkblocks/artifact-w/chunks/1%2C2%2C3')
    expect(encodedCommas.status).toBe(200)
    expect(encodedCommas.json()).toMatchObject({ chunk: [1, 2, 3] })
    // `%2577` is `%77` once decoded, not `w`: an invalid world id, named as the client wrote it.
    const twiceEncoded = await authorized('GET', '/prod/cubewalkblocks/artifact-%2577/chunks/1,2,3')
    expect(twiceEncoded.status).toBe(400)
    expect(twiceEncoded.json()).toMatchObject({ message: expect.stringContaining('"artifact-%77"') })
  })

  it('answers bad input with the right 4xx JSON, never a 5xx', async () => {
    const version = (
      (await authorized('PUT', chunk, { body: JSON.stringify({ blocks: blocks(3) }) })).json() as {
        version: number
      }
    ).version
    const cases: Array<[string, () => Promise<HttpResponse>, number]> = [
      ['bad world id', () => authorized('GET', '/prod/cubewalkblocks/Not_A_World/chunks/0,0,0'), 400],
      ['two coordinates', () => authorized('GET', '/prod/cubewalkblocks/artifact-w/chunks/1,2'), 400],
      ['coordinate out of range', () => authorized('GET', '/prod/cubewalkblocks/w/chunks/0,0,1048576'), 400],
      ['batch not coordinates', () => authorized('GET', '/prod/cubewalkblocks/w/chunks?at=nope'), 400],
      ['absent chunk', () => authorized('GET', '/prod/cubewalkblocks/artifact-w/chunks/9,9,9'), 404],
      ['malformed JSON', () => authorized('PATCH', chunk, { body: '{"set": [' }), 400],
      ['blocks not 4096 bytes', () => authorized('PUT', chunk, { body: '{"blocks":"AAAA"}' }), 400],
      [
        'edit outside the chunk',
        () =>
          authorized('PATCH', chunk, { body: JSON.stringify({ set: [{ x: 16, y: 0, z: 0, block: 1 }] }) }),
        400,
      ],
      [
        'text body',
        () => authorized('PUT', chunk, { body: 'blocks', headers: { 'Content-Type': 'text/plain' } }),
        415,
      ],
      [
        'stale If-Match',
        () =>
          authorized('PUT', chunk, {
            body: JSON.stringify({ blocks: blocks(4) }),
            headers: { 'If-Match': `"${version + 1000}"` },
          }),
        412,
      ],
    ]
    const answers = []
    for (const [name, request] of cases) {
      const response = await request()
      answers.push({
        name,
        status: response.status,
        hasMessage: typeof (response.json() as { message?: unknown }).message === 'string',
      })
    }
    expect(answers).toEqual(cases.map(([name, , status]) => ({ name, status, hasMessage: true })))
  })

  it('answers every chunk route 503 JSON fast while Redis is killed, then serves again after a restart', async () => {
    await expectServing()
    await server.kill()
    try {
      // Several rounds: ioredis fails a command with different errors depending on where the reconnect cycle is
      // (connection closed, retries exhausted, refused), and each must come out as 503.
      expectAllUnavailable(await round(4))
      // Bad input is still the client's fault while Redis is down.
      const bad = await authorized('GET', '/prod/cubewalkblocks/Not_A_World/chunks/0,0,0')
      expect(bad.status).toBe(400)
    } finally {
      await server.restart()
    }
    await expectServing()
  })

  it('answers 503 within the budget while Redis is frozen (SIGSTOP), then serves again on SIGCONT', async () => {
    await expectServing()
    const pid = server.pid
    if (pid === undefined) throw new Error('no redis-server pid')
    process.kill(pid, 'SIGSTOP')
    try {
      expectAllUnavailable(await round(1))
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    await expectServing()
  })

  it('answers writes on a demoted primary (READONLY) with 503, never 500, and writes again once it is primary', async () => {
    await expectServing()
    // A failover that keeps the data: a replica catches up, is promoted, and the Lambda's server is demoted under
    // it. The function's endpoint still leads to the demoted server, which answers every write with READONLY.
    // Full syncs start at once (the default waits 5 s for more replicas to join).
    await server.cli('CONFIG', 'SET', 'repl-diskless-sync-delay', '0')
    const promoted = await startRedis({
      args: ['--repl-diskless-sync-delay', '0', '--replicaof', '127.0.0.1', String(server.port)],
    })
    const linkUp = (replica: RedisProcess) =>
      vi.waitFor(
        async () => expect(await replica.cli('INFO', 'replication')).toMatch(/master_link_status:up/),
        { timeout: 10_000, interval: 50 },
      )
    try {
      await linkUp(promoted)
      await promoted.cli('REPLICAOF', 'NO', 'ONE')
      await server.cli('REPLICAOF', '127.0.0.1', String(promoted.port))
      await linkUp(server)
      const writes = chunkRequests.filter(([route]) => ['PUT', 'PATCH', 'DELETE'].includes(route))
      const answers = []
      for (const [route, request] of writes) {
        const response = await request()
        answers.push({ route, status: response.status, body: response.text, fast: response.ms < fastMs })
      }
      expect(answers).toEqual(
        writes.map(([route]) => ({ route, status: 503, body: JSON.stringify(unavailable), fast: true })),
      )
      // Reads still work on a replica.
      expect((await authorized('GET', chunk)).status).toBe(200)
      const errorstats = await server.cli('INFO', 'errorstats')
      expect(errorstats).toMatch(/errorstat_READONLY:count=[1-9]/)
    } finally {
      await server.cli('REPLICAOF', 'NO', 'ONE')
      await promoted.stop()
    }
    await expectServing()
  })
})

describe('the synthesized authorizer bundle', () => {
  it('allows a known token, refuses an unknown or malformed one with 401', async () => {
    runner.api.flushAuthorizerCaches()
    const before = authorizerRuns
    const allowed = await send('GET', '/prod/cubewalkblocks', { token: TOKEN })
    expect(allowed.status).toBe(200)
    expect(authorizerRuns).toBe(before + 1)

    // Well formed but unknown: the authorizer runs and throws Unauthorized.
    const unknown = await send('GET', '/prod/cubewalkblocks', { token: 'not-a-known-token-000' })
    expect(unknown.status).toBe(401)
    expect(unknown.json()).toEqual({ message: 'Unauthorized' })
    expect(authorizerRuns).toBe(before + 2)

    // Malformed (fails the identity validation expression) or missing: refused before the authorizer runs.
    for (const options of [{ token: 'arere' }, { token: '' }, {}]) {
      const refused = await send('GET', '/prod/cubewalkblocks', options)
      expect(refused.status).toBe(401)
      expect(refused.json()).toEqual({ message: 'Unauthorized' })
    }
    expect(authorizerRuns).toBe(before + 2)
  })

  it('answers events directly: a stage-wide Allow, Unauthorized for a bad token, a configuration error for a bad ARN', async () => {
    // Make sure the runner has loaded the authorizer.
    runner.api.flushAuthorizerCaches()
    await send('GET', '/prod/cubewalkblocks', { token: TOKEN })
    const pool = authorizerPool()
    const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
    const invoke = async (event: unknown) => (await pool.invoke(JSON.stringify(event))).outcome

    const allow = await invoke({ type: 'TOKEN', authorizationToken: TOKEN, methodArn })
    if (allow.kind !== 'payload') throw new Error(`expected a policy, got ${JSON.stringify(allow)}`)
    expect(JSON.parse(allow.payload)).toMatchObject({
      principalId: expect.any(String),
      policyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'execute-api:Invoke',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*',
          },
        ],
      },
    })

    for (const event of [
      { type: 'TOKEN', authorizationToken: 'not-a-known-token-000', methodArn },
      { type: 'TOKEN', authorizationToken: '', methodArn },
      { type: 'TOKEN', methodArn },
      { type: 'REQUEST', headers: { token: TOKEN }, methodArn },
      {},
    ]) {
      const outcome = await invoke(event)
      expect(outcome).toMatchObject({ kind: 'error', error: { errorMessage: 'Unauthorized' } })
    }

    // A methodArn that is not an execute-api ARN is a configuration error (500 at the gateway), not a 401.
    const badArn = await invoke({ type: 'TOKEN', authorizationToken: TOKEN, methodArn: 'not-an-arn' })
    expect(badArn.kind).toBe('error')
    if (badArn.kind === 'error') expect(badArn.error.errorMessage).not.toBe('Unauthorized')
  })
})

describe('metrics the synthesized bundles write (EMF lines in the function output)', () => {
  /** The EMF documents written to stdout so far, in order. */
  const emfLines = (): Array<Record<string, unknown> & { _aws: { CloudWatchMetrics: unknown[] } }> =>
    functionOutput.stdout
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{') && line.includes('"_aws"'))
      .map((line) => JSON.parse(line))
  /** The API id the stack gave both functions (a Ref to the RestApi, resolved by the runner). */
  const apiIdOf = (logicalId: string): unknown =>
    runner.model.functions.get(logicalId)?.environment.METRICS_API_ID
  const blocksLogicalId = (): string =>
    [...runner.model.functions.keys()].find((id) => id.startsWith('Blocks')) ?? 'no blocks function'

  it('the authorizer writes one TokenRefusals line with its reason for an unknown token, none for an Allow', async () => {
    runner.api.flushAuthorizerCaches()
    await send('GET', '/prod/cubewalkblocks', { token: TOKEN })
    const [authorizerId = ''] = runner.authorizerFunctions()
    const apiId = apiIdOf(authorizerId)
    expect(apiId).toMatch(/^[a-z0-9]{10}$/)
    const before = emfLines().length
    const refused = await send('GET', '/prod/cubewalkblocks', { token: 'not-a-known-token-metrics' })
    expect(refused.status).toBe(401)
    await vi.waitFor(() => expect(emfLines().length).toBe(before + 1), { timeout: 2000, interval: 20 })
    expect(emfLines().at(-1)).toEqual({
      ApiId: apiId,
      Reason: 'UnknownToken',
      TokenRefusals: 1,
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'Cubewalk',
            Dimensions: [['ApiId', 'Reason']],
            Metrics: [{ Name: 'TokenRefusals', Unit: 'Count' }],
          },
        ],
      },
    })
  })

  it('the blocks function writes command latencies when serving, RedisUnavailable for a 503', async () => {
    const apiId = apiIdOf(blocksLogicalId())
    expect(apiId).toMatch(/^[a-z0-9]{10}$/)
    await expectServing()
    const before = emfLines().length
    expect((await authorized('GET', chunk)).status).toBe(200)
    await vi.waitFor(() => expect(emfLines().length).toBeGreaterThan(before), { timeout: 2000, interval: 20 })
    const served = emfLines().at(-1)
    expect(served).toMatchObject({ ApiId: apiId, RedisCommandLatency: expect.anything() })
    expect(served).not.toHaveProperty('RedisUnavailable')

    await server.kill()
    try {
      const down = emfLines().length
      const answer = await authorized('GET', chunk)
      expect(answer.status).toBe(503)
      await vi.waitFor(() => expect(emfLines().length).toBeGreaterThan(down), { timeout: 2000, interval: 20 })
      const lines = emfLines().slice(down)
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({ ApiId: apiId, RedisUnavailable: 1 })
      expect(lines[0]?._aws.CloudWatchMetrics).toEqual([
        expect.objectContaining({
          Namespace: 'Cubewalk',
          Dimensions: [['ApiId']],
          Metrics: expect.arrayContaining([{ Name: 'RedisUnavailable', Unit: 'Count' }]),
        }),
      ])
    } finally {
      await server.restart()
    }
    await expectServing()
  })

  it('no token value appears anywhere in what the functions wrote during this whole file', () => {
    const everything = [...functionOutput.stdout, ...functionOutput.stderr].join('')
    expect(everything.length).toBeGreaterThan(0)
    for (const token of [TOKEN, 'not-a-known-token-000', 'not-a-known-token-metrics']) {
      expect(everything).not.toContain(token)
    }
  })
})
