// The watchdog thread of stuck-watchdog.ts. It only reads the heartbeat; once it has stood still for the limit,
// it asks the inspector where the runner's thread is, writes that straight to the stderr file descriptor (the
// worker's process.stderr would go through the stuck thread) and ends the process.

import { writeSync } from 'node:fs'
import { Session } from 'node:inspector'
import { workerData } from 'node:worker_threads'
import type { WatchdogData } from './stuck-watchdog.js'

const { heartbeat, checkMs, limitMs, functions, command } = workerData as WatchdogData
const beat = new Int32Array(heartbeat)

// Counting checks rather than comparing clocks: after the machine sleeps, both threads wake together.
let last = Atomics.load(beat, 0)
let stillChecks = 0
const watch = setInterval(() => {
  const now = Atomics.load(beat, 0)
  if (now !== last) {
    last = now
    stillChecks = 0
    return
  }
  stillChecks++
  if (stillChecks * checkMs < limitMs) return
  clearInterval(watch)
  stopStuckRunner()
}, checkMs)

interface Frame {
  functionName: string
  url: string
  line: number
}

function stopStuckRunner(): void {
  let stopped = false
  const stop = (frames: Frame[]) => {
    if (stopped) return
    stopped = true
    writeSync(2, message(frames))
    process.kill(process.pid, 'SIGKILL')
  }
  // Pausing needs the inspector to answer; whatever happens, the process ends shortly.
  setTimeout(() => stop([]), 2_000)
  const session = new Session()
  session.connectToMainThread()
  const scriptUrls = new Map<string, string>()
  session.on('Debugger.scriptParsed', ({ params }) => scriptUrls.set(params.scriptId, params.url))
  session.once('Debugger.paused', ({ params }) => {
    stop(
      params.callFrames.map((frame) => ({
        functionName: frame.functionName || '(anonymous)',
        url: scriptUrls.get(frame.location.scriptId) ?? '',
        line: frame.location.lineNumber + 1,
      })),
    )
  })
  session.post('Debugger.enable', () => session.post('Debugger.pause'))
}

function message(frames: Frame[]): string {
  const seconds = Math.round(limitMs / 1000)
  let where = ''
  for (const frame of frames) {
    const fn = functions.find((f) => frame.url.startsWith(f.codeUrl))
    if (!fn) continue
    const file = frame.url.replace(/\?.*$/, '').slice(fn.codeUrl.length + 1)
    where = ` in function ${fn.name}, at ${frame.functionName} (${file}:${frame.line})`
    break
  }
  if (!where && frames[0]) where = `, at ${frames[0].functionName} (${frames[0].url}:${frames[0].line})`
  return (
    `\n${command}: the runner's thread has been stuck in synchronous code for over ${seconds} s${where}.\n` +
    '  Inline isolation cannot stop function code that never returns to the event loop, so the runner stops now.\n' +
    '  With --isolation thread (the default), such a call fails at the function timeout and the API goes on.\n\n'
  )
}
