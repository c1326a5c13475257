// `--inspect` on the command line (bin/cubewalk-local.mjs with the fixture app): a function held at a breakpoint
// for longer than its integration timeout (300 ms) and its own (2 s) is answered 200 once resumed, in both
// isolations, because timeouts are widened while debugging; bad or taken inspector addresses fail clearly.
// Breakpoints in TypeScript sources through source maps: packages/stack/test/local/debugging.test.ts.

import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { parseInspectAddress } from '../src/cli/inspector.js'
import type { Running } from '../src/testing/child-process.js'
import { call } from '../src/testing/http-client.js'
import { type CdpEvent, type CdpSession, InspectorClient } from '../src/testing/inspector-client.js'
import { ECHO_ASSET, type FixtureAssembly, writeFixtureAssembly } from './fixture-assembly.js'
import { startFixtureCli } from './support/fixture-cli.js'

const echoSource = fileURLToPath(new URL('./fixtures/echo/index.mjs', import.meta.url))
const handlerLine = readFileSync(echoSource, 'utf8').split('\n').indexOf('  invocations++')

let assembly: FixtureAssembly
beforeAll(() => {
  assembly = writeFixtureAssembly()
})
afterAll(() => assembly.remove())

// A test that times out while a function is held must not leave its runner behind.
const runs = new Set<Running>()
afterEach(async () => {
  await Promise.all([...runs].map((run) => run.stop('SIGKILL')))
  runs.clear()
})

function start(args: string[]): Running {
  const run = startFixtureCli(assembly.dir, args)
  runs.add(run)
  return run
}

async function started(run: Running): Promise<{ origin: string; debuggerUrl: string }> {
  await run.printed('Ctrl-C stops everything', 30_000)
  return {
    origin: /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(run.output())?.[1] as string,
    debuggerUrl: /Debugger (ws:\/\/\S+)/.exec(run.output())?.[1] as string,
  }
}

async function stop(run: Running): Promise<void> {
  await run.stop()
}

/** A breakpoint on the echo handler's first statement, in every instance's copy of the asset. */
async function breakInEcho(session: CdpSession): Promise<string> {
  await session.send('Debugger.enable')
  const bundle = pathToFileURL(join(assembly.dir, `asset.${ECHO_ASSET}`, 'index.mjs')).href
  const { breakpointId } = await session.send<{ breakpointId: string }>('Debugger.setBreakpointByUrl', {
    urlRegex: `^${bundle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\?.*)?$`,
    lineNumber: handlerLine,
  })
  return breakpointId
}

describe('--inspect: a function held at a breakpoint does not time out', () => {
  it.each(['thread', 'inline'] as const)(
    '%s isolation: held 2.5 s (past the 300 ms integration and 2 s function timeouts), then answered 200',
    async (isolation) => {
      const run = start(['--inspect=127.0.0.1:0', '--isolation', isolation])
      const { origin, debuggerUrl } = await started(run)
      const client = await InspectorClient.connect(debuggerUrl)
      try {
        let breakpoint: Promise<{ session: CdpSession; id: string }>
        if (isolation === 'thread') {
          breakpoint = new Promise((resolve, reject) => {
            void client.attachWorkers('NodeWorker', async (worker) => {
              await breakInEcho(worker).then((id) => resolve({ session: worker, id }), reject)
            })
          })
        } else {
          // Set before the request: the runner's own thread loads the function's code as it arrives.
          const id = await breakInEcho(client)
          breakpoint = Promise.resolve({ session: client, id })
        }
        const answer = call(origin, 'GET', '/prod/slow')
        const { session, id } = await breakpoint
        const paused: CdpEvent = await session.waitFor('Debugger.paused')
        expect(paused.params.hitBreakpoints).toEqual([id])
        const heldFrom = Date.now()
        let answered = false
        void answer.then(() => {
          answered = true
        })
        await new Promise((r) => setTimeout(r, 2_500))
        expect(answered).toBe(false)
        await session.send('Debugger.resume')
        const res = await answer
        expect(Date.now() - heldFrom).toBeGreaterThan(2_000)
        expect(res.status).toBe(200)
        const body = res.json() as { context: { remainingMs: number } }
        // The function was held for longer than its 2 s timeout and still has most of the debugging deadline.
        expect(body.context.remainingMs).toBeGreaterThan(3_600_000)
        await expect.poll(run.output).toMatch(/GET \/prod\/slow → 200/)
      } finally {
        client.close()
        await stop(run)
      }
    },
    60_000,
  )

  it('Ctrl-C while a worker is held at a breakpoint, the debugger still attached: the runner stops at once', async () => {
    const run = start(['--inspect=127.0.0.1:0'])
    const { origin, debuggerUrl } = await started(run)
    const client = await InspectorClient.connect(debuggerUrl)
    try {
      const held = new Promise<CdpEvent>((resolve, reject) => {
        void client.attachWorkers('NodeWorker', async (worker) => {
          await breakInEcho(worker).catch(reject)
          worker.waitFor('Debugger.paused').then(resolve, reject)
        })
      })
      // Stopping closes its connection, unanswered (as without a debugger).
      const answer = call(origin, 'GET', '/prod/slow').catch((error: Error) => error)
      await held
      const stopping = Date.now()
      run.child.kill('SIGTERM')
      // Worker.terminate() alone waits for a held worker forever, and an attached debugger holds process exit.
      expect(await run.exited).toBe(0)
      expect(Date.now() - stopping).toBeLessThan(10_000)
      await answer
      expect(run.output()).not.toContain('Forced exit')
    } finally {
      client.close()
    }
  }, 60_000)

  it('without --inspect, the same route still times out (the control)', async () => {
    const run = start([])
    try {
      const { origin } = await started(run)
      expect(run.output()).not.toContain('Debugger')
      expect((await call(origin, 'GET', '/prod/slow?mode=sleep&ms=1000')).status).toBe(504)
    } finally {
      await stop(run)
    }
  }, 60_000)

  it('a bad address or a taken port fails before anything starts, with a non-zero exit', async () => {
    const bad = start(['--inspect=not-a-port'])
    expect(await bad.exited).toBe(1)
    expect(bad.output()).toContain('--inspect takes [host:]port, like --inspect=9229')
    const taken: Server = createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    try {
      const port = (taken.address() as { port: number }).port
      const busy = start([`--inspect=127.0.0.1:${port}`])
      expect(await busy.exited).toBe(1)
      expect(busy.output()).toContain(`the debugger could not listen on 127.0.0.1:${port}`)
      expect(busy.output()).not.toContain('Ctrl-C stops everything')
    } finally {
      taken.close()
    }
  }, 30_000)
})

describe('--inspect addresses, as node --inspect takes them', () => {
  it.each([
    ['', { host: '127.0.0.1', port: 9229 }],
    ['9230', { host: '127.0.0.1', port: 9230 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:9229', { host: '0.0.0.0', port: 9229 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    ['[::1]:9229', { host: '::1', port: 9229 }],
  ])('"%s"', (value, expected) => {
    expect(parseInspectAddress(value)).toEqual(expected)
  })

  it.each(['70000', 'host:', ':9229', '127.0.0.1:abc', '::1:9229', '9229 '])('refuses "%s"', (value) => {
    expect(() => parseInspectAddress(value)).toThrow(/--inspect takes \[host:\]port/)
  })
})
