// `npm start -- --inspect` as a developer uses it: the real stack's minified bundles (as `cdk synth` writes them,
// with their linked source maps), a debugger attached to the printed address, a breakpoint set in a TypeScript
// source of packages/handlers the way VS Code sets it (the .ts position mapped to the bundle through the source
// map), a request that stops there, and the request answered once the debugger resumes. In worker threads
// (default isolation, reached through the NodeWorker domain as VS Code does, and through the Target domain as
// Chrome DevTools does with --experimental-worker-inspection) and inline.

import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { type CallOptions, call, type HttpResponse } from '@cubewalk/local/testing'
import { type CdpEvent, type CdpSession, InspectorClient } from '@cubewalk/local/testing/inspector'
import { type Running, startProcess } from '@cubewalk/local/testing/process'
import {
  generatedPositionFor,
  LEAST_UPPER_BOUND,
  originalPositionFor,
  TraceMap,
} from '@jridgewell/trace-mapping'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Synthesized, synthesize } from '../support/synth.js'

const startScript = fileURLToPath(new URL('../../bin/start.mjs', import.meta.url))
// The line a developer would stop at: the list-worlds route, behind `GET /prod/cubewalkblocks`.
const routeSource = fileURLToPath(
  new URL('../../../handlers/src/blocks/routes/list-worlds.ts', import.meta.url),
)
const routeLine =
  readFileSync(routeSource, 'utf8')
    .split('\n')
    .findIndex((line) => line.includes('listWorlds()')) + 1
const BLOCKS_TIMEOUT_MS = 10_000

let synth: Synthesized
/** The blocks function's bundle and its source map, as the cloud assembly holds them. */
let bundle: { url: string; map: TraceMap }

beforeAll(() => {
  synth = synthesize()
  for (const entry of readdirSync(synth.outdir)) {
    if (!entry.startsWith('asset.')) continue
    const file = join(synth.outdir, entry, 'index.mjs')
    let json: string
    try {
      json = readFileSync(`${file}.map`, 'utf8')
    } catch {
      continue
    }
    const map = new TraceMap(json, pathToFileURL(`${file}.map`).href)
    if (map.resolvedSources.includes(pathToFileURL(routeSource).href))
      bundle = { url: pathToFileURL(file).href, map }
  }
}, 180_000)

afterAll(() => synth?.dispose())

// A test that times out while a function is held must not leave its runner behind.
const runs = new Set<Running>()
afterEach(async () => {
  await Promise.all([...runs].map((run) => run.stop('SIGKILL')))
  runs.clear()
})

interface Started {
  readonly run: Running
  readonly origin: string
  readonly debuggerUrl: string
}

async function startWithInspector(args: string[], nodeFlags: string[] = []): Promise<Started> {
  const run = startProcess(
    process.execPath,
    [...nodeFlags, startScript, '--assembly', synth.outdir, '--port', '0', '--inspect=127.0.0.1:0', ...args],
    { env: { ...process.env, REDIS_URL: '', PORT: '' } },
  )
  runs.add(run)
  await run.printed('Ctrl-C stops everything', 60_000)
  return {
    run,
    origin: /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(run.output())?.[1] as string,
    debuggerUrl: /Debugger (ws:\/\/\S+)/.exec(run.output())?.[1] as string,
  }
}

/** The breakpoint VS Code sets for a line of a TypeScript source: its first position in the bundle. */
async function setBreakpointInSource(session: CdpSession): Promise<string> {
  const generated = generatedPositionFor(bundle.map, {
    source: pathToFileURL(routeSource).href,
    line: routeLine,
    column: 0,
    bias: LEAST_UPPER_BOUND,
  })
  expect(generated.line).not.toBeNull()
  const escaped = bundle.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const { breakpointId } = await session.send<{ breakpointId: string }>('Debugger.setBreakpointByUrl', {
    // Each instance imports the bundle with its own query string (its own module state).
    urlRegex: `^${escaped}(\\?.*)?$`,
    lineNumber: (generated.line as number) - 1,
    columnNumber: generated.column,
  })
  return breakpointId
}

/** Where a pause is, in TypeScript terms, as the debugger shows it. */
function pausedAt(event: CdpEvent): { source: string | null; line: number | null } {
  const frame = (
    event.params.callFrames as Array<{ location: { lineNumber: number; columnNumber: number } }>
  )[0]
  const original = originalPositionFor(bundle.map, {
    line: (frame?.location.lineNumber as number) + 1,
    column: frame?.location.columnNumber as number,
  })
  return { source: original.source && fileURLToPath(original.source), line: original.line }
}

/** `context.getRemainingTimeInMillis()` of the paused route, found among the frame's locals (names are minified). */
async function remainingMsAtPause(session: CdpSession, event: CdpEvent): Promise<number> {
  const frame = (
    event.params.callFrames as Array<{ scopeChain: Array<{ type: string; object: { objectId: string } }> }>
  )[0]
  const local = frame?.scopeChain.find((scope) => scope.type === 'local')
  const { result } = await session.send<{ result: Array<{ value?: { objectId?: string } }> }>(
    'Runtime.getProperties',
    {
      objectId: local?.object.objectId,
      ownProperties: true,
    },
  )
  for (const property of result) {
    if (!property.value?.objectId) continue
    const { result: remaining } = await session.send<{ result: { value?: unknown } }>(
      'Runtime.callFunctionOn',
      {
        objectId: property.value.objectId,
        functionDeclaration:
          'function () { return typeof this.getRemainingTimeInMillis === "function" ? this.getRemainingTimeInMillis() : null }',
        returnByValue: true,
      },
    )
    if (typeof remaining.value === 'number') return remaining.value
  }
  throw new Error('no Lambda context among the paused frame’s locals')
}

const listWorlds = (origin: string, options: CallOptions = {}): Promise<HttpResponse> =>
  call(origin, 'GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow', ...options })

/** Stops at the breakpoint, checks where and what the function sees, waits past its timeout, then resumes. */
async function pauseAndResume(
  session: CdpSession,
  event: CdpEvent,
  breakpointId: string,
  answer: Promise<HttpResponse>,
) {
  expect(event.params.hitBreakpoints).toContain(breakpointId)
  expect(pausedAt(event)).toEqual({ source: routeSource, line: routeLine })
  // Widened while debugging: Middy's own timeout races the handler against this very value.
  expect(await remainingMsAtPause(session, event)).toBeGreaterThan(BLOCKS_TIMEOUT_MS)
  let answered = false
  void answer.then(() => {
    answered = true
  })
  await new Promise((r) => setTimeout(r, 1_000))
  expect(answered).toBe(false)
  await session.send('Debugger.resume')
  const res = await answer
  expect(res.status).toBe(200)
  expect(res.json()).toMatchObject({ worlds: expect.any(Array) })
}

describe('npm start -- --inspect: breakpoints in the TypeScript sources of the real stack', () => {
  it('prints where to attach and that timeouts are widened', async () => {
    const started = await startWithInspector([])
    try {
      expect(started.run.output()).toMatch(/^Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//m)
      expect(started.debuggerUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/[0-9a-f-]+$/)
      expect(started.run.output()).toContain('function, init and')
      expect(started.run.output()).toContain('integration timeouts are 10 h while debugging')
      expect(started.run.output()).toContain('functions run in worker threads: VS Code attaches to them')
    } finally {
      await started.run.stop()
    }
  }, 90_000)

  it.each([
    ['NodeWorker', []],
    ['Target', ['--experimental-worker-inspection']],
  ] as const)(
    'thread isolation (workers through the %s domain): stops in list-worlds.ts, answers 200 once resumed',
    async (domain, nodeFlags) => {
      const started = await startWithInspector([], [...nodeFlags])
      const client = await InspectorClient.connect(started.debuggerUrl)
      try {
        const breakpoints = new Map<CdpSession, string>()
        const paused = new Promise<{ session: CdpSession; event: CdpEvent }>((resolve, reject) => {
          void client.attachWorkers(domain, async (worker) => {
            await worker.send('Debugger.enable')
            try {
              breakpoints.set(worker, await setBreakpointInSource(worker))
            } catch (error) {
              reject(error)
            }
            // The authorizer's worker never stops here; only the blocks function's does.
            worker.waitFor('Debugger.paused', undefined, 60_000).then(
              (event) => resolve({ session: worker, event }),
              () => {},
            )
          })
        })
        const answer = listWorlds(started.origin)
        const { session, event } = await paused
        await pauseAndResume(session, event, breakpoints.get(session) as string, answer)
        // The instance stays warm: the next request stops at the same line again.
        const again = listWorlds(started.origin)
        const second = await session.waitFor('Debugger.paused')
        expect(pausedAt(second)).toEqual({ source: routeSource, line: routeLine })
        await session.send('Debugger.resume')
        expect((await again).status).toBe(200)
      } finally {
        client.close()
        await started.run.stop()
      }
    },
    120_000,
  )

  it('inline isolation: stops in list-worlds.ts on the runner’s own thread, answers 200 once resumed', async () => {
    const started = await startWithInspector(['--isolation', 'inline'])
    const client = await InspectorClient.connect(started.debuggerUrl)
    try {
      expect(started.run.output()).not.toContain('functions run in worker threads')
      await client.send('Debugger.enable')
      const breakpointId = await setBreakpointInSource(client)
      const answer = listWorlds(started.origin)
      const event = await client.waitFor('Debugger.paused', undefined, 60_000)
      await pauseAndResume(client, event, breakpointId, answer)
    } finally {
      client.close()
      await started.run.stop()
    }
  }, 120_000)
})
