// Faults on demand against `npm start`, as a developer injects them: packages/stack/bin/start.mjs serving the
// synthesized stack (real bundled functions, the faithful cache: TLS, the IAM user) and `npm run local -- fault
// ...` from the repository root in a second process. What the API answers while each fault lasts (503 JSON
// within the command budget, never a 500 or a hang), that it recovers by itself, and the runner's summary lines.
// The tests run in order on one runner: each starts from the state the last one left.

import { fileURLToPath } from 'node:url'
import { call, type HttpResponse } from '@cubewalk/local/testing'
import { type Running, runToExit, startProcess } from '@cubewalk/local/testing/process'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Synthesized, synthesize } from '../support/synth.js'

const startScript = fileURLToPath(new URL('../../bin/start.mjs', import.meta.url))
const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url))
const TOKEN = 'test-faults-token-not-secret'
const CHUNK = '/prod/cubewalkblocks/faults/chunks/1,2,3'
/**
 * The blocks function's Redis command budget is 500 ms (docs/middleware.md, "Budgets"): a 503 comes after it,
 * plus a cold start or a reconnect. 3 s leaves room for a loaded 2-core machine and is still far from a hang
 * (the 29 s integration timeout).
 */
const WITHIN_BUDGET_MS = 3_000

let synth: Synthesized
let runner: Running
let origin: string

beforeAll(async () => {
  synth = synthesize()
  runner = startProcess(
    process.execPath,
    [startScript, '--assembly', synth.outdir, '--port', '0', '--quiet-functions', '--token', TOKEN],
    { env: { ...process.env, REDIS_URL: '', PORT: '', CUBEWALK_CACHE: '' } },
  )
  await runner.printed('Ctrl-C stops everything', 60_000)
  origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(runner.output())?.[1] as string
}, 120_000)

afterAll(async () => {
  await runner?.stop()
  synth?.dispose()
})

const printed = (text: string | RegExp, timeoutMs?: number) => runner.printed(text, timeoutMs)

/** `npm run local -- fault ...` from the repository root, as the docs show it. */
const npmFault = (...args: string[]) =>
  runToExit('npm', ['run', 'local', '--', 'fault', '--assembly', synth.outdir, ...args], {
    cwd: repositoryRoot,
  })

const get = () => call(origin, 'GET', CHUNK, { token: TOKEN })

/** A 503 as the API answers Redis trouble: JSON, within the budget. */
const expectUnavailable = (response: HttpResponse) => {
  expect(response.status).toBe(503)
  expect(response.headers['content-type']).toMatch(/^application\/json/)
  expect(response.json()).toEqual({ message: 'Service Unavailable' })
  expect(response.ms).toBeLessThan(WITHIN_BUDGET_MS)
}

/** GETs until a 200 (the recovery), each answer a 200 or a 503 within the budget; how many 503s came first. */
async function untilRecovered(timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  let unavailable = 0
  for (;;) {
    const response = await get()
    if (response.status === 200) return unavailable
    expectUnavailable(response)
    unavailable++
    if (Date.now() > deadline) throw new Error(`no recovery within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('npm run local -- fault, against npm start', () => {
  it('stores a chunk before any fault', async () => {
    const blocks = Buffer.alloc(4096, 7).toString('base64')
    const put = await call(origin, 'PUT', CHUNK, {
      token: TOKEN,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ blocks }),
    })
    expect(put.status).toBe(200)
    expect((await get()).status).toBe(200)
    expect(runner.output()).toContain('Faults  npm run local -- fault redis:latency 800ms')
    // The stack's replication group has one replica, and so has the local cache: redis:failover has a target.
    expect(runner.output()).toMatch(
      /Cache {3}rediss:\/\/127\.0\.0\.1:\d+ {3}\(\S+: node-based, TLS, user \S+ \(IAM\), 1 replica;/,
    )
  })

  it('redis:latency above the command budget: 503 JSON within the budget, recovery after latency off', async () => {
    const slow = await npmFault('redis:latency', '800ms')
    expect(slow.code, slow.stderr).toBe(0)
    expect(slow.stdout).toContain(
      'redis:latency 800ms: every command reaches Redis 800ms later, until redis:latency off',
    )
    await printed('fault redis:latency 800ms: every command reaches Redis 800ms later')

    for (let i = 0; i < 3; i++) expectUnavailable(await get())

    const off = await npmFault('redis:latency', 'off')
    expect(off.code, off.stderr).toBe(0)
    expect(off.stdout).toContain('redis:latency off: latency removed; commands reach Redis at once')
    await untilRecovered()
    const summary = await printed(/fault redis:latency 800ms: \d+ requests → [^\n]+/)
    expect(summary).toMatch(
      /^fault redis:latency 800ms: (\d+) requests → 503 ×([3-9]|\d\d+)(, 200 ×1)?; first 200 after \d+\.\d s \(\d+(\.\d)? m?s after redis:latency off\)$/,
    )
    expect(summary).not.toMatch(/\b500\b/)
  }, 60_000)

  it('redis:drop: the function reconnects by itself, and the summary says when', async () => {
    const dropped = await npmFault('redis:drop')
    expect(dropped.code, dropped.stderr).toBe(0)
    expect(dropped.stdout).toMatch(/redis:drop: closed [1-9]\d* client connections?\n/)
    await untilRecovered()
    expect(await printed(/fault redis:drop: \d+ requests? → [^\n]+/)).toMatch(
      /^fault redis:drop: \d+ requests? → (503 ×\d+, )?200 ×1(, 503 ×\d+)?; first 200 after \d/,
    )
  }, 60_000)

  it('redis:expire-tokens, then a drop: the reconnect is refused as ElastiCache refuses it, a fast 503, then a fresh token by itself', async () => {
    expect((await npmFault('redis:expire-tokens')).code).toBe(0)
    // Tokens are checked at AUTH: connections already open are untouched.
    expect((await get()).status).toBe(200)
    // A token carries its signing time to the second: one signed in the same second as the fault is refused too.
    await new Promise((r) => setTimeout(r, 1_100))
    expect((await npmFault('redis:drop')).code).toBe(0)
    // The reconnect presents the token the middleware reuses (10 of its 15 minutes), refused; the middleware then
    // forgets that token and signs a new one, and the API recovers with no heal (a request that meets the refused
    // attempt answers 503; usually the reconnect is over before the next request).
    await untilRecovered()
    await printed('cache: refused AUTH as cubewalk-blocks: expired early (expireTokens)')
    // The second drop's summary (the first came in the test before): a recovery, never a 500.
    expect((await get()).status).toBe(200)
    const summaries = async () =>
      [...runner.output().matchAll(/fault redis:drop: \d+ requests? → [^\n]+/g)].map((m) => m[0])
    const deadline = Date.now() + 20_000
    while ((await summaries()).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    expect((await summaries())[1]).toMatch(
      /^fault redis:drop: \d+ requests? → (503 ×\d+, )?200 ×\d+(, 503 ×\d+)?; first 200 after /,
    )
  }, 60_000)

  it('redis:freeze: 503 JSON after the budget while frozen, a failover refused meanwhile, recovery at the thaw', async () => {
    expect((await npmFault('redis:heal')).code).toBe(0)
    await untilRecovered()
    // Long enough for the commands below (npm run takes seconds on a loaded machine) to run while it lasts.
    const frozen = await npmFault('redis:freeze', '8s')
    expect(frozen.code, frozen.stderr).toBe(0)
    expect(frozen.stdout).toContain('redis:freeze 8s: redis-server frozen (SIGSTOP) for 8s')
    const refused = await npmFault('redis:failover')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('redis:failover refused: failover(): the primary is frozen')
    await printed('fault redis:failover not applied: redis:failover refused')

    const hung = await get()
    expectUnavailable(hung)
    // A hung node, not a refused connection: the 503 comes after the command budget (500 ms of process time).
    expect(hung.ms).toBeGreaterThanOrEqual(400)

    await untilRecovered()
    // The first 200 may have been sent before the thaw and held by it; the summary waits for one sent after.
    expect((await get()).status).toBe(200)
    expect(await printed(/fault redis:freeze 8s: \d+ requests? → [^\n]+/)).toMatch(
      /^fault redis:freeze 8s: \d+ requests → (503 ×\d+, 200 ×[12]|200 ×[12], 503 ×\d+); first 200 after \d+\.\d s \(\d+(\.\d)? m?s after the thaw\)$/,
    )
  }, 60_000)

  it('redis:failover: the replica takes over, the stored chunk is still there, writes succeed on it', async () => {
    const failover = await npmFault('redis:failover')
    expect(failover.code, failover.stderr).toBe(0)
    expect(failover.stdout).toMatch(
      /\nredis:failover: replica on port \d+ promoted, the endpoint leads to it; the old primary \(port \d+\) answers READONLY to connections still open to it\n$/,
    )
    // The replica had the chunk stored before any fault: a planned failover keeps it.
    const read = await get()
    if (read.status !== 200) expectUnavailable(read)
    await untilRecovered()
    const after = await get()
    expect(after.status).toBe(200)
    expect((after.json() as { blocks: string }).blocks).toBe(Buffer.alloc(4096, 7).toString('base64'))
    const write = await call(origin, 'PUT', CHUNK, {
      token: TOKEN,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ blocks: Buffer.alloc(4096, 9).toString('base64') }),
    })
    expect(write.status).toBe(200)
    expect(await printed(/fault redis:failover: \d+ requests? → [^\n]+/)).toMatch(/; first 200 after /)
  }, 60_000)

  it('refuses typos with exit 1 and the fault a typo meant', async () => {
    const typo = await npmFault('redis:lag', '5s')
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('unknown fault "redis:lag"')
    expect(typo.stderr).toContain('(npm run local -- fault --help lists the faults)')
  }, 60_000)
})
