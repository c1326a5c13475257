import type { MiddlewareObj, Request } from '@middy/core'
import type { APIGatewayProxyResult } from 'aws-lambda'
// Not node:http's STATUS_CODES: importing node:http costs a Lambda ~25 ms of cold start; http-errors already
// ships this table.
import statuses from 'statuses'
import { checkKnownKeys, optionKeys } from './options/check-known-keys.js'

/** A thrown value as logged: an Error's fields and its cause chain, or a non-Error's type and JSON preview. */
export type JsonResponseLoggedError =
  | {
      name?: string
      message?: string
      stack?: string
      status?: string | number | boolean
      code?: string | number | boolean
      cause?: JsonResponseLoggedError
    }
  | { type: string; value: string }

/**
 * What is logged for one server error (5xx). A structured object, not a JSON string, so a structured logger
 * (Powertools Logger, pino) nests `error` as an object instead of encoding the whole entry a second time. No
 * `level` key: it is the logger's to add (Powertools drops a `level` attribute with a warning line).
 */
export type JsonResponseLogEntry = {
  message: string
  statusCode: number
  awsRequestId: string | null
  error: JsonResponseLoggedError
}

/**
 * Receives one entry per server error (5xx), never per success or client error. For Powertools Logger:
 * `(entry) => logger.error(entry)`.
 */
export type JsonResponseLogger = (entry: JsonResponseLogEntry) => void

/** Invalid `jsonResponse` options: thrown when the middleware is created, never on a request. */
export class JsonResponseConfigError extends TypeError {
  constructor(message: string) {
    super(`jsonResponse: ${message}`)
    this.name = 'JsonResponseConfigError'
  }
}

export interface JsonResponseOptions {
  /**
   * Where server-error causes go. Default: one JSON line `{"level":"ERROR", ...entry}` on `console.error`
   * (what CloudWatch and the Lambda runtime expect of plain console logging).
   */
  logger?: JsonResponseLogger
  /**
   * Extra headers on every response this middleware builds (plain data and errors), e.g.
   * `{ 'Cache-Control': 'no-store' }`. A full proxy response returned by the handler keeps its own headers.
   * A `Content-Type` here replaces `application/json`.
   */
  headers?: Readonly<Record<string, string>>
}

type JsonResponse = APIGatewayProxyResult & { headers: Record<string, string | number | boolean> }

const jsonContentType = 'application/json'

type MiddyRequest = Request<unknown, unknown, unknown>

const defaults: Required<JsonResponseOptions> = {
  // Looked up at call time so a test spy or a later console patch is honoured.
  logger: (entry) => console.error(JSON.stringify({ level: 'ERROR', ...entry })),
  headers: {},
}

// Stryker disable next-line BooleanLiteral: optionKeys reads only the keys (`true` is for the compiler).
const knownOptions = optionKeys<JsonResponseOptions>({ logger: true, headers: true })

// RFC 9110 token; header values must not smuggle a line break into the response.
const headerName = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const headerValueUnsafe = /[\r\n\0]/
const maxLoggedString = 8192
const maxCauseDepth = 4

const statusText = (status: number): string =>
  // Stryker disable next-line EqualityOperator: `<=` differs only at 500, which always has its own text.
  statuses.message[status] ?? (status < 500 ? 'Bad Request' : 'Internal Server Error')

// Getters and Proxy traps on thrown values are user code: one that throws must not take the response with it.
const read = (value: unknown, key: PropertyKey): unknown => {
  try {
    return (value as Record<PropertyKey, unknown>)[key]
  } catch {
    return undefined
  }
}

const isHttpStatus = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599

const isError = (value: unknown): value is Error => {
  try {
    return value instanceof Error
  } catch {
    return false
  }
}

/**
 * middy's early timeout (`timeoutEarlyInMillis`) throws an Error named `TimeoutError`; so does fetch with
 * `AbortSignal.timeout()`, while Node's own APIs wrap that reason in an `AbortError` cause.
 */
const isTimeout = (error: unknown): boolean => {
  if (!isError(error)) return false
  const name = read(error, 'name')
  if (name === 'TimeoutError') return true
  if (name !== 'AbortError') return false
  const cause = read(error, 'cause')
  return isError(cause) && read(cause, 'name') === 'TimeoutError'
}

const truncate = (text: string): string =>
  text.length > maxLoggedString ? `${text.slice(0, maxLoggedString)}…[truncated]` : text

const safeString = (value: unknown): string | undefined => {
  if (value === undefined) return undefined
  try {
    return truncate(String(value))
  } catch {
    return '[unprintable]'
  }
}

/** JSON text of any value for the log: circular references, BigInt and throwing toJSON/getters all survive. */
const preview = (value: unknown): string => {
  const seen = new WeakSet<object>()
  try {
    const text = JSON.stringify(value, (_key, item: unknown) => {
      if (typeof item === 'bigint') return `${item}n`
      if (typeof item === 'object' && item !== null) {
        if (seen.has(item)) return '[Circular]'
        seen.add(item)
      }
      return item
    })
    return truncate(text ?? safeString(value) ?? 'undefined')
  } catch {
    return safeString(value) ?? '[unserialisable]'
  }
}

const loggable = (value: unknown): string | number | boolean =>
  typeof value === 'string'
    ? truncate(value)
    : (typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean'
      ? value
      : preview(value)

const describeCause = (value: unknown, depth = 0): JsonResponseLoggedError => {
  if (!isError(value)) return { type: value === null ? 'null' : typeof value, value: preview(value) }
  const described: JsonResponseLoggedError = {
    name: safeString(read(value, 'name')),
    message: safeString(read(value, 'message')),
    stack: safeString(read(value, 'stack')),
  }
  const status = read(value, 'status') ?? read(value, 'statusCode')
  if (status !== undefined) described.status = loggable(status)
  const code = read(value, 'code')
  if (code !== undefined) described.code = loggable(code)
  const cause = read(value, 'cause')
  if (cause !== undefined && depth < maxCauseDepth) described.cause = describeCause(cause, depth + 1)
  return described
}

const requestIdOf = (request: MiddyRequest): string | null => {
  const id = read(request.context, 'awsRequestId')
  return typeof id === 'string' ? id : null
}

/** Safe headers an HTTP error carries (`Allow`, `Retry-After`, ...); the body stays JSON, so no Content-Type. */
const errorHeaders = (error: unknown): Record<string, string | number> | undefined => {
  const headers = read(error, 'headers')
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) return undefined
  const safe: Record<string, string | number> = {}
  for (const name of Object.keys(headers)) {
    if (!headerName.test(name) || name.toLowerCase() === 'content-type') continue
    const value = read(headers, name)
    if (typeof value === 'string' ? !headerValueUnsafe.test(value) : Number.isFinite(value)) {
      safe[name] = value as string | number
    }
  }
  return safe
}

const messageBody = (message: string): string => `{"message":${JSON.stringify(message)}}`

/**
 * Build a JSON error response for any thrown value. Only integer 400–599 `status`/`statusCode` count as
 * HTTP statuses; a 4xx message is shown only when the error says `expose: true` (http-errors and middy's
 * createError do); every 5xx says only its status text and its cause is logged with the request id.
 */
const errorResponse = (
  error: unknown,
  request: MiddyRequest,
  baseHeaders: () => Record<string, string | number | boolean>,
  logger: JsonResponseLogger,
  reason: string,
): JsonResponse => {
  let statusCode = 500
  const headers = baseHeaders()
  let message: string | undefined
  let extraHeaders: Record<string, string | number> | undefined
  try {
    const status = read(error, 'status')
    const statusCodeField = read(error, 'statusCode')
    const httpStatus = isHttpStatus(status)
      ? status
      : isHttpStatus(statusCodeField)
        ? statusCodeField
        : undefined
    if (httpStatus !== undefined) {
      extraHeaders = errorHeaders(error)
      statusCode = httpStatus
      if (httpStatus < 500 && read(error, 'expose') === true) {
        const errorMessage = read(error, 'message')
        if (typeof errorMessage === 'string' && errorMessage !== '') message = errorMessage
      }
    } else if (isTimeout(error)) {
      statusCode = 504
    }
  } catch {
    statusCode = 500
    message = undefined
    extraHeaders = undefined
  }
  if (extraHeaders !== undefined) Object.assign(headers, extraHeaders)
  if (statusCode >= 500) log(logger, request, statusCode, reason, error)
  return { statusCode, headers, body: messageBody(message ?? statusText(statusCode)) }
}

const log = (
  logger: JsonResponseLogger,
  request: MiddyRequest,
  statusCode: number,
  reason: string,
  error: unknown,
) => {
  try {
    logger({ message: reason, statusCode, awsRequestId: requestIdOf(request), error: describeCause(error) })
  } catch {
    // A broken logger must not turn a handled error into an unhandled one.
  }
}

const hasHeader = (headers: unknown, lowerName: string): boolean => {
  if (typeof headers !== 'object' || headers === null) return false
  for (const name of Object.keys(headers)) if (name.toLowerCase() === lowerName) return true
  return false
}

const buildHeaderFactory = (
  extra: Readonly<Record<string, string>>,
): { contentType: string; baseHeaders: () => Record<string, string | number | boolean> } => {
  let contentType = jsonContentType
  const rest: Record<string, string> = {}
  for (const [name, value] of Object.entries(extra)) {
    if (!headerName.test(name) || typeof value !== 'string' || headerValueUnsafe.test(value)) {
      throw new JsonResponseConfigError(`invalid header ${JSON.stringify(name)}`)
    }
    if (name.toLowerCase() === 'content-type') contentType = value
    else rest[name] = value
  }
  const names = Object.keys(rest)
  if (names.length === 0 && contentType === jsonContentType) {
    // Fresh object per response: later middlewares (CORS, ...) add headers to it in place.
    return { contentType, baseHeaders: () => ({ 'Content-Type': jsonContentType }) }
  }
  const template = Object.freeze({ ...rest, 'Content-Type': contentType })
  return { contentType, baseHeaders: () => ({ ...template }) }
}

export const jsonResponse = (options: JsonResponseOptions = {}): MiddlewareObj<unknown, unknown, unknown> => {
  if (typeof options !== 'object' || options === null) {
    throw new JsonResponseConfigError('options must be an object (or left out)')
  }
  checkKnownKeys(options, knownOptions, (message) => new JsonResponseConfigError(message))
  if (options.logger !== undefined && typeof options.logger !== 'function') {
    throw new JsonResponseConfigError('logger must be a function receiving one log entry per server error')
  }
  const logger = options.logger ?? defaults.logger
  const { contentType, baseHeaders } = buildHeaderFactory(options.headers ?? defaults.headers)

  const jsonResponseAfter = (request: MiddyRequest): void => {
    const response = request.response
    try {
      if (typeof response === 'object' && response !== null) {
        const statusCode = (response as { statusCode?: unknown }).statusCode
        if (typeof statusCode === 'number') {
          const body = (response as { body?: unknown }).body
          // A full proxy response (string or no body, base64 included) is the handler's to shape.
          if (body === undefined || typeof body === 'string') return
          // Proxy-shaped with a data body, e.g. what @middy/http-cors's normalizeHttpResponse leaves.
          const proxy = response as APIGatewayProxyResult & { body: unknown }
          const json = JSON.stringify(body)
          if (typeof json !== 'string')
            throw new TypeError(`response body of type ${typeof body} is not JSON`)
          const proxyHeaders = { ...proxy.headers }
          if (
            !hasHeader(proxyHeaders, 'content-type') &&
            !hasHeader(proxy.multiValueHeaders, 'content-type')
          ) {
            proxyHeaders['Content-Type'] = contentType
          }
          request.response = { ...proxy, headers: proxyHeaders, body: json }
          return
        }
      }
      const body = response === undefined ? 'null' : JSON.stringify(response)
      if (typeof body !== 'string')
        throw new TypeError(`handler returned a ${typeof response}, which is not JSON`)
      request.response = { statusCode: 200, headers: baseHeaders(), body }
    } catch (cause) {
      request.response = errorResponse(
        cause,
        request,
        baseHeaders,
        logger,
        'response is not JSON-serialisable',
      )
    }
  }

  const jsonResponseOnError = (request: MiddyRequest): void => {
    // An earlier onError middleware that produced a response has handled the error: only shape it.
    if (request.response !== undefined) {
      jsonResponseAfter(request)
      return
    }
    try {
      request.response = errorResponse(request.error, request, baseHeaders, logger, 'request failed')
    } catch {
      request.response = {
        statusCode: 500,
        headers: { 'Content-Type': jsonContentType },
        body: messageBody('Internal Server Error'),
      }
    }
  }

  return { after: jsonResponseAfter, onError: jsonResponseOnError }
}
