// Inline isolation runs function code on the runner's own thread, so a function stuck in synchronous code (an
// endless loop) stops everything: no request is answered, no timeout fires, and Ctrl-C cannot run either.
// Nothing can interrupt that thread's JavaScript safely, but a watchdog thread can notice it and say so: when
// the runner's thread has not turned its event loop for longer than any function may run (its timeout, or
// Lambda's 10 s init limit), the watchdog pauses it through the inspector to learn where it is stuck, prints
// that, and ends the process, instead of leaving a silent, unkillable-by-Ctrl-C runner. (The private
// redis-server notices its runner is gone and stops by itself.) Thread isolation needs none of this: it
// terminates a stuck function's worker thread and answers the call.

import { url as inspectorUrl } from 'node:inspector'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { workerEntry } from './worker-entry.js'

/** What the watchdog thread needs (stuck-watchdog-thread.ts). */
export interface WatchdogData {
  /** An Int32Array's buffer whose first element the runner's thread keeps changing while it is alive. */
  heartbeat: SharedArrayBuffer
  checkMs: number
  limitMs: number
  /** Where each function's code lives, to name the one that is stuck. */
  functions: { name: string; codeUrl: string }[]
  /** The command the user ran, to start the message with (`npm start`). */
  command: string
}

export interface StuckWatchdogOptions {
  /** How long the thread may be busy in one go before it counts as stuck. */
  limitMs: number
  functions: { name: string; codeDir: string }[]
  checkMs?: number
  /** The command the user ran, named in the message. Default `cubewalk-local`. */
  command?: string
}

export interface StuckWatchdog {
  stop(): Promise<void>
}

/**
 * Starts watching the calling thread. Returns undefined when a debugger is attached (`--inspect`): a thread
 * paused at a breakpoint is not stuck.
 */
export function startStuckWatchdog(options: StuckWatchdogOptions): StuckWatchdog | undefined {
  if (inspectorUrl()) return undefined
  const checkMs = options.checkMs ?? 250
  const heartbeat = new SharedArrayBuffer(4)
  const beat = new Int32Array(heartbeat)
  const pulse = setInterval(() => Atomics.add(beat, 0, 1), checkMs)
  pulse.unref()
  const data: WatchdogData = {
    heartbeat,
    checkMs,
    limitMs: options.limitMs,
    command: options.command ?? 'cubewalk-local',
    functions: options.functions.map((fn) => ({
      name: fn.name,
      codeUrl: pathToFileURL(fn.codeDir).href,
    })),
  }
  const worker = new Worker(workerEntry('stuck-watchdog-thread', import.meta.url), { workerData: data })
  worker.unref()
  return {
    async stop() {
      clearInterval(pulse)
      await worker.terminate()
    },
  }
}
