// The watchdog of inline isolation: a runner's thread stuck in synchronous code is stopped with a message that
// names where it is stuck; a thread that is only busy for a while, or paused in a debugger, is left alone.
// (cli.test.ts shows the same through the command line, with the fixture app's 12 s allowance.)

import { spawn } from 'node:child_process'
import inspector from 'node:inspector'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { startStuckWatchdog } from '../src/lambda/hosts/stuck-watchdog.js'

const stuckThread = fileURLToPath(new URL('./support/stuck-thread.mjs', import.meta.url))
const spinDir = fileURLToPath(new URL('./fixtures/spin', import.meta.url))
const echoDir = fileURLToPath(new URL('./fixtures/echo', import.meta.url))

function runStuck(codeDir: string): Promise<{ signal: NodeJS.Signals | null; stderr: string; ms: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, [stuckThread, codeDir], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) =>
    child.once('close', (_code, signal) => resolve({ signal, stderr, ms: performance.now() - started })),
  )
}

describe('startStuckWatchdog', () => {
  it('stops a thread stuck past the limit, naming the function and the line it is stuck on', async () => {
    const { signal, stderr, ms } = await runStuck(spinDir)
    expect(signal).toBe('SIGKILL')
    expect(stderr).toMatch(
      /^\nstuck-test: the runner's thread has been stuck in synchronous code for over 1 s in function Spinner, at spinForever \(busy\.mjs:3\)\.\n/,
    )
    expect(stderr).toContain(
      'With --isolation thread (the default), such a call fails at the function timeout',
    )
    expect(ms).toBeLessThan(10_000)
  })

  it('stuck outside every function: names the file and line instead', async () => {
    const { signal, stderr } = await runStuck(echoDir)
    expect(signal).toBe('SIGKILL')
    expect(stderr).toMatch(/for over 1 s, at spinForever \(file:\/\/\S+\/fixtures\/spin\/busy\.mjs:3\)\.\n/)
    expect(stderr).not.toContain('in function')
  })

  it('leaves a thread alone that is busy in bursts shorter than the limit', async () => {
    const watchdog = startStuckWatchdog({ limitMs: 600, checkMs: 20, functions: [] })
    expect(watchdog).toBeDefined()
    try {
      // Three 300 ms bursts of synchronous work, the event loop turning in between: 900 ms busy in all.
      for (let burst = 0; burst < 3; burst++) {
        const until = performance.now() + 300
        while (performance.now() < until) {}
        await new Promise((resolve) => setTimeout(resolve, 60))
      }
    } finally {
      // Reaching this line is the assertion: the watchdog ends a stuck process with SIGKILL.
      await watchdog?.stop()
    }
  })

  it('does not watch while a debugger can attach (--inspect): a thread paused at a breakpoint is not stuck', () => {
    inspector.open(0, '127.0.0.1')
    try {
      expect(startStuckWatchdog({ limitMs: 100, functions: [] })).toBeUndefined()
    } finally {
      inspector.close()
    }
  })
})
