// Faults on demand against `npm start`, as a developer injects them: packages/stack/bin/start.mjs serving the
// synthesized stack (real bundled functions, the faithful cache: TLS, the IAM user) and `npm run local -- fault
// ...` from the repository root in a second process. What the API answers while each fault lasts (503 JSON
// within the command budget, never a 500 or a hang), that it recovers by itself, and the runner's summary lines.

import { type ChildProcess, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { call, type HttpResponse } from '@cubewalk/local/testing'
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
let child: ChildProcess
let origin: string
let output = ''

beforeAll(async () => {
  synth = synthesize()
  child = spawn(
    process.execPath,
    [startScript, '--assembly', synth.outdir, '--port', '0', '--quiet-functions', '--token', TOKEN],
    {
      env: { ...process.env, REDIS_URL: '', PORT: '', CUBEWALK_CACHE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  await printed('Ctrl-C stops everything', 60_000)
  origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(output)?.[1] as string
}, 120_000)

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await exited
  }
  synth?.dispose()
})

async function printed(text: string | RegExp, timeoutMs = 20_000): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const found =
      typeof text === 'string' ? (output.includes(text) ? text : undefined) : text.exec(output)?.[0]
    if (found !== undefined) return found
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error(`${String(text)} never printed; the runner printed:\n${output}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** `npm run local -- fault ...` from the repository root, as the docs show it. */
const npmFault = (...args: string[]): Promise<Ran> =>
  new Promise((resolve) => {
    const npm = spawn('npm', ['run', 'local', '--', 'fault', '--assembly', synth.outdir, ...args], {
      cwd: repositoryRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    npm.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    npm.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    npm.once('exit', (code) => resolve({ code, stdout, stderr }))
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
    expect(output).toContain('Faults  npm run local -- fault redis:latency 800ms')
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

  it('redis:expire-tokens, then a drop: the reconnect is refused as ElastiCache refuses it, a fast 503, never a 500', async () => {
    expect((await npmFault('redis:expire-tokens')).code).toBe(0)
    // Tokens are checked at AUTH: connections already open are untouched.
    expect((await get()).status).toBe(200)
    expect((await npmFault('redis:drop')).code).toBe(0)
    // The middleware reuses a token for 10 of its 15 minutes (docs/middleware.md), so its reconnects present the
    // token the cache now refuses: the API answers 503 until it signs a new one. Either way, never a 500.
    for (let i = 0; i < 3; i++) {
      const response = await get()
      if (response.status !== 200) expectUnavailable(response)
    }
    await printed('cache: refused AUTH as cubewalk-blocks: expired early (expireTokens)')
  }, 60_000)

  it('refuses what this build cannot inject, and typos, with exit 1 and a message', async () => {
    const freeze = await npmFault('redis:freeze', '5s')
    expect(freeze.code).toBe(1)
    expect(freeze.stderr).toContain('npm run local -- fault: redis:freeze is not available in this build')
    await printed('fault redis:freeze 5s not applied: redis:freeze is not available in this build')
    const typo = await npmFault('redis:lag', '5s')
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('unknown fault "redis:lag"')
    expect(typo.stderr).toContain('(npm run local -- fault --help lists the faults)')
  }, 60_000)
})
