// Messages between the runner (main thread) and a function host (one worker thread per function, holding
// that function's instances). Only types: both sides import this with `import type`.

import type { ParsedHeaders, ParsedQuery, RequestFacts, RouteFacts } from '../gateway/proxy-event.js'

export interface HostWorkerData {
  functionName: string
  functionArn: string
  memoryMb: number
  /** Lambda's `Handler` setting, e.g. `index.handler`. */
  handler: string
  /** The asset directory (LAMBDA_TASK_ROOT). */
  taskRoot: string
  logFormat: 'Text' | 'JSON'
  logGroup: string
  /** Where bare imports the asset cannot resolve are looked up, as Lambda's runtime provides the AWS SDK. */
  fallbackResolveFrom: string
}

export interface LambdaErrorPayload {
  errorType: string
  errorMessage: string
  trace?: string[]
}

/** What API Gateway sends back to the client for a valid proxy result. */
export interface ProxyHttpResponse {
  status: number
  headers: Record<string, string | string[]>
  body: string | Uint8Array
}

/** What one invocation produced, as the integration sees it. */
export type InvokeOutcome =
  /** The handler's return value, JSON-serialized as Lambda does (`event` invocations). */
  | { kind: 'payload'; payload: string }
  /** A valid proxy result, already shaped as the HTTP response (`proxy` invocations). */
  | { kind: 'http'; response: ProxyHttpResponse }
  /** A proxy result API Gateway refuses ("Malformed Lambda proxy response"). */
  | { kind: 'malformed'; reason: string }
  /** The function failed: threw, timed out, crashed. */
  | { kind: 'error'; error: LambdaErrorPayload }

/** A proxy invocation carries the raw request; the host builds the event (off the main thread). */
export interface ProxyInput {
  request: RequestFacts
  route: RouteFacts
  /** Already parsed by the runner; left out when crossing to a worker, which parses the raw request (cheaper). */
  headers?: ParsedHeaders
  query?: ParsedQuery
  authorizer: Record<string, unknown> | undefined
}

export type ToHost =
  /** `key` makes the module URL unique per instance, even across runners sharing a thread. */
  | { type: 'init'; instance: number; key: string; logStream: string }
  | {
      type: 'invoke'
      id: number
      instance: number
      requestId: string
      /** Epoch ms at which the function times out. */
      deadline: number
      traceId: string
      event: string
    }
  | {
      type: 'invoke-proxy'
      id: number
      instance: number
      requestId: string
      deadline: number
      traceId: string
      input: ProxyInput
    }
  | { type: 'drop'; instance: number }
  | { type: 'ping'; nonce: number }

export type FromHost =
  | { type: 'ready'; instance: number; initMs: number }
  | { type: 'init-error'; instance: number; initMs: number; error: LambdaErrorPayload; crashed: boolean }
  /** `crashed`: the instance's runtime exited (inline host's process.exit); it must not be used again. */
  | {
      type: 'result'
      id: number
      instance: number
      durationMs: number
      outcome: InvokeOutcome
      crashed: boolean
    }
  | { type: 'pong'; nonce: number }
