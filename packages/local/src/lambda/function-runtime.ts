// The Lambda runtime side of one function: its instances (each a fresh evaluation of the bundled asset, so
// each has its own module state and pays its own cold start), the invocation context, the proxy event built
// from the raw request, and API Gateway's check of the proxy result. Used by both hosts: a worker thread per
// function (hosts/thread-host.ts) or the runner's own thread (hosts/inline-host.ts).

import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { buildProxyEvent, mediaTypeMatches, parseHeaders, parseQuery } from '../gateway/proxy-event.js'
import { MalformedProxyResponseError, validateProxyResult } from '../gateway/proxy-result.js'
import type {
  FromHost,
  HostWorkerData,
  InvokeOutcome,
  LambdaErrorPayload,
  ProxyInput,
  ToHost,
} from './lambda-protocol.js'

type Handler = (event: unknown, context: unknown) => unknown

interface Instance {
  handler: Handler
  logStream: string
}

/** Thrown by the inline host's `process.exit` inside function code: the instance's runtime "exited". */
export class RuntimeExit extends Error {
  readonly code: number

  constructor(code: number) {
    super(`Runtime exited with error: exit status ${code}`)
    this.name = 'Runtime.ExitError'
    this.code = code
  }
}

// Node's own ESM loader, whatever evaluates this file (a test runner may wrap `import()` in its own).
const nativeImport = createRequire(import.meta.url)('./native-import.cjs') as (
  specifier: string,
) => Promise<Record<string, unknown>>

export function toLambdaError(error: unknown): LambdaErrorPayload {
  if (error instanceof Error) {
    return {
      errorType: error.name || 'Error',
      errorMessage: error.message,
      trace: (error.stack ?? '').split('\n'),
    }
  }
  return { errorType: typeof error, errorMessage: String(error) }
}

/** Runs function code for one invocation (or init) with its request id and environment in scope. */
export type ScopeRunner = <T>(requestId: string | undefined, fn: () => T) => T

export class FunctionRuntime {
  private readonly data: HostWorkerData
  private readonly instances = new Map<number, Instance>()
  private readonly send: (message: FromHost) => void
  private readonly scope: ScopeRunner
  private readonly moduleUrl: string | undefined
  private readonly exportPath: string[]
  private readonly handlerProblem: Error | undefined

  constructor(data: HostWorkerData, send: (message: FromHost) => void, scope: ScopeRunner) {
    this.data = data
    this.send = send
    this.scope = scope
    const match = /^([^.]*)\.(.+)$/.exec(data.handler)
    let moduleUrl: string | undefined
    let problem: Error | undefined
    if (!match) {
      problem = Object.assign(new Error(`Bad handler ${data.handler}`), {
        name: 'Runtime.MalformedHandlerName',
      })
    } else {
      const file = ['.js', '.mjs', '.cjs']
        .map((ext) => join(data.taskRoot, `${match[1]}${ext}`))
        .find((candidate) => existsSync(candidate))
      if (file) moduleUrl = pathToFileURL(file).href
      else {
        problem = Object.assign(new Error(`Cannot find module '${match[1]}' in ${data.taskRoot}`), {
          name: 'Runtime.ImportModuleError',
        })
      }
    }
    this.moduleUrl = moduleUrl
    this.exportPath = match ? (match[2] as string).split('.') : []
    this.handlerProblem = problem
  }

  handle(message: ToHost): void {
    switch (message.type) {
      case 'init':
        void this.init(message.instance, message.key, message.logStream)
        break
      case 'invoke':
      case 'invoke-proxy':
        void this.invoke(message)
        break
      case 'drop':
        this.instances.delete(message.instance)
        break
      case 'ping':
        this.send({ type: 'pong', nonce: message.nonce })
        break
    }
  }

  /** A fresh module instance: the query string gives the bundle its own module record, hence its own state. */
  private async init(instance: number, key: string, logStream: string): Promise<void> {
    const start = performance.now()
    try {
      if (this.handlerProblem || !this.moduleUrl) throw this.handlerProblem
      const url = `${this.moduleUrl}?instance=${key}`
      const mod = await this.scope(undefined, () => nativeImport(url))
      let target: unknown = mod
      for (const key of this.exportPath) target = (target as Record<string, unknown> | undefined)?.[key]
      if (typeof target !== 'function') {
        throw Object.assign(new Error(`${this.data.handler} is undefined or not exported`), {
          name: 'Runtime.HandlerNotFound',
        })
      }
      this.instances.set(instance, { handler: target as Handler, logStream })
      this.send({ type: 'ready', instance, initMs: performance.now() - start })
    } catch (error) {
      const crashed = error instanceof RuntimeExit
      this.send({
        type: 'init-error',
        instance,
        initMs: performance.now() - start,
        error: toLambdaError(error),
        crashed,
      })
    }
  }

  private context(requestId: string, deadline: number, logStream: string) {
    return {
      callbackWaitsForEmptyEventLoop: true,
      functionName: this.data.functionName,
      functionVersion: '$LATEST',
      invokedFunctionArn: this.data.functionArn,
      memoryLimitInMB: String(this.data.memoryMb),
      awsRequestId: requestId,
      logGroupName: this.data.logGroup,
      logStreamName: logStream,
      identity: undefined,
      clientContext: undefined,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    }
  }

  private async invoke(message: Extract<ToHost, { type: 'invoke' | 'invoke-proxy' }>): Promise<void> {
    const start = performance.now()
    const instance = this.instances.get(message.instance)
    let outcome: InvokeOutcome
    let crashed = false
    try {
      if (!instance) throw new RuntimeExit(1)
      let event: unknown
      if (message.type === 'invoke') {
        event = JSON.parse(message.event)
      } else {
        const input = message.input
        input.headers ??= parseHeaders(input.request.rawHeaders)
        input.query ??= parseQuery(input.request.rawQuery)
        const { request, route, headers, query, authorizer } = input
        // Structured clone (worker host) turns Buffers into Uint8Arrays.
        const body: Uint8Array = request.body
        if (!Buffer.isBuffer(body)) request.body = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
        event = buildProxyEvent(request, route, headers, query, authorizer)
      }
      const context = this.context(message.requestId, message.deadline, instance.logStream)
      const result = await this.scope(message.requestId, () => {
        process.env._X_AMZN_TRACE_ID = message.traceId
        return instance.handler(event, context)
      })
      outcome = message.type === 'invoke' ? payloadOf(result) : proxyOutcome(result, message.input)
    } catch (error) {
      crashed = error instanceof RuntimeExit
      outcome = { kind: 'error', error: toLambdaError(error) }
    }
    this.send({
      type: 'result',
      id: message.id,
      instance: message.instance,
      durationMs: performance.now() - start,
      outcome,
      crashed,
    })
  }
}

/** Lambda serializes what the handler returns; `undefined` becomes `null`. */
function payloadOf(result: unknown): InvokeOutcome {
  return { kind: 'payload', payload: JSON.stringify(result) ?? 'null' }
}

/** API Gateway's side of a proxy result: validated, headers merged, base64 decoded when the client accepts it. */
function proxyOutcome(result: unknown, input: ProxyInput): InvokeOutcome {
  let response: ReturnType<typeof validateProxyResult>
  try {
    response = validateProxyResult(result)
  } catch (error) {
    if (error instanceof MalformedProxyResponseError) return { kind: 'malformed', reason: error.message }
    throw error
  }
  // Names chosen by the function: `__proto__` must stay a header, not become a prototype.
  const headers = Object.create(null) as Record<string, string | string[]>
  let hasContentType = false
  for (const [name, values] of response.headers) {
    if (!hasContentType && name.toLowerCase() === 'content-type') hasContentType = true
    headers[name] = values.length === 1 ? (values[0] as string) : values
  }
  if (!hasContentType) headers['Content-Type'] = 'application/json'
  let body: string | Uint8Array = response.body
  if (response.isBase64Encoded && input.route.binaryMediaTypes.length > 0) {
    const accept = input.headers?.lower.get('accept')
    if (mediaTypeMatches(input.route.binaryMediaTypes, accept)) body = Buffer.from(response.body, 'base64')
  }
  return { kind: 'http', response: { status: response.status, headers, body } }
}
