// The local API Gateway: an HTTP server that routes `/{stage}/...` through the template's resources and
// methods, runs the method's authorizer, invokes the proxy Lambda with the integration timeout and answers
// exactly as API Gateway would, including its own error responses.

import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import { Deadlines } from '../lambda/deadlines.js'
import { Cancellation, InvocationAbortedError, type LambdaPool } from '../lambda/lambda-pool.js'
import type { InvokeOutcome, ProxyInput } from '../lambda/lambda-protocol.js'
import type { ApiModel, RestApiModel, StageModel } from '../template/api-model.js'
import { extendedRequestId, traceId } from '../template/local-ids.js'
import type { LocalAwsIdentity } from '../template/template-types.js'
import { type AuthorizerSource, apiGatewayMayInvoke, LocalAuthorizer } from './authorizer.js'
import {
  type GatewayResponseContext,
  type GatewayResponseType,
  type RenderedResponse,
  renderGatewayResponse,
} from './gateway-responses.js'
import { type MockIdentity, mockRequestContextAuthorizer } from './mock-identity.js'
import {
  buildProxyEvent,
  type ParsedHeaders,
  parseHeaders,
  parseQuery,
  type RequestFacts,
  type RouteFacts,
} from './proxy-event.js'
import { matchResource, methodFor } from './resource-match.js'

/** API Gateway refuses payloads over 10 MB. */
const MAX_BODY_BYTES = 10 * 1024 * 1024

/** Lambda refuses a synchronous Invoke whose request (the event JSON) is larger than this. */
export const LAMBDA_INVOKE_LIMIT_BYTES = 6_291_556

/**
 * Below this body size no event can reach the invoke limit, so the event is measured only above it: JSON
 * writes a body byte as at most 6 bytes (`\u0000`), and the rest of the event is bounded by Node's 16 KB
 * header limit.
 */
const MEASURE_EVENT_ABOVE_BYTES = 1_000_000

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

export interface RequestRecord {
  method: string
  path: string
  status: number
  ms: number
  /** The integration function's start: cold, warm, or none when no function ran. */
  integration: 'cold' | 'warm' | 'none'
  /** `mock`: the authorizer was bypassed for the mock identity (--no-authorizer). */
  authorizer: AuthorizerSource | 'none' | 'mock'
  requestId: string
  /** Why API Gateway answered by itself (for the log; never sent to the client). */
  reason: string | undefined
}

export interface LocalApiOptions {
  model: ApiModel
  identity: LocalAwsIdentity
  poolFor: (functionLogicalId: string) => LambdaPool | undefined
  host?: string
  port?: number
  onRequest?: (record: RequestRecord) => void
  /** Overrides every method's integration timeout (tests); the template's value otherwise. */
  integrationTimeoutMs?: number
  now?: () => number
  /** Bypass every Lambda authorizer: allowed as this identity. Off by default; see mock-identity.ts. */
  mockIdentity?: MockIdentity
}

interface StageBinding {
  api: RestApiModel
  stage: StageModel
  authorizers: Map<string, LocalAuthorizer>
  /** `arn:aws:execute-api:{region}:{account}:{apiId}` */
  arnPrefix: string
}

interface Exchange {
  req: IncomingMessage
  res: ServerResponse
  facts: RequestFacts
  headers: ParsedHeaders
  record: RequestRecord
  started: number
}

interface OutgoingResponse {
  x: Exchange
  status: number
  headers: Record<string, string | string[]>
  body: string | Uint8Array
  /** Set for a function's answer: if Node cannot send it, this stage's 502 replaces it (see unsendable). */
  binding: StageBinding | undefined
}

export class PortInUseError extends Error {
  readonly port: number

  constructor(port: number) {
    super(`port ${port} is already in use`)
    this.name = 'PortInUseError'
    this.port = port
  }
}

export class LocalApi {
  private readonly stages = new Map<string, StageBinding>()
  private readonly server: Server
  private domainName = '127.0.0.1'
  private readonly ready: Promise<void>
  private isReady = false
  private markReady: () => void = () => {}
  private readonly deadlines = new Deadlines()
  private readonly permissionCache = new Map<string, boolean>()
  private options: LocalApiOptions
  /** Answers decided during this event-loop turn, written together at its end (see send). */
  private outgoing: OutgoingResponse[] = []

  constructor(options: LocalApiOptions) {
    this.options = options
    this.bindStages(options.model)
    this.ready = new Promise((resolve) => {
      this.markReady = resolve
    })
    this.server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      const failed = (error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' })
          res.end('{"message":"Internal server error"}')
        }
        process.emitWarning(
          `local API failed on ${req.method} ${req.url}: ${(error as Error).stack ?? error}`,
        )
      }
      // A fault in the synchronous part must answer too, not leave the client waiting.
      try {
        this.handle(req, res).catch(failed)
      } catch (error) {
        failed(error)
      }
    })
  }

  /** Binds the port (failing fast when taken); requests wait until {@link open} is called. */
  async listen(): Promise<number> {
    const { host = '127.0.0.1', port = 3000 } = this.options
    await new Promise<void>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error)
      }
      this.server.once('error', onError)
      this.server.listen(port, host, () => {
        this.server.off('error', onError)
        resolve()
      })
    })
    const bound = (this.server.address() as AddressInfo).port
    this.domainName = `${host}:${bound}`
    return bound
  }

  /** Starts answering requests (those that arrived early were held until now). */
  open(): void {
    this.isReady = true
    this.markReady()
  }

  /**
   * Serves another model of the API (a new synthesis, `--watch`): routes, authorizers (their caches start empty,
   * as after a deployment), permissions. A request already past routing finishes with the model it started on.
   */
  reload(model: ApiModel): void {
    this.options = { ...this.options, model }
    this.stages.clear()
    this.permissionCache.clear()
    this.bindStages(model)
  }

  private bindStages(model: ApiModel): void {
    const { identity } = this.options
    for (const api of model.apis) {
      const apiArn = `arn:${identity.partition}:execute-api:${identity.region}:${identity.accountId}:${api.apiId}`
      const authorizers = new Map<string, LocalAuthorizer>()
      for (const [logicalId, authorizer] of api.authorizers) {
        authorizers.set(
          logicalId,
          new LocalAuthorizer(authorizer, {
            apiArn,
            poolFor: this.options.poolFor,
            functionName: (id) => model.functions.get(id)?.name,
            permissions: model.permissions,
            ...(this.options.now ? { now: this.options.now } : {}),
          }),
        )
      }
      for (const stage of api.stages) {
        // Two APIs with the same stage name cannot share one local origin; the first one wins.
        if (!this.stages.has(stage.name))
          this.stages.set(stage.name, { api, stage, authorizers, arnPrefix: apiArn })
      }
    }
  }

  get stageNames(): string[] {
    return [...this.stages.keys()]
  }

  flushAuthorizerCaches(): void {
    for (const binding of this.stages.values()) for (const a of binding.authorizers.values()) a.flush()
  }

  /**
   * FlushStageAuthorizersCache: forgets the cached decisions of one API's stage. `false` when this origin serves
   * no such stage of that API.
   */
  flushStageAuthorizers(apiId: string, stageName: string): boolean {
    const binding = this.stages.get(stageName)
    if (!binding || binding.api.apiId !== apiId) return false
    for (const authorizer of binding.authorizers.values()) authorizer.flush()
    return true
  }

  async close(): Promise<void> {
    this.server.closeIdleConnections()
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve())
      setTimeout(() => this.server.closeAllConnections(), 1_000).unref()
    })
  }

  private handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Requests that arrive before the runner is ready wait for it; afterwards no extra promise hop.
    if (!this.isReady) return this.ready.then(() => this.handle(req, res))
    const startedAt = Date.now()
    const started = performance.now()
    const url = req.url ?? '/'
    const q = url.indexOf('?')
    const sentPath = q >= 0 ? url.slice(0, q) : url
    // Repeated slashes count as one (`/prod//cubewalkblocks`), in matching and in the event's path alike; a
    // trailing slash stays in the event's path and names the same resource (see router).
    const rawPath = sentPath.includes('//') ? sentPath.replace(/\/{2,}/g, '/') : sentPath
    const method = req.method ?? 'GET'
    const requestId = randomUUID()
    const slash = rawPath.indexOf('/', 1)
    const stageName = slash < 0 ? rawPath.slice(1) : rawPath.slice(1, slash)
    const remote = req.socket.remoteAddress ?? '127.0.0.1'
    const facts: RequestFacts = {
      method,
      path: slash < 0 ? '/' : rawPath.slice(slash),
      rawQuery: q >= 0 ? url.slice(q + 1) : '',
      rawHeaders: req.rawHeaders,
      body: EMPTY,
      sourceIp: remote.startsWith('::ffff:') ? remote.slice(7) : remote,
      protocol: req.httpVersion === '1.1' ? 'HTTP/1.1' : `HTTP/${req.httpVersion}`,
      requestId,
      extendedRequestId: extendedRequestId(),
      traceId: traceId(startedAt),
      startedAt,
    }
    const record: RequestRecord = {
      method,
      path: sentPath,
      status: 0,
      ms: 0,
      integration: 'none',
      authorizer: 'none',
      requestId,
      reason: undefined,
    }
    const exchange: Exchange = { req, res, facts, headers: parseHeaders(req.rawHeaders), record, started }
    return this.serve(exchange, stageName)
  }

  private finish(x: Exchange): void {
    x.record.ms = performance.now() - x.started
    this.options.onRequest?.(x.record)
  }

  private async serve(x: Exchange, stageName: string): Promise<void> {
    const binding = this.stages.get(stageName)
    const match = binding ? matchResource(binding.api.root, x.facts.path) : undefined
    const method = match ? methodFor(match.node, x.facts.method) : undefined
    if (!binding || !match || !method) {
      this.gatewayResponse(
        x,
        binding,
        'MISSING_AUTHENTICATION_TOKEN',
        'Missing Authentication Token',
        'no such route',
      )
      return
    }
    const body = hasBody(x.req) ? await readBody(x.req) : EMPTY
    if (body === undefined) {
      this.gatewayResponse(x, binding, 'REQUEST_TOO_LARGE', 'Request Too Long', 'body over 10 MB')
      return
    }
    const { api, stage } = binding
    const decoded: DecodedBody =
      api.minimumCompressionSize === undefined ? { kind: 'body', body } : await decodeBody(x.headers, body)
    if (decoded.kind === 'undecodable') {
      this.gatewayResponse(
        x,
        binding,
        'UNSUPPORTED_MEDIA_TYPE',
        'Unsupported Media Type',
        `body is not ${x.headers.lower.get('content-encoding')} (or the coding is not supported)`,
      )
      return
    }
    x.facts.body = decoded.kind === 'body' ? decoded.body : EMPTY
    const overInvokeLimit = decoded.kind === 'over-invoke-limit'
    const query = parseQuery(x.facts.rawQuery)
    const route: RouteFacts = {
      apiId: api.apiId,
      accountId: this.options.identity.accountId,
      stage: stage.name,
      deploymentId: stage.deploymentId,
      stageVariables: stage.variables,
      resourceId: match.node.id,
      resourcePath: match.node.path,
      pathParameters: match.pathParameters,
      domainName: x.headers.lower.get('host') ?? this.domainName,
      binaryMediaTypes: api.binaryMediaTypes,
    }
    const methodArn = `${binding.arnPrefix}/${stage.name}/${x.facts.method}${x.facts.path}`

    if (method.apiKeyRequired && !x.headers.lower.get('x-api-key')) {
      this.gatewayResponse(x, binding, 'INVALID_API_KEY', 'Forbidden', 'x-api-key header missing')
      return
    }

    let authorizerContext: Record<string, unknown> | undefined
    if (method.authorizationType === 'CUSTOM' && this.options.mockIdentity) {
      x.record.authorizer = 'mock'
      authorizerContext = mockRequestContextAuthorizer(this.options.mockIdentity)
    } else if (method.authorizationType === 'CUSTOM') {
      const authorizer = method.authorizerLogicalId
        ? binding.authorizers.get(method.authorizerLogicalId)
        : undefined
      if (!authorizer) {
        this.gatewayResponse(
          x,
          binding,
          'AUTHORIZER_CONFIGURATION_ERROR',
          null,
          'method names an unknown authorizer',
        )
        return
      }
      const result = await authorizer.authorize({
        methodArn,
        headers: x.headers,
        query: query.single,
        stageVariables: stage.variables,
        requestEvent: () => {
          // The REQUEST authorizer sees the request without its body.
          const {
            body: _body,
            isBase64Encoded: _b64,
            ...rest
          } = buildProxyEvent(x.facts, route, x.headers, query, undefined)
          return rest
        },
      })
      x.record.authorizer = result.source
      if (!result.allowed) {
        this.gatewayResponse(x, binding, result.response, result.message, result.reason)
        return
      }
      authorizerContext = result.requestContextAuthorizer
    } else if (method.authorizationType === 'AWS_IAM') {
      this.gatewayResponse(
        x,
        binding,
        'MISSING_AUTHENTICATION_TOKEN',
        'Missing Authentication Token',
        'IAM (SigV4) authorization is not emulated',
      )
      return
    } else if (method.authorizationType === 'COGNITO_USER_POOLS') {
      this.gatewayResponse(x, binding, 'UNAUTHORIZED', 'Unauthorized', 'Cognito authorizers are not emulated')
      return
    }

    const integration = method.integration
    if (integration.type === 'MOCK') {
      const headers: Record<string, string> = { ...integration.headers }
      if (integration.contentType && integration.body !== '')
        headers['Content-Type'] = integration.contentType
      this.send(x, integration.statusCode, headers, integration.body, binding)
      return
    }
    if (integration.type !== 'AWS_PROXY') {
      this.gatewayResponse(x, binding, 'API_CONFIGURATION_ERROR', 'Internal server error', integration.reason)
      return
    }
    const fn = this.options.model.functions.get(integration.functionLogicalId)
    const pool = this.options.poolFor(integration.functionLogicalId)
    if (!fn || !pool) {
      this.gatewayResponse(
        x,
        binding,
        'API_CONFIGURATION_ERROR',
        'Internal server error',
        'function not runnable',
      )
      return
    }
    // The invoke's source ARN carries the path without empty parts: `/cubewalkblocks/` may invoke what a
    // permission for `.../GET/cubewalkblocks` allows.
    const sourceArn = `${binding.arnPrefix}/${stage.name}/${x.facts.method}${match.normalizedPath}`
    if (!this.mayInvoke(fn.name, sourceArn)) {
      this.gatewayResponse(
        x,
        binding,
        'API_CONFIGURATION_ERROR',
        'Internal server error',
        `no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke ${fn.name} from ${sourceArn}`,
      )
      return
    }
    if (overInvokeLimit || x.facts.body.length > MEASURE_EVENT_ABOVE_BYTES) {
      // A body that decoded past the limit was not decoded to its end: its event is bigger than the limit.
      const size = overInvokeLimit
        ? Number.POSITIVE_INFINITY
        : Buffer.byteLength(
            JSON.stringify(buildProxyEvent(x.facts, route, x.headers, query, authorizerContext)),
          )
      if (size > LAMBDA_INVOKE_LIMIT_BYTES) {
        // Lambda rejects the Invoke itself (413 RequestEntityTooLargeException); API Gateway answers 500.
        this.gatewayResponse(
          x,
          binding,
          'DEFAULT_5XX',
          'Internal server error',
          overInvokeLimit
            ? `body decodes to more than Lambda's ${LAMBDA_INVOKE_LIMIT_BYTES}-byte invoke limit`
            : `event of ${size} bytes is over Lambda's ${LAMBDA_INVOKE_LIMIT_BYTES}-byte invoke limit`,
          500,
        )
        return
      }
    }
    await this.integrate(x, binding, pool, integration.timeoutMs, {
      request: x.facts,
      route,
      headers: x.headers,
      query,
      authorizer: authorizerContext,
    })
  }

  /** Permission checks repeat per route: remembered per function and method ARN. */
  private mayInvoke(functionName: string, methodArn: string): boolean {
    const key = `${functionName} ${methodArn}`
    let allowed = this.permissionCache.get(key)
    if (allowed === undefined) {
      allowed = apiGatewayMayInvoke(this.options.model.permissions, functionName, methodArn)
      if (this.permissionCache.size > 10_000) this.permissionCache.clear()
      this.permissionCache.set(key, allowed)
    }
    return allowed
  }

  private integrate(
    x: Exchange,
    binding: StageBinding,
    pool: LambdaPool,
    templateTimeoutMs: number,
    input: ProxyInput,
  ): Promise<void> {
    const timeoutMs = this.options.integrationTimeoutMs ?? templateTimeoutMs
    const cancellation = new Cancellation()
    return new Promise<void>((resolve) => {
      let answered = false
      // API Gateway stops waiting after the integration timeout; the function may still run to its own end.
      const deadline = this.deadlines.add(timeoutMs, () => {
        if (answered) return
        answered = true
        cancellation.cancel()
        this.gatewayResponse(
          x,
          binding,
          'INTEGRATION_TIMEOUT',
          'Endpoint request timed out',
          `no answer in ${timeoutMs} ms`,
        )
        resolve()
      })
      pool.invokeProxy(input, { cancellation, traceId: x.facts.traceId }).then(
        (result) => {
          if (answered) return
          answered = true
          this.deadlines.cancel(deadline)
          x.record.integration = result.cold ? 'cold' : 'warm'
          this.answerIntegration(x, binding, result.outcome)
          resolve()
        },
        (error: unknown) => {
          if (answered) return
          answered = true
          this.deadlines.cancel(deadline)
          if (!(error instanceof InvocationAbortedError)) {
            this.gatewayResponse(x, binding, 'DEFAULT_5XX', 'Internal server error', String(error), 502)
          }
          resolve()
        },
      )
    })
  }

  private answerIntegration(x: Exchange, binding: StageBinding, outcome: InvokeOutcome): void {
    switch (outcome.kind) {
      case 'http': {
        const { status, headers, body } = outcome.response
        headers['X-Amzn-Trace-Id'] = x.facts.traceId
        this.send(x, status, headers, body, binding)
        return
      }
      case 'error':
        this.gatewayResponse(
          x,
          binding,
          'DEFAULT_5XX',
          'Internal server error',
          `Lambda error ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
          502,
        )
        return
      case 'malformed':
        this.gatewayResponse(x, binding, 'DEFAULT_5XX', 'Internal server error', outcome.reason, 502)
        return
      case 'payload':
        this.gatewayResponse(
          x,
          binding,
          'DEFAULT_5XX',
          'Internal server error',
          'raw payload from a proxy call',
          502,
        )
        return
    }
  }

  private gatewayResponse(
    x: Exchange,
    binding: StageBinding | undefined,
    type: GatewayResponseType,
    message: string | null,
    reason: string,
    statusOverride?: number,
  ): void {
    x.record.reason = reason
    const ctx: GatewayResponseContext = {
      message,
      context: {
        requestId: x.facts.requestId,
        extendedRequestId: x.facts.extendedRequestId,
        httpMethod: x.facts.method,
        path: x.record.path,
        stage: binding?.stage.name ?? '',
        apiId: binding?.api.apiId ?? '',
        domainName: this.domainName,
        identity: { sourceIp: x.facts.sourceIp, userAgent: x.headers.lower.get('user-agent') ?? '' },
      },
      requestHeaders: x.headers.single,
      queryString: parseQuery(x.facts.rawQuery).single ?? {},
      pathParameters: {},
      stageVariables: binding?.stage.variables ?? {},
    }
    const rendered: RenderedResponse = renderGatewayResponse(
      binding?.api.gatewayResponses ?? new Map(),
      type,
      ctx,
      statusOverride,
    )
    this.send(x, rendered.status, rendered.headers, rendered.body)
  }

  private send(
    x: Exchange,
    status: number,
    headers: Record<string, string | string[]>,
    body: string | Uint8Array,
    binding?: StageBinding,
  ): void {
    x.record.status = status
    headers['x-amzn-RequestId'] = x.facts.requestId
    headers['x-amz-apigw-id'] = x.facts.extendedRequestId
    // API Gateway answers with a Content-Length, never chunked; one write carries headers and body.
    headers['Content-Length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength)
    // Writing each answer the moment it is known spreads the writes over the turn, one wake-up of the client
    // per response; writing the turn's answers back to back lets it take them in one go. With functions on
    // this thread (inline isolation) that raised throughput by a third in the stack bench.
    if (this.outgoing.push({ x, status, headers, body, binding }) === 1) setImmediate(this.writeOutgoing)
  }

  private readonly writeOutgoing = (): void => {
    const answers = this.outgoing
    this.outgoing = []
    for (const answer of answers) {
      const { x } = answer
      try {
        x.res.writeHead(answer.status, answer.headers)
        x.res.end(answer.body)
      } catch (error) {
        this.unsendable(answer, error)
        continue
      }
      this.finish(x)
    }
  }

  /**
   * Node refused the answer (a header name with a space, a header value with a line break): API Gateway treats
   * such a function result as malformed and answers 502, with the stage's DEFAULT_5XX. When that gateway response
   * of the template is what Node refused, its answer carries no binding and API Gateway's built-in one follows,
   * whose fixed headers Node always accepts.
   */
  private unsendable(answer: OutgoingResponse, error: unknown): void {
    const { x, binding } = answer
    for (const name of x.res.getHeaderNames()) x.res.removeHeader(name)
    const reason = `response Node cannot send: ${(error as Error).message}`
    this.gatewayResponse(x, binding, 'DEFAULT_5XX', 'Internal server error', reason, 502)
  }
}

const EMPTY = Buffer.alloc(0)

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length']
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined
}

type DecodedBody =
  | { kind: 'body'; body: Buffer }
  | { kind: 'undecodable' }
  /** Decodes to more than Lambda accepts in an invoke: refused before the function, as Lambda would. */
  | { kind: 'over-invoke-limit' }

/**
 * With compression on, API Gateway decodes the body by its Content-Encoding (gzip, deflate, identity, applied
 * in reverse of the order listed); undecodable when a coding is unsupported or the body is not what it says.
 * Decoding stops past Lambda's invoke limit, so a small bomb cannot fill the runner's memory.
 */
async function decodeBody(headers: ParsedHeaders, body: Buffer): Promise<DecodedBody> {
  const header = headers.lower.get('content-encoding')
  if (header === undefined || body.length === 0) return { kind: 'body', body }
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity')
  let decoded = body
  const options = { maxOutputLength: LAMBDA_INVOKE_LIMIT_BYTES + 1 }
  for (const coding of codings.reverse()) {
    try {
      if (coding === 'gzip') decoded = await gunzipAsync(decoded, options)
      else if (coding === 'deflate') decoded = await inflateAsync(decoded, options)
      else return { kind: 'undecodable' }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        return { kind: 'over-invoke-limit' }
      return { kind: 'undecodable' }
    }
  }
  return { kind: 'body', body: decoded }
}

/** The request body, or `undefined` past API Gateway's 10 MB limit. */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_BODY_BYTES) {
    req.resume()
    return Promise.resolve(undefined)
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY_BYTES) chunks.push(chunk)
    })
    req.on('end', () => resolve(size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)))
    req.on('error', reject)
  })
}
