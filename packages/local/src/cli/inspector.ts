// `--inspect[=[host:]port]`: the runner's process opens Node's inspector, so that a debugger (Chrome DevTools,
// VS Code) can stop function code at breakpoints, in the runner's thread (inline isolation) and in the functions'
// worker threads (thread isolation: Node announces them to the main session, see docs/local.md, Debugging).
// Opened from the command line rather than with `node --inspect`, so that `npm start -- --inspect` does not put
// the npm process and `cdk synth` under the debugger too.

import { open, url } from 'node:inspector'

export const DEFAULT_INSPECT_HOST = '127.0.0.1'
export const DEFAULT_INSPECT_PORT = 9229

export class InspectorError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'InspectorError'
  }
}

/** Node's own syntax: `port`, `host:port` or `[ipv6]:port`; empty means the default 127.0.0.1:9229. */
export function parseInspectAddress(value: string): { host: string; port: number } {
  if (value === '') return { host: DEFAULT_INSPECT_HOST, port: DEFAULT_INSPECT_PORT }
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]+):)?(\d{1,5})$/.exec(value)
  const port = Number(match?.[2])
  if (!match || port > 65_535) {
    throw new InspectorError(
      `--inspect takes [host:]port, like --inspect=9229 or --inspect=127.0.0.1:0; got "${value}"`,
    )
  }
  const host = match[1]?.replace(/^\[(.*)\]$/, '$1') ?? DEFAULT_INSPECT_HOST
  return { host, port }
}

/**
 * The inspector's WebSocket URL, opening it at `address` unless the process already has one (`node --inspect`):
 * then that one is used as it is (`opened` false). Throws when it cannot listen (Node prints why).
 */
export function openInspector(address: string): { url: string; opened: boolean } {
  const current = url()
  if (current) return { url: current, opened: false }
  const { host, port } = parseInspectAddress(address)
  open(port, host, false)
  const opened = url()
  if (!opened)
    throw new InspectorError(`the debugger could not listen on ${host}:${port} (in use? try --inspect=0)`)
  return { url: opened, opened: true }
}

/**
 * Closes the inspector this process opened, ending the debugger's connection: without it, a process that exits
 * with a debugger attached prints "Waiting for the debugger to disconnect..." and waits, so Ctrl-C would not end
 * the runner until the debugger lets go.
 */
export { close as closeInspector } from 'node:inspector'
