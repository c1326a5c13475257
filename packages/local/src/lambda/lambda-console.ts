// The Node.js Lambda runtime prefixes console output with the request id (Text log format) or writes one
// JSON object per call (JSON log format). Both hosts patch `console` the same way, so local logs read like
// CloudWatch's.

import { format } from 'node:util'

export interface ConsoleTarget {
  requestId: string | undefined
  format: 'Text' | 'JSON'
  stdout: NodeJS.WritableStream | null
  stderr: NodeJS.WritableStream | null
}

const LEVELS: Array<[keyof Console, string]> = [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['debug', 'DEBUG'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['trace', 'TRACE'],
]

/**
 * Replaces console's output methods. `target()` says where a call goes; `undefined` means "not function code"
 * and the original method runs. Returns a function that restores the originals.
 */
export function patchConsoleForLambda(target: Console, route: () => ConsoleTarget | undefined): () => void {
  const originals = new Map<keyof Console, unknown>()
  for (const [method, level] of LEVELS) {
    const original = target[method] as (...args: unknown[]) => void
    originals.set(method, original)
    const write = (...args: unknown[]) => {
      const to = route()
      if (!to) {
        original.apply(target, args)
        return
      }
      const stream = level === 'WARN' || level === 'ERROR' ? to.stderr : to.stdout
      if (!stream) return
      const message = format(...args)
      const timestamp = new Date().toISOString()
      const line =
        to.format === 'JSON'
          ? JSON.stringify({ timestamp, level, requestId: to.requestId, message })
          : `${timestamp}\t${to.requestId ?? 'undefined'}\t${level}\t${message}`
      stream.write(`${line}\n`)
    }
    Object.defineProperty(target, method, { value: write, configurable: true, writable: true })
  }
  return () => {
    for (const [method, original] of originals) {
      Object.defineProperty(target, method, { value: original, configurable: true, writable: true })
    }
  }
}
