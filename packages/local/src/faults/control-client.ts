// Sends a fault to a running runner's control endpoint (control-server.ts) and reads its answer: what the
// `fault` command does once it has found the runner through local-runner.json.

import { request } from 'node:http'

export type ControlReply =
  | { readonly ok: true; readonly fault: string; readonly done: string }
  | {
      readonly ok: false
      readonly status: number
      readonly message: string
      readonly code: string | undefined
    }

/** The endpoint did not answer (nothing listens, or it took longer than the timeout). */
export class ControlUnreachableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ControlUnreachableError'
  }
}

const field = (body: unknown, name: string): string | undefined => {
  if (typeof body !== 'object' || body === null || !Object.hasOwn(body, name)) return undefined
  const value = (body as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

/** POSTs `{"fault": fault}` to `<controlUrl>/faults`. */
export function sendFault(controlUrl: string, fault: string, timeoutMs = 60_000): Promise<ControlReply> {
  const payload = JSON.stringify({ fault })
  return new Promise((resolve, reject) => {
    const req = request(
      new URL('/faults', controlUrl),
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
        timeout: timeoutMs,
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk: string) => {
          text += chunk
        })
        res.once('error', reject)
        res.once('end', () => {
          let body: unknown
          try {
            body = JSON.parse(text)
          } catch {
            body = undefined
          }
          const status = res.statusCode ?? 0
          const done = field(body, 'done')
          if (status === 200 && done !== undefined) {
            resolve({ ok: true, fault: field(body, 'fault') ?? fault, done })
            return
          }
          const message = field(body, 'message') ?? `HTTP ${status}: ${text.trim().slice(0, 200)}`
          resolve({ ok: false, status, message, code: field(body, 'code') })
        })
      },
    )
    req.once('timeout', () => {
      req.destroy(new ControlUnreachableError(`no answer from ${controlUrl} within ${timeoutMs / 1000} s`))
    })
    req.once('error', (error) =>
      reject(
        error instanceof ControlUnreachableError
          ? error
          : new ControlUnreachableError(`${controlUrl} did not answer (${error.message})`),
      ),
    )
    req.end(payload)
  })
}
