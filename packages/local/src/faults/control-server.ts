// The running command line's control endpoint: `POST /faults {"fault": "redis:freeze 5s"}` on 127.0.0.1, a random
// port recorded in local-runner.json (endpoints.control), where the `fault` command of a second terminal sends
// what the developer typed. Local-only by construction: it listens on the loopback address whatever --host says,
// and refuses what a web page could send it (an Origin header, a Host other than its own address: DNS
// rebinding; a body that is not application/json, which a page can only send after a CORS preflight it never
// gets an answer to). The body is parsed without prototypes and re-checked by parseFault: nothing is trusted.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { FaultOutcome } from './apply-fault.js'
import { type Fault, formatFault } from './fault.js'
import { FaultError, type FaultErrorCode } from './fault-error.js'
import { parseFault } from './parse-fault.js'

export const CONTROL_HOST = '127.0.0.1'
/** A fault is a few words; anything much larger is not one. */
export const MAX_CONTROL_BODY_BYTES = 4096

export interface ControlServerOptions {
  /** Applies a fault the endpoint received and parsed; a FaultError becomes the answer's status. */
  readonly applyFault: (fault: Fault) => Promise<FaultOutcome>
  /** 0 (default): a free port. */
  readonly port?: number
}

export interface ControlServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  close(): Promise<void>
}

/** The answer to a fault: the fault as applied and what was done, or why not. */
export type ControlAnswer =
  | { readonly fault: string; readonly kind: Fault['kind']; readonly done: string }
  | { readonly message: string; readonly code?: FaultErrorCode }

const STATUS_OF: { readonly [C in FaultErrorCode]: number } = {
  'unknown-fault': 400,
  'bad-argument': 400,
  'no-cache': 409,
  refused: 409,
}

class HttpError extends Error {
  readonly status: number
  constructor(status: number, message: string) {
    super(message)
    this.status = status
  }
}

/** JSON.parse whose objects have no prototype: `__proto__` or `constructor` keys are plain data. */
function parseJsonWithoutPrototypes(text: string): unknown {
  return JSON.parse(text, (_key, value: unknown) =>
    typeof value === 'object' && value !== null && !Array.isArray(value)
      ? Object.assign(Object.create(null) as Record<string, unknown>, value)
      : value,
  )
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_CONTROL_BODY_BYTES) {
        reject(
          new HttpError(
            413,
            `the body is larger than ${MAX_CONTROL_BODY_BYTES} bytes; a fault is a few words`,
          ),
        )
        req.resume()
        return
      }
      chunks.push(chunk)
    })
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.once('error', reject)
  })
}

/** The fault the body names: `{"fault": "redis:freeze 5s"}`. */
function faultOf(text: string): Fault {
  let body: unknown
  try {
    body = parseJsonWithoutPrototypes(text)
  } catch (error) {
    throw new HttpError(400, `the body is not JSON (${(error as Error).message})`)
  }
  const fault =
    typeof body === 'object' && body !== null && !Array.isArray(body) && Object.hasOwn(body, 'fault')
      ? (body as Record<string, unknown>).fault
      : undefined
  if (typeof fault !== 'string') throw new HttpError(400, 'the body must be {"fault": "<name> [argument]"}')
  return parseFault([fault])
}

export async function startControlServer(options: ControlServerOptions): Promise<ControlServer> {
  let port = 0
  const answer = (res: ServerResponse, status: number, body: ControlAnswer, headers = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers })
    res.end(`${JSON.stringify(body)}\n`)
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== '/faults')
      throw new HttpError(404, `no control endpoint ${req.method} ${path}: faults are sent to POST /faults`)
    if (req.method !== 'POST') {
      answer(res, 405, { message: 'send faults with POST /faults' }, { allow: 'POST' })
      return
    }
    const host = req.headers.host ?? ''
    if (
      req.headers.origin !== undefined ||
      (host !== `${CONTROL_HOST}:${port}` && host !== `localhost:${port}`)
    )
      throw new HttpError(403, 'the control endpoint answers local tools only, not web pages')
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (type !== 'application/json') throw new HttpError(415, 'send the fault as application/json')
    const fault = faultOf(await readBody(req))
    const outcome = await options.applyFault(fault)
    answer(res, 200, { fault: formatFault(outcome.fault), kind: outcome.fault.kind, done: outcome.done })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (error instanceof HttpError) answer(res, error.status, { message: error.message })
      else if (error instanceof FaultError)
        answer(res, STATUS_OF[error.code], { message: error.message, code: error.code })
      else answer(res, 500, { message: `the fault failed: ${(error as Error).message ?? String(error)}` })
    })
  })
  port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, CONTROL_HOST, () => {
      const address = server.address()
      resolve(typeof address === 'object' && address ? address.port : 0)
    })
  })
  return {
    url: `http://${CONTROL_HOST}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
